"""PostgreSQL's binary COPY format as an Arrow table, by compiled passes over the bytes.

``COPY … TO STDOUT (FORMAT binary)`` costs the server less than CSV (no integer printed as text,
no quoting) and the client less to read: every field is a length and the bytes as they are
stored, so a text column becomes an Arrow string array by one copy and an integer column by one
byte swap, with no parsing. The format: an 11-byte signature, a 4-byte flags field and a header
extension of a given length; per row a 2-byte field count and per field a 4-byte length (-1:
NULL) and that many bytes; a field count of -1 ends the data. Integers are big-endian. A text's
bytes are in the server's encoding, so this reads only from a UTF-8 database (``turn_stream``
checks).
"""

import numba
import numpy as np
import pyarrow as pa

from exports.build.kernels.memory import copy_bytes

SIGNATURE = b"PGCOPY\n\xff\r\n\x00"
# What ends the data: a field count of -1.
TRAILER = b"\xff\xff"

_OK, _BAD_SIGNATURE, _TRUNCATED, _FIELD_COUNT, _INTEGER_WIDTH, _TOO_LONG = range(6)
_PROBLEMS = {
    _BAD_SIGNATURE: "it does not start with PostgreSQL's binary COPY signature",
    _TRUNCATED: "it ends inside a row or before the trailer",
    _FIELD_COUNT: "a row has another number of fields than the table's columns",
    _INTEGER_WIDTH: "an integer field is not 2, 4 or 8 bytes long",
    _TOO_LONG: "a chunk's texts outgrow one Arrow string array",
}


def binary_table(data: bytes | bytearray | memoryview, schema: pa.Schema) -> pa.Table:
    """The rows of a binary COPY as a table of ``schema`` (int64 and string columns, in order;
    integer fields of 2, 4 or 8 bytes)."""
    buffer = np.frombuffer(data, dtype=np.uint8)
    status, starts, lengths = _field_spans(buffer, len(schema))
    _check(status)
    columns = []
    for position, field in enumerate(schema):
        if pa.types.is_int64(field.type):
            status, values, valid = _integers(buffer, starts[:, position], lengths[:, position])
            _check(status)
            columns.append(_array(field.type, valid, [pa.py_buffer(values)]))
        elif pa.types.is_string(field.type):
            status, offsets, text, valid = _texts(buffer, starts[:, position], lengths[:, position])
            _check(status)
            columns.append(_array(field.type, valid, [pa.py_buffer(offsets), pa.py_buffer(text)]))
        else:
            raise TypeError(f"Binary COPY reads integer and text columns, not {field.type} ({field.name}).")
    return pa.Table.from_arrays(columns, schema=schema)


def _check(status: int) -> None:
    if status != _OK:
        raise ValueError(f"The binary COPY data cannot be read: {_PROBLEMS[status]}.")


def _array(type_: pa.DataType, valid: np.ndarray, buffers: list) -> pa.Array:
    nulls = int(valid.size - np.count_nonzero(valid))
    validity = pa.py_buffer(np.packbits(valid, bitorder="little")) if nulls else None
    return pa.Array.from_buffers(type_, valid.size, [validity, *buffers], null_count=nulls)


@numba.njit(cache=True, nogil=True)
def _be(buffer, at, width):  # pragma: no cover - compiled
    """The signed big-endian integer of ``width`` bytes at ``at``."""
    value = np.int64(0)
    for index in range(at, at + width):
        value = (value << 8) | buffer[index]
    if width < 8 and value >= np.int64(1) << (8 * width - 1):
        value -= np.int64(1) << (8 * width)
    return value


@numba.njit(cache=True, nogil=True, inline="always")
def _be32(buffer, at):  # pragma: no cover - compiled
    """The signed big-endian 4-byte integer at ``at`` (a length: -1 for NULL)."""
    value = (
        (np.int64(buffer[at]) << 24)
        | (np.int64(buffer[at + 1]) << 16)
        | (np.int64(buffer[at + 2]) << 8)
        | buffer[at + 3]
    )
    return value - (np.int64(1) << 32) if value >= np.int64(1) << 31 else value


