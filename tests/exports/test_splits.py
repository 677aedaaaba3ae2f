"""Character-disjoint splits that give every split characters, even for small corpora."""

import pytest

from exports.build.splits import assign_splits, split_warnings
from exports.models import SPLITS

RATIOS = {"train": 0.8, "validation": 0.1, "test": 0.1}


def _characters(strata: int, per_stratum: int, weight: int = 3) -> dict[int, tuple[str, str, int]]:
    categories = ("celebrities", "daily_life", "games_videos", "virtual_love")
    sources = ("human_roleplay", "llm_synthesis", "literary", "human_machine")
    characters, next_id = {}, 1
    for index in range(strata):
        for _ in range(per_stratum):
            characters[next_id] = (categories[index % 4], sources[(index // 4) % 4], weight)
            next_id += 1
    return characters


@pytest.mark.parametrize(("strata", "per_stratum"), [(20, 1), (27, 1), (10, 2), (4, 5), (3, 1)])
def test_every_split_with_a_ratio_gets_a_character_when_there_are_enough(strata, per_stratum):
    characters = _characters(strata, per_stratum)
    for seed in range(5):
        assignment = assign_splits(characters, RATIOS, seed)
        assert set(assignment) == set(characters)
        assert set(assignment.values()) == set(SPLITS), (strata, per_stratum, seed)


def test_many_single_character_strata_are_divided_near_the_ratios():
    characters = _characters(40, 1)
    assignment = assign_splits(characters, RATIOS, seed=1)
    counts = {split: list(assignment.values()).count(split) for split in SPLITS}
    assert counts["train"] in range(29, 35) and counts["validation"] >= 3 and counts["test"] >= 3


def test_a_split_with_ratio_zero_stays_empty():
    assignment = assign_splits(_characters(20, 1), {"train": 0.9, "validation": 0.1, "test": 0.0}, seed=3)
    assert "test" not in assignment.values()
    assert "validation" in assignment.values()


def test_two_characters_for_three_splits_fill_what_they_can():
    assignment = assign_splits(_characters(2, 1), RATIOS, seed=0)
    assert sorted(assignment.values()) == ["train", "validation"]


def test_the_assignment_depends_only_on_the_seed():
    characters = _characters(12, 3)
    assert assign_splits(characters, RATIOS, 5) == assign_splits(dict(reversed(characters.items())), RATIOS, 5)
    assert assign_splits(characters, RATIOS, 5) != assign_splits(characters, RATIOS, 6)


def test_warnings_name_an_empty_split_and_one_far_from_its_ratio():
    splits = {"train": {"dialogues": 60}, "validation": {"dialogues": 40}, "test": {"dialogues": 0}}
    warnings = split_warnings(splits, RATIOS)
    assert {"split": "test", "problem": "empty", "ratio": 0.1, "share": 0.0} in warnings
    assert {"split": "validation", "problem": "far_from_ratio", "ratio": 0.1, "share": 0.4} in warnings
    assert split_warnings({"train": {"dialogues": 80}, "validation": {"dialogues": 11}, "test": {"dialogues": 9}}, RATIOS) == []


def test_a_small_corpus_of_single_character_strata_exports_every_split(db, build_now, client):
    from roleplay.models import CharacterCategory
    from tests.exports.conftest import make_corpus
    from tests.factories import UserFactory

    for category in CharacterCategory.values:  # four strata of one or two characters, like a demo corpus
        make_corpus(characters=2 if category == CharacterCategory.DAILY_LIFE else 1, per_character=2, category=category)
    build = build_now({"seed": 11})
    assert all(build.stats["splits"][split]["characters"] >= 1 for split in SPLITS)

    client.force_login(UserFactory(roles=["admin"]))
    page = client.get(f"/exports/builds/{build.pk}/").content.decode()
    # Five characters cannot hold 80/10/10: the page says how far each split is from its ratio.
    assert build.stats["split_warnings"]
    assert page.count('data-testid="split-warning"') == len(build.stats["split_warnings"])


def test_a_corpus_too_small_for_its_splits_warns_in_the_manifest_and_datasheet(db, build_now):
    import json
    from pathlib import Path

    from tests.exports.conftest import make_corpus

    make_corpus(characters=1, per_character=2)
    build = build_now({"seed": 2})
    manifest = json.loads((Path(build.directory) / "manifest.json").read_text())
    problems = {(w["split"], w["problem"]) for w in manifest["counts"]["split_warnings"]}
    assert problems == {("validation", "empty"), ("test", "empty")}
    datasheet = (Path(build.directory) / "DATASHEET.md").read_text()
    assert "the validation split is empty although its ratio is 0.1" in datasheet
