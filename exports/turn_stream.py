"""The selected dialogues with their turns as Arrow tables, for the build to curate in batches.

The dialogues are read in chunks of ``CHUNK_DIALOGUES`` consecutive ids (keyset pagination). Each
chunk is one query: its dialogues LEFT JOIN their turns, ordered by dialogue id and turn seq, so
every row carries its dialogue's fields and a dialogue without turns still appears once (with null
turn fields). On PostgreSQL the rows come through ``COPY … TO STDOUT (FORMAT csv)`` and Arrow's
CSV reader (no Python object per field); on other databases (SQLite in development) through the
ORM. A chunk is read completely before it is yielded, so the connection is free while the build
works on it (progress updates, heartbeats); memory holds one chunk.
"""

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

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
CSV_BLOCK_BYTES = 16 << 20


def dialogue_tables(dialogues: QuerySet) -> Iterator[pa.Table]:
    """Tables of whole dialogues (``SCHEMA``), in dialogue id order, turns in seq order."""
    chunks = _chunk_queries(dialogues)
    if connection.vendor != "postgresql":
        for rows in chunks:
            table = _orm_table(rows)
            if table.num_rows:
                yield table
        return
    # The next chunk is read (PostgreSQL builds it on its own core; Arrow parses without the GIL)
    # while the build curates this one. Same connection, so same transaction: psycopg holds the
    # connection's lock for the whole COPY, and the build's own queries (progress) wait for it.
    connection.ensure_connection()
    raw = connection.connection
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="export-read") as reader:
        pending = None
        for rows in chunks:
            following = reader.submit(_copy_table, raw, *rows.query.sql_with_params())
            if pending is not None:
                table = pending.result()
                if table.num_rows:
                    yield table
            pending = following
        if pending is not None:
            table = pending.result()
            if table.num_rows:
                yield table


def _chunk_queries(dialogues: QuerySet) -> Iterator[QuerySet]:
    """Row queries for runs of ``CHUNK_DIALOGUES`` consecutive selected dialogues (keyset pagination)."""
    ids = dialogues.order_by("id").values_list("id", flat=True)
    columns = [path for _name, path, _type in COLUMNS]
    last = None
    while True:
        chunk = dialogues if last is None else dialogues.filter(id__gt=last)
        upper = list((ids if last is None else ids.filter(id__gt=last))[CHUNK_DIALOGUES - 1 : CHUNK_DIALOGUES])
        if upper:
            chunk = chunk.filter(id__lte=upper[0])
        yield chunk.order_by("id", "turns__seq").values_list(*columns)
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


def _copy_table(raw_connection, sql: str, params: tuple) -> pa.Table:
    # PostgreSQL's CSV writes NULL as an empty field and an empty string as "": Arrow keeps them apart.
    convert = pa_csv.ConvertOptions(
        column_types=SCHEMA, null_values=[""], strings_can_be_null=True, quoted_strings_can_be_null=False
    )
    with raw_connection.cursor() as cursor, cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)", params) as copy:
        # One chunk is about 10 MB of CSV: joining psycopg's rows and parsing the buffer once is
        # faster than handing Arrow a file object to pull from.
        data = b"".join(copy)
    if not data:
        return SCHEMA.empty_table()  # the dialogues went away since they were counted
    return pa_csv.read_csv(
        pa.BufferReader(data),
        read_options=pa_csv.ReadOptions(column_names=list(NAMES), block_size=CSV_BLOCK_BYTES),
        parse_options=pa_csv.ParseOptions(newlines_in_values=True),
        convert_options=convert,
    )
