"""A split's writer: JSON lines written on its own thread, in order and hashed as written, a failed
write failing the close; the written dialogues counted per split."""

import hashlib

import numpy as np
import pyarrow as pa
import pytest

from exports.build import writers
from exports.build.statistics import WrittenStatistics
from exports.build.writers import SplitWriter


def test_json_lines_are_written_in_the_order_given_past_the_bytes_in_flight(tmp_path, monkeypatch):
    monkeypatch.setattr(writers, "LINES_IN_FLIGHT_BYTES", 64)
    writer = SplitWriter(tmp_path / "train")
    expected_characterglm, expected_messages = [], []
    for index in range(400):
        line = f'{{"id":"{index}","text":"{"x" * (index % 37)}"}}\n'.encode()
        writer.write_characterglm_lines(line)
        writer.write_messages_lines(memoryview(line * 2))
        expected_characterglm.append(line)
        expected_messages.append(line * 2)
    writer.close()
    characterglm, messages = tmp_path / "train" / "characterglm.jsonl", tmp_path / "train" / "messages.jsonl"
    assert characterglm.read_bytes() == b"".join(expected_characterglm)
    assert messages.read_bytes() == b"".join(expected_messages)
    assert writer.sha256() == {path: hashlib.sha256(path.read_bytes()).hexdigest() for path in (characterglm, messages)}


class _FailingFile:
    """A file on a full disk: every write fails, after recording what it was given."""

    def __init__(self, error: OSError) -> None:
        self.error = error
        self.given: list[bytes] = []

    def write(self, data) -> int:
        self.given.append(bytes(data))
        raise self.error

    def close(self) -> None:
        pass


def test_a_json_lines_write_that_fails_on_the_writers_thread_fails_the_close(tmp_path):
    writer = SplitWriter(tmp_path / "train")
    writer._messages.close()
    writer._messages = failing = _FailingFile(OSError(28, "No space left on device"))
    writer.write_messages_lines(b'{"id":"1"}\n')
    with pytest.raises(OSError, match="No space left"):
        writer.close()
    assert failing.given == [b'{"id":"1"}\n']


def test_a_failed_write_is_raised_by_the_next_write_once_it_is_done(tmp_path):
    writer = SplitWriter(tmp_path / "train")
    writer._characterglm.close()
    writer._characterglm = _FailingFile(OSError(5, "I/O error"))
    writer.write_characterglm_lines(b"{}\n")
    writer._lines_pending[0][0].exception()  # wait until the thread has run it
    with pytest.raises(OSError, match="I/O error"):
        writer.write_characterglm_lines(b"{}\n")
    writer.abort()


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
