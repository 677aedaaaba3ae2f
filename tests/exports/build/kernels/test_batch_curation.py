"""The batch (Arrow/numpy) curation gives the answers of the per-turn rules, and batching does not
change a build's bytes."""

import random
from collections import Counter
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from exports.build import turn_stream
from exports.build.kernels.batch_curation import (
    _PYTHON_LOWER,
    blank_mask,
    is_space,
    maybe_cased,
    near_duplicate_mask,
    personal_data_candidates,
    scrub_column,
)
from exports.curation import NearDuplicateFilter, scrub_personal_data
from platform_core.privacy.analyzer import might_contain
from tests.exports.conftest import edited_or_fresh, make_corpus

WHITESPACE = [chr(code) for code in range(0x110000) if chr(code).isspace()]


def _reference(texts: list[str], groups: list[int], threshold: float) -> list[bool]:
    filters: dict[int, NearDuplicateFilter] = {}
    return [
        filters.setdefault(group, NearDuplicateFilter(threshold)).is_near_duplicate("speaker", text)
        for text, group in zip(texts, groups, strict=True)
    ]


def test_batch_near_duplicates_match_the_per_turn_filter():
    rng = random.Random(11)
    alphabet = "abcde fghij今天的海风İΣ\ua7cb\u3000\t\u00a0\x1c\n  "
    texts, groups = [], []
    for group in range(600):
        base = "".join(rng.choice(alphabet) for _ in range(rng.randint(6, 40)))
        for _ in range(rng.randint(1, 30)):  # long groups: drops let older kept turns back into the window
            texts.append(edited_or_fresh(rng, base, alphabet, 40))
            groups.append(group // 2 * 2 + rng.randint(0, 1))  # two speakers interleaved per dialogue
    found = 0
    for threshold in (0.5, 0.8, 0.9, 1.0):
        expected = _reference(texts, groups, threshold)
        got = near_duplicate_mask(pa.array(texts), np.array(groups), threshold)
        assert got.tolist() == expected, threshold
        found += sum(expected)
    assert found > 1000


def test_long_planted_near_duplicates_are_found():
    line = "The lamp kept burning all night while the storm rolled over the harbour and the ferry waited. "
    texts = [line * 3, "Something else entirely, about tea and biscuits.", (line * 3).replace("ferry", "ferries")]
    assert near_duplicate_mask(pa.array(texts), np.zeros(3, dtype=np.int64), 0.9).tolist() == [False, False, True]
    # another speaker (group) never counts
    assert not near_duplicate_mask(pa.array(texts), np.array([0, 0, 1]), 0.9).any()


def test_whitespace_of_the_walk_is_str_isspace():
    assert [code for code in range(0x110000) if is_space(code)] == [ord(char) for char in WHITESPACE]


def test_letters_arrow_lowers_unlike_python_are_left_to_python():
    letters = [chr(code) for code in range(0x110000) if not 0xD800 <= code <= 0xDFFF]
    by_arrow = pc.utf8_lower(pa.array(letters)).to_pylist()
    differing = [letter for letter, lowered in zip(letters, by_arrow, strict=True) if letter.lower() != lowered]
    assert differing
    routed = pc.match_substring_regex(pa.array([*differing, "Σ"]), _PYTHON_LOWER).to_pylist()
    assert all(routed), [hex(ord(letter)) for letter, ok in zip(differing, routed, strict=False) if not ok]


def test_letters_left_to_the_walk_lower_case_alike_everywhere():
    letters = [chr(code) for code in range(0x80, 0x110000) if not 0xD800 <= code <= 0xDFFF]
    by_arrow = pc.utf8_lower(pa.array(letters)).to_pylist()
    changed = [
        letter
        for letter, lowered in zip(letters, by_arrow, strict=True)
        if letter.lower() != letter or lowered != letter
    ]
    assert len(changed) > 1000
    assert [hex(ord(letter)) for letter in changed if not maybe_cased(ord(letter))] == []


def test_candidates_are_the_rows_the_analyzers_prefilter_accepts():
    texts = ["call 1 2 3 4 5 6 7", "１３８１２３４５６７８", "a@b", "加我微信", "(50123.15)", "the sea is calm", "", None]
    assert personal_data_candidates(pa.array(texts, type=pa.string())).tolist() == [
        True, True, True, True, False, False, False, False
    ]
    rng = random.Random(5)
    pool = [*"0123456789 -@a.:/", "  ", "--", "１", "一", "三", "微信", "QQ", "路", "号", "Road", "SW1A 1AA"]
    randoms = ["".join(rng.choice(pool) for _ in range(rng.randint(0, 16))) for _ in range(5000)]
    marked = personal_data_candidates(pa.array(randoms)).tolist()
    assert marked == [might_contain(text) for text in randoms]
    assert 500 < sum(marked) < 4500


def test_threshold_outside_zero_to_one_is_refused():
    with pytest.raises(ValueError, match="threshold"):
        near_duplicate_mask(pa.array(["a" * 20, "a" * 20]), np.zeros(2, dtype=np.int64), 1.5)


def test_blank_mask_is_str_strip():
    texts = ["", " ", "\u3000\t\n", "\x1c", "a", " . ", "\u200b", *WHITESPACE]
    assert blank_mask(pa.array(texts)).tolist() == [not text.strip() for text in texts]


def test_scrub_column_matches_scrub_personal_data():
    texts = [
        "Call 13812345678 now",
        "no digits",
        None,
        "",
        "mail ann.lee@example.com and card 4111 1111 1111 1111",
        "order 12345678901234567",
        "全角１３８１２３４５６７８",
        "+44 20 7946 0958",
    ]
    counts, expected_counts = Counter(), Counter()
    cleaned, replaced = scrub_column(pa.array(texts, type=pa.string()), counts)
    expected = [scrub_personal_data(text, expected_counts) if text else (text, 0) for text in texts]
    assert cleaned.to_pylist() == [text for text, _made in expected]
    assert replaced.tolist() == [made for _text, made in expected]
    assert counts == expected_counts and counts["phone"] >= 2


def test_scrub_column_numbers_placeholders_per_dialogue_across_columns():
    texts = pa.array(["我的手机13812345678", "再说一次 138 1234 5678，另一个 13900001111", "13900001111"])
    originals = pa.array([None, "原话：13900001111", None], type=pa.string())
    dialogues = np.array([0, 0, 1])
    books: dict = {}
    counts: Counter = Counter()
    cleaned, replaced = scrub_column(texts, counts, dialogues, books)
    cleaned_originals, _ = scrub_column(originals, counts, dialogues, books)
    assert cleaned.to_pylist() == ["我的手机[PHONE_1]", "再说一次 [PHONE_1]，另一个 [PHONE_2]", "[PHONE_1]"]
    assert cleaned_originals.to_pylist() == [None, "原话：[PHONE_2]", None]
    assert replaced.tolist() == [1, 2, 1] and counts == Counter({"phone": 5})


def test_chunk_size_does_not_change_the_files(corpus, build_now, monkeypatch):
    whole = build_now({"seed": 5})
    monkeypatch.setattr(turn_stream, "CHUNK_DIALOGUES", 3)  # 24 dialogues: eight chunks
    chunked = build_now({"seed": 5})
    assert chunked.data_sha256 == whole.data_sha256
    assert chunked.stats == whole.stats


def test_null_and_empty_original_text_survive_the_stream(db, build_now):
    from roleplay.models import Turn

    dialogue = make_corpus(characters=1, per_character=1)[0]
    turns = list(Turn.objects.filter(dialogue=dialogue).order_by("seq"))
    Turn.objects.filter(pk=turns[0].pk).update(original_text="")
    Turn.objects.filter(pk=turns[1].pk).update(original_text="first draft, call 13812345678")
    build = build_now({"min_turns": 1})
    import pandas as pd

    table = pd.concat(
        pd.read_parquet(Path(build.directory) / split / "turns.parquet") for split in ("train", "validation", "test")
    ).sort_values("seq")
    originals = table["original_text"].tolist()
    assert originals[0] == "" and originals[1] == "first draft, call [PHONE_1]" and pd.isna(originals[2])
    assert table["pii_replacements"].tolist()[:2] == [0, 1]