@numba.njit(cache=True, nogil=True)
def _walk(buffer, columns, starts, lengths, fill):  # pragma: no cover - compiled
    """(status, rows): the rows after the header, their fields' spans written when ``fill``."""
    end = buffer.shape[0]
    at = 19 + _be32(buffer, 15)
    rows = 0
    while True:
        if at + 2 > end:
            return _TRUNCATED, rows
        count = (np.int64(buffer[at]) << 8) | buffer[at + 1]
        at += 2
        if count == 0xFFFF:
            return _OK, rows
        if count != columns:
            return _FIELD_COUNT, rows
        for column in range(columns):
            if at + 4 > end:
                return _TRUNCATED, rows
            length = _be32(buffer, at)
            at += 4
            if fill:
                starts[rows, column] = at
                lengths[rows, column] = length
            if length > 0:
                at += length
        if at > end:
            return _TRUNCATED, rows
        rows += 1


@numba.njit(cache=True, nogil=True)
def _field_spans(buffer, columns):  # pragma: no cover - compiled
    """(status, starts, lengths): where each row's fields lie (length -1: NULL); two walks, one to
    count the rows and one to note the spans."""
    empty = np.zeros((0, columns), dtype=np.int64)
    signature = np.array([0x50, 0x47, 0x43, 0x4F, 0x50, 0x59, 0x0A, 0xFF, 0x0D, 0x0A, 0x00], dtype=np.uint8)
    if buffer.shape[0] < 19:
        return _BAD_SIGNATURE, empty, empty
    for index in range(11):
        if buffer[index] != signature[index]:
            return _BAD_SIGNATURE, empty, empty
    status, rows = _walk(buffer, columns, empty, empty, False)
    if status != _OK:
        return status, empty, empty
    starts = np.empty((rows, columns), dtype=np.int64)
    lengths = np.empty((rows, columns), dtype=np.int64)
    _walk(buffer, columns, starts, lengths, True)
    return _OK, starts, lengths


@numba.njit(cache=True, nogil=True)
def _integers(buffer, starts, lengths):  # pragma: no cover - compiled
    rows = starts.shape[0]
    values = np.zeros(rows, dtype=np.int64)
    valid = np.ones(rows, dtype=np.bool_)
    for row in range(rows):
        length = lengths[row]
        if length < 0:
            valid[row] = False
        elif length == 2 or length == 4 or length == 8:
            values[row] = _be(buffer, starts[row], length)
        else:
            return _INTEGER_WIDTH, values, valid
    return _OK, values, valid


@numba.njit(cache=True, nogil=True)
def _texts(buffer, starts, lengths):  # pragma: no cover - compiled
    rows = starts.shape[0]
    offsets = np.zeros(rows + 1, dtype=np.int32)
    valid = np.ones(rows, dtype=np.bool_)
    total = np.int64(0)
    for row in range(rows):
        if lengths[row] < 0:
            valid[row] = False
        else:
            total += lengths[row]
        if total >= 2**31:
            return _TOO_LONG, offsets, np.zeros(0, dtype=np.uint8), valid
        offsets[row + 1] = total
    text = np.empty(total, dtype=np.uint8)
    for row in range(rows):
        if lengths[row] > 0:
            copy_bytes(text, offsets[row], buffer, starts[row], lengths[row])
    return _OK, offsets, text, valid


def warm_up() -> None:
    """Load the compiled passes (see ``batch_curation.warm_up``)."""
    row = b"\x00\x02" + b"\x00\x00\x00\x08" + (7).to_bytes(8, "big") + b"\x00\x00\x00\x02hi"
    data = SIGNATURE + bytes(8) + row + TRAILER
    binary_table(data, pa.schema([("id", pa.int64()), ("text", pa.string())]))
