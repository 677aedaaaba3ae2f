"""A split's writer: JSON lines written on its own thread, in order and hashed as written, a failed
write failing the close."""

import hashlib

import pytest

from exports.build import writers
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
