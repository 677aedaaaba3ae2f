"""The batch (Arrow/numpy) curation gives the answers of the per-turn rules, and batching does not
change a build's bytes."""

import random
from collections import Counter
from pathlib import Path

import numpy as np
import pyarrow as pa

from exports import turn_stream
from exports.batch_curation import blank_mask, compact_column, near_duplicate_mask, scrub_column
from exports.curation import NearDuplicateFilter, compact_text, scrub_personal_data
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
    alphabet = "abcde fghij今天的海风İΣ\u3000\t"
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


def test_compact_column_has_python_lengths():
    rng = random.Random(3)
    pool = [*"abcİΣ今 ", *WHITESPACE]
    texts = ["".join(rng.choice(pool) for _ in range(rng.randint(0, 12))) for _ in range(5000)]
    compacted = compact_column(pa.array(texts)).to_pylist()
    assert [len(text) for text in compacted] == [len(compact_text(text)) for text in texts]


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
    assert originals[0] == "" and originals[1] == "first draft, call [PHONE]" and pd.isna(originals[2])
    assert table["pii_replacements"].tolist()[:2] == [0, 1]


def test_near_duplicates_in_a_second_process_give_the_same_files(corpus, build_now, monkeypatch):
    from exports import services

    inline = build_now({"seed": 2})
    monkeypatch.setattr(services, "PARALLEL_MIN_TURNS", 0)
    monkeypatch.setattr(turn_stream, "CHUNK_DIALOGUES", 5)  # several chunks in flight
    parallel = build_now({"seed": 2})
    assert parallel.data_sha256 == inline.data_sha256
    assert parallel.stats == inline.stats
