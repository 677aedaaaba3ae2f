"""The selected dialogues and their turns as Arrow tables, for the build to curate in batches.

The dialogues are read in chunks of ``CHUNK_DIALOGUES`` consecutive ids (keyset pagination): per
chunk, one row per dialogue and the chunk's turns in (dialogue id, seq) order. On PostgreSQL both
come through ``COPY … TO STDOUT`` with no Python object per field, the dialogues as CSV (Arrow's
CSV reader) and the turns in PostgreSQL's binary format (``kernels.binary_copy``; CSV from a
database whose encoding is not UTF-8): through one ``psql`` session when psql is installed, whose
output is parsed without this process touching a row (psycopg hands COPY over as one Python object
per row, which costs more than the rest of the read), and through the build's own connection
(psycopg) otherwise. On other databases (SQLite in development) through the ORM.
A chunk is read completely before it is handed over. A reader thread keeps reading ahead of the
build, as many chunks as fit in ``READ_AHEAD_BYTES``: memory holds those and the two the build
works on (the one being curated and the one being written).
"""

import functools
import os
import shutil
import subprocess
import tempfile
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import NoReturn

import numpy as np
import psycopg
import pyarrow as pa
import pyarrow.csv as pa_csv
from django.db import connection
from django.db.models import QuerySet

from exports.build.kernels.binary_copy import TRAILER, binary_table
from roleplay.models import Turn

# (Arrow name, ORM path from Dialogue, Arrow type): one row per dialogue.
DIALOGUE_COLUMNS = (
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
    # ISO 8601 (ORM) or PostgreSQL's text for a timestamptz (COPY); services._iso_timestamp reads both.
    ("created_at", "created_at", pa.string()),
    ("persona_name", "player_persona__name", pa.string()),
    ("persona_description", "player_persona__description", pa.string()),
)
DIALOGUE_SCHEMA = pa.schema([(name, type_) for name, _path, type_ in DIALOGUE_COLUMNS])
# (Arrow name, ORM path from Turn, Arrow type)
TURN_COLUMNS = (
    ("dialogue_id", "dialogue_id", pa.int64()),
    ("seq", "seq", pa.int64()),
    ("speaker", "speaker", pa.string()),
    ("text", "text", pa.string()),
    ("original_text", "original_text", pa.string()),
    ("author_user_id", "author_user_id", pa.int64()),
    ("author_model_id", "author_model_id", pa.int64()),
)
TURN_SCHEMA = pa.schema([(name, type_) for name, _path, type_ in TURN_COLUMNS])
# About 40,000 turns (6 MB of CSV) per chunk at the benchmark's 20 turns per dialogue.
CHUNK_DIALOGUES = 2000
# Chunks read ahead of the build, while their tables stay within this many bytes.
READ_AHEAD_BYTES = 32 << 20
READ_AHEAD_CHUNKS = 12
CSV_BLOCK_BYTES = 16 << 20


@contextmanager
def dialogue_tables(dialogues: QuerySet) -> Iterator[Iterator[tuple[pa.Table, pa.Table]]]:
    """(dialogues, their turns) per chunk, in dialogue id order; turns in (dialogue id, seq) order.

    On PostgreSQL the first chunks are being read when the block starts: the build prepares its
    split plan and prompts meanwhile."""
    if connection.vendor != "postgresql":
        yield _orm_tables(dialogues)
        return
    # The next chunks are read (PostgreSQL builds them on its own core; the parsers run without the
    # GIL) while the build curates this one. psql has a connection of its own, which cannot see what an
    # open transaction of the build's has not committed: inside one, and without psql, the rows
    # come through the build's connection (psycopg holds its lock for the whole COPY; the build's
    # own queries wait for it).
    connection.ensure_connection()
    raw = connection.connection
    executable = shutil.which("psql")
    psql = _Psql(executable, raw) if executable and not connection.in_atomic_block else None
    turns_format = _BINARY if raw.info.parameter_status("server_encoding") == "UTF8" else _CSV
    reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="export-read")
    try:
        yield _read_ahead(reader, _chunks(dialogues), functools.partial(_copy_chunk, raw, psql, turns_format))
    finally:
        reader.shutdown(wait=True, cancel_futures=True)
        if psql is not None:
            psql.close()


