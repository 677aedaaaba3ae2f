"""``copy_bytes``: the compiled passes' copy of a range of bytes from one array into another."""

import numba
import numpy as np
import pytest

from exports.build.kernels.memory import copy_bytes


@numba.njit
def _copy(destination, destination_start, source, source_start, count):
    return copy_bytes(destination, destination_start, source, source_start, count)


def test_the_range_is_copied_and_its_end_returned():
    source = np.frombuffer("灯塔 lamp".encode(), dtype=np.uint8)  # read-only, as the COPY data is
    destination = np.zeros(14, dtype=np.uint8)
    end = _copy(destination, 2, source, 0, 6)
    end = _copy(destination, end, source, 6, 5)
    assert end == 13 and bytes(destination) == b"\0\0" + "灯塔 lamp".encode() + b"\0"


def test_an_empty_range_copies_nothing():
    destination = np.zeros(3, dtype=np.uint8)
    assert _copy(destination, 3, np.ones(2, dtype=np.uint8), 2, 0) == 3
    assert not destination.any()


@pytest.mark.parametrize(
    ("destination_start", "source_start", "count"),
    [(0, 0, 5), (3, 0, 2), (0, 3, 2), (-1, 0, 1), (0, -1, 1), (0, 0, -1)],
)
def test_a_range_outside_either_array_raises_and_copies_nothing(destination_start, source_start, count):
    destination = np.zeros(4, dtype=np.uint8)
    with pytest.raises(IndexError):
        _copy(destination, destination_start, np.ones(4, dtype=np.uint8), source_start, count)
    assert not destination.any()


def test_only_contiguous_byte_arrays_are_copied_and_only_into_writable_ones():
    with pytest.raises(numba.core.errors.TypingError):
        _copy(np.zeros(4, dtype=np.uint8), 0, np.ones(8, dtype=np.uint8)[::2], 0, 2)
    with pytest.raises(numba.core.errors.TypingError):
        _copy(np.zeros(4, dtype=np.int32), 0, np.ones(4, dtype=np.int32), 0, 2)
    with pytest.raises(numba.core.errors.TypingError):
        _copy(np.frombuffer(b"read only", dtype=np.uint8), 0, np.ones(4, dtype=np.uint8), 0, 2)
