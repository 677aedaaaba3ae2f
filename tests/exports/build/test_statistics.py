"""What a build wrote, counted per split, a chunk at a time."""

import numpy as np
import pyarrow as pa

from exports.build.statistics import WrittenStatistics


def test_written_dialogues_are_counted_per_split_source_category_and_character():
    statistics = WrittenStatistics()
    statistics.add(
        split_codes=np.array([0, 0, 1, 0, 2]),
        characters=np.array([7, 8, 7, 9, 8]),
        category_of={7: "history", 8: "daily_life", 9: "history"},
        sources=pa.array(["human_roleplay", "synthetic", "synthetic", "human_roleplay", "literary"]),
        turns=np.array([4, 6, 4, 10, 2]),
        examples=np.array([2, 1, 2, 2, 1]),
    )
    statistics.add(
        split_codes=np.array([0]),
        characters=np.array([8]),
        category_of={8: "daily_life"},
        sources=pa.array(["synthetic"]),
        turns=np.array([6]),
        examples=np.array([1]),
    )
    statistics.add(
        split_codes=np.array([], dtype=np.int64),
        characters=np.array([], dtype=np.int64),
        category_of={},
        sources=pa.array([], type=pa.string()),
        turns=np.array([], dtype=np.int64),
        examples=np.array([], dtype=np.int64),
    )
    splits = statistics.splits()
    assert splits["train"] == {
        "by_category": {"daily_life": 2, "history": 2},
        "by_source": {"human_roleplay": 2, "synthetic": 2},
        "characterglm_examples": 6,
        "characters": 3,
        "dialogues": 4,
        "messages_examples": 6,
        "turns": 26,
    }
    assert splits["validation"]["by_source"] == {"synthetic": 1} and splits["validation"]["characters"] == 1
    assert splits["test"]["by_category"] == {"daily_life": 1} and splits["test"]["turns"] == 2
    assert statistics.by_source == {"human_roleplay": 2, "synthetic": 3, "literary": 1}
    assert statistics.by_category == {"history": 3, "daily_life": 3}
    assert statistics.turns_per_dialogue == {4: 2, 6: 2, 10: 1, 2: 1}
