"""How the build reads turns: through psql on PostgreSQL (outside a transaction), through psycopg
otherwise, with the same files either way, each dialogue's turns in seq order however they are
stored; and the timestamps it rewrites from PostgreSQL's text."""

import datetime as dt
import shutil

import numpy as np
import psycopg
import pyarrow as pa
import pytest
from django.db import connection

from exports.build import turn_stream
from exports.build.columns import iso_timestamp as _iso_timestamp
from exports.build.splits import dialogue_queryset
from exports.services import export_spec_create, spec_snapshot
from roleplay.models import Turn
from tests.exports.conftest import make_corpus
from tests.factories import UserFactory

needs_psql = pytest.mark.skipif(shutil.which("psql") is None, reason="psql is not installed")


def _on_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("psql reads from PostgreSQL only")


@needs_psql
@pytest.mark.django_db(transaction=True)
def test_turns_read_through_psql_give_the_same_files_as_psycopg(build_now, monkeypatch):
    _on_postgresql()
    make_corpus(characters=6, per_character=3)
    monkeypatch.setattr(turn_stream, "CHUNK_DIALOGUES", 4)
    reads = []
    original = turn_stream._Psql.copy_table
    monkeypatch.setattr(turn_stream._Psql, "copy_table", lambda self, *args: reads.append(1) or original(self, *args))
    through_psql = build_now({"seed": 3})
    assert through_psql.is_published and len(reads) >= 10

    reads_after_first = len(reads)
    monkeypatch.setattr(turn_stream.shutil, "which", lambda _name: None)
    through_psycopg = build_now({"seed": 3})
    assert through_psycopg.data_sha256 == through_psql.data_sha256
    assert through_psycopg.stats == through_psql.stats
    assert len(reads) == reads_after_first  # no psql reads in the second build


@needs_psql
@pytest.mark.django_db
def test_a_build_inside_a_transaction_reads_its_own_uncommitted_turns(build_now):
    """psql has a connection of its own and would see none of them: the build's connection reads."""
    _on_postgresql()
    make_corpus(characters=3, per_character=2)
    build = build_now()
    assert build.is_published and build.stats["input"]["turns"] == 36


@needs_psql
@pytest.mark.django_db(transaction=True)
def test_psql_failing_fails_the_build_with_its_message(build_now, monkeypatch):
    _on_postgresql()
    make_corpus(characters=2, per_character=1)
    real = turn_stream._libpq_environment
    monkeypatch.setattr(turn_stream, "_libpq_environment", lambda raw: {**real(raw), "PGDATABASE": "no_such_db_here"})
    build = build_now()
    assert build.status == "failed"
    assert "psql could not read the dialogues" in build.error and "no_such_db_here" in build.error


@needs_psql
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("copy_format", [turn_stream._CSV, turn_stream._BINARY], ids=["csv", "binary"])
def test_one_psql_session_reads_statement_after_statement_and_reports_errors(copy_format):
    _on_postgresql()
    connection.ensure_connection()
    psql = turn_stream._Psql(shutil.which("psql"), connection.connection)
    schema = turn_stream.TURN_SCHEMA
    table = psql.copy_table(
        "SELECT 1::bigint, 1::bigint, 'a', 'b', 'c', 1::bigint, 1::bigint WHERE %s", (False,), schema, copy_format
    )
    assert table.num_rows == 0 and table.schema == schema
    again = psql.copy_table(
        "SELECT 7::bigint, 2, 'character', %s, NULL::text, NULL::bigint, NULL::bigint", ("a\nb",), schema, copy_format
    )
    assert again.to_pylist() == [
        {
            "dialogue_id": 7,
            "seq": 2,
            "speaker": "character",
            "text": "a\nb",
            "original_text": None,
            "author_user_id": None,
            "author_model_id": None,
        }
    ]
    with pytest.raises(psycopg.OperationalError, match="syntax error"):
        psql.copy_table("SELEC nothing", (), schema, copy_format)
    psql.close()
    assert psql.process.returncode is not None


@pytest.mark.parametrize(
    "value",
    [
        "2026-11-26 09:06:47+00",
        "2026-11-26 09:06:47.5+00",
        "2026-11-26 09:06:47.123456+00",
        "2026-11-26 09:06:47.000001+00",
        "2026-11-26 09:06:47.12+02",
        "2026-11-26T09:06:47.120000+00:00",
        "0999-01-01 00:00:00+00",
    ],
)
def test_postgresql_timestamps_become_what_isoformat_writes(value):
    expected = dt.datetime.fromisoformat(value).astimezone(dt.UTC).isoformat()
    assert _iso_timestamp(value) == expected


def test_no_timestamp_stays_none():
    assert _iso_timestamp(None) is None and _iso_timestamp("") is None


def test_turns_are_put_in_seq_order_within_each_dialogue():
    turns = pa.table({"dialogue_id": [3, 3, 3, 7, 7, 9], "seq": [2, 3, 1, 2, 1, 1], "text": list("bcaEDz")})
    ordered = turn_stream.in_conversation_order(turns)
    assert ordered.column("seq").to_pylist() == [1, 2, 3, 1, 2, 1]
    assert ordered.column("text").to_pylist() == list("abcDEz")
    already = turn_stream.in_conversation_order(ordered)
    assert already is ordered  # nothing to sort: the same table
    assert turn_stream.in_conversation_order(turns.slice(0, 0)).num_rows == 0


@pytest.mark.django_db(transaction=True)
def test_a_turn_rewritten_after_the_later_ones_is_read_in_its_place(monkeypatch):
    """An update that touches an indexed column stores a new row version after the dialogue's other
    turns: PostgreSQL returns it last within its dialogue, and the build puts it back in seq order."""
    dialogues = make_corpus(characters=3, per_character=2)
    first_turns = Turn.objects.filter(dialogue__in=dialogues, seq=1)
    first_turns.update(author_user=UserFactory())
    sorted_chunks = []
    real = turn_stream.in_conversation_order

    def spying(turns):
        ordered = real(turns)
        sorted_chunks.append(ordered is not turns)
        return ordered

    monkeypatch.setattr(turn_stream, "in_conversation_order", spying)
    spec = export_spec_create(data={"name": "order"})
    with turn_stream.dialogue_tables(dialogue_queryset(spec_snapshot(spec))) as tables:
        for _dialogues, turns in tables:
            dialogue = turns.column("dialogue_id").to_numpy()
            seq = turns.column("seq").to_numpy()
            assert (np.lexsort((seq, dialogue)) == np.arange(len(seq))).all()
    if connection.vendor == "postgresql":
        assert any(sorted_chunks)  # the rewritten turns did come out of place