def _orm_tables(dialogues: QuerySet) -> Iterator[tuple[pa.Table, pa.Table]]:
    for chunk in _chunks(dialogues):
        yield (
            _orm_table(_dialogue_rows(chunk), DIALOGUE_COLUMNS, DIALOGUE_SCHEMA),
            in_conversation_order(_orm_table(_turn_rows(chunk), TURN_COLUMNS, TURN_SCHEMA)),
        )


def _read_ahead(reader: ThreadPoolExecutor, chunks: Iterator["_Chunk"], read) -> Iterator[tuple[pa.Table, pa.Table]]:
    """The chunks' tables in order, read on ``reader`` ahead of the caller: as many chunks as fit in
    ``READ_AHEAD_BYTES`` (by the size of the last one read), at least two, the first two submitted
    now. While the build starts (split plan, compiled passes, a first chunk to curate) the reads
    use the other core."""
    pending: deque[Future] = deque()

    def submit_next() -> bool:
        chunk = next(chunks, None)
        if chunk is not None:
            queries = (_dialogue_rows(chunk).query.sql_with_params(), _turn_rows(chunk).query.sql_with_params())
            pending.append(reader.submit(read, *queries))
        return chunk is not None

    while len(pending) < 2 and submit_next():
        pass
    return _in_order(pending, submit_next)


