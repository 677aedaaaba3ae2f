"""The selected dialogues with their turns as Arrow tables, for the build to curate in batches.

The dialogues are read in chunks of ``CHUNK_DIALOGUES`` consecutive ids (keyset pagination). Each
chunk is one query: its dialogues LEFT JOIN their turns, ordered by dialogue id and turn seq, so
every row carries its dialogue's fields and a dialogue without turns still appears once (with null
turn fields). On PostgreSQL the rows come through ``COPY … TO STDOUT (FORMAT csv)`` and Arrow's
CSV reader (no Python object per field); on other databases (SQLite in development) through the
ORM. A chunk is read completely before it is yielded, so the connection is free while the build
works on it (progress updates, heartbeats); memory holds one chunk.
"""

import io
from collections.abc import Iterator

import pyarrow as pa
import pyarrow.csv as pa_csv
from django.db import connection
from django.db.models import QuerySet

# (Arrow name, ORM path from Dialogue, Arrow type)
COLUMNS = (
    ("dialogue_id", "id", pa.int64()),
    ("character_id", "character_id", pa.int64()),
    ("source", "source", pa.string()),
    ("topic", "topic", pa.string()),
    ("topic_kind", "topic_kind", pa.string()),
    ("language", "language", pa.string()),
    ("quality_rating", "quality_rating", pa.float64()),
    ("character_worker_id", "character_worker_id", pa.int64()),
    ("player_worker_id", "player_worker_id", pa.int64()),
    ("model_version_id", "model_version_id", pa.int64()),
    ("synthesis_batch_id", "synthesis_batch_id", pa.int64()),
    ("literary_work_id", "literary_work_id", pa.int64()),
    ("literary_chapter", "literary_chapter", pa.string()),
    # PostgreSQL's text form of a timestamptz, or an ISO 8601 string: ``iso_timestamp`` reads both.
    ("created_at", "created_at", pa.string()),
    ("persona_name", "player_persona__name", pa.string()),
    ("persona_description", "player_persona__description", pa.string()),
    ("seq", "turns__seq", pa.int64()),
    ("speaker", "turns__speaker", pa.string()),
    ("text", "turns__text", pa.string()),
    ("original_text", "turns__original_text", pa.string()),
    ("author_user_id", "turns__author_user_id", pa.int64()),
    ("author_model_id", "turns__author_model_id", pa.int64()),
)
NAMES = tuple(name for name, _path, _type in COLUMNS)
SCHEMA = pa.schema([(name, type_) for name, _path, type_ in COLUMNS])
# About 40,000 turns (10 MB of CSV) per chunk at the benchmark's 20 turns per dialogue.
CHUNK_DIALOGUES = 2000
CSV_BLOCK_BYTES = 4 << 20


def dialogue_tables(dialogues: QuerySet) -> Iterator[pa.Table]:
    """Tables of whole dialogues (``SCHEMA``), in dialogue id order, turns in seq order."""
    read = _copy_table if connection.vendor == "postgresql" else _orm_table
    ids = dialogues.order_by("id").values_list("id", flat=True)
    last = None
    while True:
        chunk = dialogues if last is None else dialogues.filter(id__gt=last)
        upper = list((ids if last is None else ids.filter(id__gt=last))[CHUNK_DIALOGUES - 1 : CHUNK_DIALOGUES])
        if upper:
            chunk = chunk.filter(id__lte=upper[0])
        rows = chunk.order_by("id", "turns__seq").values_list(*(path for _name, path, _type in COLUMNS))
        table = read(rows)
        if table.num_rows:
            yield table
        if not upper:
            return
        last = upper[0]


def _orm_table(rows: QuerySet) -> pa.Table:
    columns = list(zip(*rows, strict=True)) or [() for _column in COLUMNS]
    created = NAMES.index("created_at")
    columns[created] = [value.isoformat() if value is not None else None for value in columns[created]]
    return pa.Table.from_arrays(
        [pa.array(values, type=type_) for values, (_name, _path, type_) in zip(columns, COLUMNS, strict=True)],
        schema=SCHEMA,
    )


class _CopyReader(io.RawIOBase):
    """A readable file over the chunks (one row each) that ``psycopg``'s COPY yields."""

    def __init__(self, copy) -> None:
        self._chunks = iter(copy)
        self._pending = b""
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        wanted = len(buffer)
        parts, size = [self._pending], len(self._pending)
        for chunk in self._chunks:
            parts.append(chunk)
            size += len(chunk)
            if size >= wanted:
                break
        data = b"".join(parts)
        self._pending = data[wanted:]
        data = data[:wanted]
        buffer[: len(data)] = data
        self.bytes_read += len(data)
        return len(data)


def _copy_table(rows: QuerySet) -> pa.Table:
    sql, params = rows.query.sql_with_params()
    # PostgreSQL's CSV writes NULL as an empty field and an empty string as "": Arrow keeps them apart.
    convert = pa_csv.ConvertOptions(
        column_types=SCHEMA, null_values=[""], strings_can_be_null=True, quoted_strings_can_be_null=False
    )
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)", params) as copy:
        source = _CopyReader(copy)
        try:
            return pa_csv.read_csv(
                io.BufferedReader(source, buffer_size=1 << 20),
                read_options=pa_csv.ReadOptions(
                    column_names=list(NAMES), block_size=CSV_BLOCK_BYTES, use_threads=False
                ),
                parse_options=pa_csv.ParseOptions(newlines_in_values=True),
                convert_options=convert,
            )
        except pa.ArrowInvalid:
            if source.bytes_read:
                raise
            return SCHEMA.empty_table()  # no rows: the dialogues went away since they were counted
        except BaseException:
            if connection.in_atomic_block:
                # psycopg would cancel the COPY, which aborts the surrounding transaction;
                # reading the rest leaves it usable (to record the failure, for one).
                for _chunk in copy:
                    pass
            raise
