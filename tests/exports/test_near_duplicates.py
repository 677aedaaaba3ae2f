"""The near-duplicate filter gives the same answers as the plain pairwise definition."""

import random

from exports.curation import NearDuplicateFilter, _compact, shingles
from tests.exports.conftest import edited_or_fresh


def _near(first: str, second: str, threshold: float) -> bool:
    a, b = _compact(first), _compact(second)
    if a == b:
        return True
    if min(len(a), len(b)) - 2 < threshold * (max(len(a), len(b)) - 2):
        return False
    x, y = shingles(a), shingles(b)
    common = len(x & y)
    return common >= threshold * (len(x) + len(y) - common)


def _pairwise(texts: list[str], threshold: float, window: int = 8, min_chars: int = 8) -> list[bool]:
    kept, answers = [], []
    for text in texts:
        if len(_compact(text)) < min_chars:
            answers.append(False)  # short replies are never dropped, nor compared against
            continue
        duplicate = any(_near(text, earlier, threshold) for earlier in kept[-window:])
        answers.append(duplicate)
        if not duplicate:
            kept.append(text)
    return answers


def test_filter_matches_the_pairwise_definition_on_random_edits():
    rng = random.Random(5)
    alphabet = "abcde fghij今天的海风"
    found = 0
    for _trial in range(400):
        base = "".join(rng.choice(alphabet) for _ in range(rng.randint(6, 30)))
        texts = []
        for _ in range(12):
            texts.append(edited_or_fresh(rng, base, alphabet, 30))
        for threshold in (0.5, 0.8, 0.9):
            near = NearDuplicateFilter(threshold)
            answers = [near.is_near_duplicate("player", text) for text in texts]
            assert answers == _pairwise(texts, threshold)
            found += sum(answers)
    assert found > 100  # the edits do produce near-duplicates, so the comparison means something


def test_speakers_and_dialogues_are_kept_apart():
    near = NearDuplicateFilter(0.9)
    assert not near.is_near_duplicate("player", "See you at the harbour tomorrow!")
    assert not near.is_near_duplicate("character", "See you at the harbour tomorrow!")
    assert near.is_near_duplicate("player", "see you at the  harbour tomorrow!")
    near.reset()
    assert not near.is_near_duplicate("player", "See you at the harbour tomorrow!")
    assert not near.is_near_duplicate("player", "好的") and not near.is_near_duplicate("player", "好的")