def _in_order(pending: deque[Future], submit_next: Callable[[], bool]) -> Iterator[tuple[pa.Table, pa.Table]]:
    while pending:
        tables = pending.popleft().result()
        ahead = max(2, min(READ_AHEAD_CHUNKS, READ_AHEAD_BYTES // max(sum(t.nbytes for t in tables), 1)))
        while len(pending) < ahead and submit_next():
            pass
        yield tables


@dataclass(frozen=True)
class _Chunk:
    """Selected dialogues with ids in (``after``, ``through``]; ``None``: no bound on that side."""

    dialogues: QuerySet
    after: int | None
    through: int | None


def _chunks(dialogues: QuerySet) -> Iterator[_Chunk]:
    """Runs of ``CHUNK_DIALOGUES`` consecutive selected dialogues (keyset pagination)."""
    ids = dialogues.order_by("id").values_list("id", flat=True)
    last = None
    while True:
        chunk = dialogues if last is None else dialogues.filter(id__gt=last)
        upper = list((ids if last is None else ids.filter(id__gt=last))[CHUNK_DIALOGUES - 1 : CHUNK_DIALOGUES])
        if upper:
            chunk = chunk.filter(id__lte=upper[0])
        yield _Chunk(chunk, last, upper[0] if upper else None)
        if not upper:
            return
        last = upper[0]


def _dialogue_rows(chunk: _Chunk) -> QuerySet:
    return chunk.dialogues.order_by("id").values_list(*(path for _name, path, _type in DIALOGUE_COLUMNS))


def _turn_rows(chunk: _Chunk) -> QuerySet:
    turns = Turn.objects.filter(dialogue_id__in=chunk.dialogues.values("id"))
    # The chunk's id range on the turns' own column as well: PostgreSQL then reads that range of
    # the turn index in order, merged with the dialogues (sorting only each dialogue's turns by
    # seq), instead of probing the index per dialogue and sorting the chunk's turns on disk (past
    # work_mem) — a third of its CPU time.
    if chunk.after is not None:
        turns = turns.filter(dialogue_id__gt=chunk.after)
    if chunk.through is not None:
        turns = turns.filter(dialogue_id__lte=chunk.through)
    # Ordered by dialogue only: the dialogue index gives that order without a sort, and
    # ``in_conversation_order`` puts each dialogue's turns in seq order (sorting every chunk by seq
    # took PostgreSQL a third of its time reading the turns).
    return turns.order_by("dialogue_id").values_list(*(path for _name, path, _type in TURN_COLUMNS))


def in_conversation_order(turns: pa.Table) -> pa.Table:
    """``turns``, in dialogue id order, put in (dialogue id, seq) order.

    Within a dialogue the database returns its turns in the order they are stored, mostly seq order:
    a rewritten turn's new row version, or a row written to an earlier page that had room, comes
    out of place. A check over the chunk, and a sort only where it finds one out of order.
    """
    dialogue = turns.column("dialogue_id").to_numpy()
    seq = turns.column("seq").to_numpy()
    if not ((dialogue[1:] == dialogue[:-1]) & (seq[1:] < seq[:-1])).any():
        return turns
    return turns.take(np.lexsort((seq, dialogue)))


def _orm_table(rows: QuerySet, columns: tuple, schema: pa.Schema) -> pa.Table:
    values = list(zip(*rows, strict=True)) or [() for _column in columns]
    names = [name for name, _path, _type in columns]
    if "created_at" in names:
        at = names.index("created_at")
        values[at] = [value.isoformat() if value is not None else None for value in values[at]]
    return pa.Table.from_arrays(
        [pa.array(column, type=type_) for column, (_name, _path, type_) in zip(values, columns, strict=True)],
        schema=schema,
    )


@dataclass(frozen=True)
class _Format:
    """A COPY output format: its option, how its bytes become a table, and what its data ends
    with right before psql's marker line (nothing to end an empty CSV)."""

    option: str
    table: Callable[[bytes | bytearray, pa.Schema], pa.Table]
    ends_with: bytes


def _copy_chunk(
    raw_connection, psql: "_Psql | None", turns_format: _Format, dialogue_query: tuple, turn_query: tuple
) -> tuple[pa.Table, pa.Table]:
    read = psql.copy_table if psql is not None else functools.partial(_copy_table, raw_connection)
    return read(*dialogue_query, DIALOGUE_SCHEMA, _CSV), in_conversation_order(
        read(*turn_query, TURN_SCHEMA, turns_format)
    )


def _csv_table(data: bytes | bytearray, schema: pa.Schema) -> pa.Table:
    """COPY's CSV as a table of ``schema``."""
    if not data:
        return schema.empty_table()
    # PostgreSQL's CSV writes NULL as an empty field and an empty string as "": Arrow keeps them apart.
    return pa_csv.read_csv(
        pa.BufferReader(data),
        read_options=pa_csv.ReadOptions(column_names=schema.names, block_size=CSV_BLOCK_BYTES),
        parse_options=pa_csv.ParseOptions(newlines_in_values=True),
        convert_options=pa_csv.ConvertOptions(
            column_types=schema, null_values=[""], strings_can_be_null=True, quoted_strings_can_be_null=False
        ),
    )


_CSV = _Format("csv", _csv_table, b"\n")
# The turns (integers and texts) in PostgreSQL's binary format, from a UTF-8 database.
_BINARY = _Format("binary", binary_table, TRAILER)


def _copy_sql(sql: str, copy_format: _Format) -> str:
    return f"COPY ({sql}) TO STDOUT (FORMAT {copy_format.option})"


def _copy_table(raw_connection, sql: str, params: tuple, schema: pa.Schema, copy_format: _Format) -> pa.Table:
    with raw_connection.cursor() as cursor, cursor.copy(_copy_sql(sql, copy_format), params) as copy:
        # One chunk is a few MB: joining psycopg's rows and parsing the buffer once is faster
        # than handing the parser a file object to pull from.
        data = b"".join(copy)
    return copy_format.table(data, schema)


class _Psql:
    """One ``psql`` session, on a connection of its own to the build's database, that runs the
    build's COPY statements one after the other.

    After each statement psql echoes a marker line made for this session; the bytes before it are
    the statement's output. (A text that held a newline, the marker and a newline would end a CSV
    chunk early, and then fail to parse: the marker is 32 random hex digits, so no text does. Binary
    data ends with two 0xFF bytes, which UTF-8 text never holds.)
    """

    READ_BYTES = 1 << 20

    def __init__(self, executable: str, raw_connection) -> None:
        self.raw_connection = raw_connection
        self.marker = f"troupe-copy-end-{uuid.uuid4().hex}".encode()
        self._errors = tempfile.TemporaryFile()
        self._pending = bytearray()
        self.process = subprocess.Popen(
            [executable, "--no-psqlrc", "--quiet", "--no-password", "--set", "ON_ERROR_STOP=1"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._errors,
            env=_libpq_environment(raw_connection),
        )

    def copy_table(self, sql: str, params: tuple, schema: pa.Schema, copy_format: _Format) -> pa.Table:
        with psycopg.ClientCursor(self.raw_connection) as cursor:
            statement = cursor.mogrify(_copy_sql(sql, copy_format), params)
        try:
            self.process.stdin.write(f"{statement};\n\\echo {self.marker.decode()}\n".encode())
            self.process.stdin.flush()
        except BrokenPipeError:
            self._fail()
        data = self._read_to_marker(copy_format.ends_with)
        return copy_format.table(data, schema)

    def _read_to_marker(self, ends_with: bytes) -> bytearray:
        """The bytes up to the marker line, which must follow ``ends_with`` (or start the output)."""
        data, end = self._pending, self.marker + b"\n"
        searched = 0
        while True:
            found = data.find(end, max(searched - len(end), 0))
            while found > 0 and data[max(found - len(ends_with), 0) : found] != ends_with:
                found = data.find(end, found + 1)
            if found >= 0:
                self._pending = data[found + len(end) :]
                return data[:found]
            searched = len(data)
            piece = os.read(self.process.stdout.fileno(), self.READ_BYTES)
            if not piece:
                self._fail()
            data += piece

    def _fail(self) -> NoReturn:
        self.process.kill()
        self.process.wait()
        self._errors.seek(0)
        message = self._errors.read().decode(errors="replace").strip() or f"exit status {self.process.returncode}"
        raise psycopg.OperationalError(f"psql could not read the dialogues: {message}")

    def close(self) -> None:
        if self.process.poll() is None:
            try:
                self.process.stdin.close()
                self.process.wait(timeout=30)
            except (BrokenPipeError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait()
        self.process.stdout.close()
        self._errors.close()


# Connection keywords of libpq and the variables psql reads them from (the libpq psql uses may be
# older than psycopg's, so only these, and only those that are set, are passed).
_LIBPQ_ENVIRONMENT = {
    "host": "PGHOST",
    "hostaddr": "PGHOSTADDR",
    "port": "PGPORT",
    "dbname": "PGDATABASE",
    "user": "PGUSER",
    "password": "PGPASSWORD",
    "passfile": "PGPASSFILE",
    "options": "PGOPTIONS",
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "sslcrl": "PGSSLCRL",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "service": "PGSERVICE",
    "target_session_attrs": "PGTARGETSESSIONATTRS",
}


def _libpq_environment(raw_connection) -> dict[str, str]:
    """The environment that points ``psql`` at the build's database (no password on a command line)."""
    settings = connection.get_connection_params()
    settings["password"] = raw_connection.info.password or settings.get("password")
    environment = {name: value for name, value in os.environ.items() if not name.startswith("PG")}
    for keyword, variable in _LIBPQ_ENVIRONMENT.items():
        if settings.get(keyword) not in (None, ""):
            environment[variable] = str(settings[keyword])
    environment["PGCLIENTENCODING"] = "UTF8"
    # Timestamps printed as the build reads them fastest: ISO 8601 in UTC ("… HH:MM:SS+00").
    environment["PGTZ"] = "UTC"
    environment["PGDATESTYLE"] = "ISO"
    environment["PGAPPNAME"] = "troupe-export"
    return environment
