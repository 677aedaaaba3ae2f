"""PostgreSQL's binary COPY format read into Arrow: what PostgreSQL writes, and malformed data refused."""

import pyarrow as pa
import pytest
from django.db import connection

from exports.build.kernels.binary_copy import SIGNATURE, TRAILER, binary_table

SCHEMA = pa.schema([("small", pa.int64()), ("number", pa.int64()), ("big", pa.int64()), ("text", pa.string())])
TEXTS = ["", "a,b", 'say "hi"', "two\nlines", "灯塔\t的灯", "emoji 🌊", "back\\slash", None]


def _field(value: bytes | None) -> bytes:
    return b"\xff\xff\xff\xff" if value is None else len(value).to_bytes(4, "big") + value


def _copy(rows: list[list[bytes | None]]) -> bytes:
    body = b"".join(len(row).to_bytes(2, "big") + b"".join(_field(value) for value in row) for row in rows)
    return SIGNATURE + bytes(8) + body + TRAILER


@pytest.mark.django_db
def test_what_postgresql_writes_reads_as_the_values_it_holds():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL writes the binary format")
    values = ", ".join(
        f"({index - 3}::int2, {index * -70000}::int4, {index * 2**40}::int8, %s)" for index in range(len(TEXTS))
    )
    query = f"SELECT * FROM (VALUES {values}) AS v(small, number, big, text) ORDER BY small"
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(f"COPY ({query}) TO STDOUT (FORMAT binary)", TEXTS) as copy:
            data = b"".join(copy)
    table = binary_table(data, SCHEMA)
    assert table.to_pydict() == {
        "small": [index - 3 for index in range(len(TEXTS))],
        "number": [index * -70000 for index in range(len(TEXTS))],
        "big": [index * 2**40 for index in range(len(TEXTS))],
        "text": TEXTS,
    }


def test_nulls_negative_numbers_and_empty_data():
    rows = [
        [(-1).to_bytes(2, "big", signed=True), None, (-(2**63)).to_bytes(8, "big", signed=True), b""],
        [None, (2**31 - 1).to_bytes(4, "big"), None, None],
    ]
    table = binary_table(_copy(rows), SCHEMA)
    assert table.to_pydict() == {
        "small": [-1, None],
        "number": [None, 2**31 - 1],
        "big": [-(2**63), None],
        "text": ["", None],
    }
    assert table.column("text").null_count == 1
    assert binary_table(_copy([]), SCHEMA).num_rows == 0


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"PGCOPY\n\xff\r\n\x01" + bytes(8) + TRAILER, "signature"),
        (_copy([[b"\x00\x01", None, None, b"abc"]])[:-4], "ends inside a row"),
        (_copy([[b"\x00\x01", None, None]]), "number of fields"),
        (_copy([[b"\x00\x00\x01", None, None, None]]), "2, 4 or 8 bytes"),
    ],
)
def test_malformed_data_is_refused_with_what_is_wrong(data, problem):
    with pytest.raises(ValueError, match=problem):
        binary_table(data, SCHEMA)


def test_only_integer_and_text_columns_are_read():
    with pytest.raises(TypeError, match="ratio"):
        binary_table(_copy([]), pa.schema([("ratio", pa.float64())]))
