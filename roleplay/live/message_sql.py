"""The SQL of the live chat's hot path: a chat message in three statements, without the ORM.

``roleplay.live.messages.live_message_send`` runs these inside one transaction, with its checks in
between. The ORM version of the same work took about a dozen statements (and most of the server's
CPU time) per message; these are plain SQL that PostgreSQL and SQLite both accept:

1. ``session_lock_for_message``: ``UPDATE … RETURNING`` stamps the session's activity and raises
   its state version (as ``LiveSession.save`` does), which takes the session row lock (the same
   lock every other change of a session takes first) and returns what the checks need. A refused
   message rolls both back.
2. ``turns_for_message``: the turn already stored under the client's id (if any), the dialogue's
   topic and its last turns. On PostgreSQL this runs after the lock was granted, so (READ COMMITTED)
   its snapshot includes every turn committed before: no turn of this session can be missed.
3. ``turn_insert``: the turn with the next ``seq``, only while the dialogue is collecting.

The gap-free and unique-id guarantees stay in the database (migration ``roleplay.0002`` triggers
and the unique indexes on ``roleplay_turn``); nothing here bypasses them.
"""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import psycopg
from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from roleplay.models import Dialogue, DialogueStatus, LiveSession, Speaker, Turn


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _column(model, field: str) -> str:
    return connection.ops.quote_name(model._meta.get_field(field).column)


def _columns(model, *fields: str) -> str:
    return ", ".join(_column(model, field) for field in fields)


# The session row as the message path reads it: what the checks need and what the ``session``
# frame after the turn shows (roleplay.live.frames.session_frame), so that frame costs no query.
SESSION_COLUMNS = (
    "status",
    "dialogue",
    "character",
    "character_worker",
    "player_worker",
    "character_left_at",
    "player_left_at",
    "model_version",
    "character_channel",
    "player_channel",
    "topic_proposal",
    "topic_proposal_kind",
    "topic_proposed_by",
    "finish_requested_by",
    "character_rated",
    "player_rated",
    "join_deadline",
    "min_turns",
    "ended_by_owner",
    "state_version",
)
_DATETIME_COLUMNS = ("character_left_at", "player_left_at", "join_deadline")


@dataclass(frozen=True)
class _Statements:
    session_lock: str
    turns: str
    turn_insert: str


@functools.cache
def _statements(vendor: str) -> _Statements:
    """The three statements, built once per database vendor from the models' table and column names."""
    turn = _table(Turn)
    dialogue, seq, speaker, text, msg_id = (
        _column(Turn, name) for name in ("dialogue", "seq", "speaker", "text", "client_msg_id")
    )
    version = _column(LiveSession, "state_version")
    session_lock = (
        f"UPDATE {_table(LiveSession)} SET {_column(LiveSession, 'last_activity_at')} = %s, "
        f"{version} = {version} + 1 "
        f"WHERE {_column(LiveSession, 'id')} = %s "
        f"RETURNING {_columns(LiveSession, *SESSION_COLUMNS)}"
    )
    dialogue_table, dialogue_id = _table(Dialogue), _column(Dialogue, "id")
    topic, topic_kind = _column(Dialogue, "topic"), _column(Dialogue, "topic_kind")
    turns = (
        f"SELECT 1, {seq}, {speaker}, {text} FROM {turn} WHERE {dialogue} = %s AND {msg_id} = %s "
        f"UNION ALL SELECT 2, 0, {topic_kind}, {topic} FROM {dialogue_table} WHERE {dialogue_id} = %s "
        f"UNION ALL SELECT 0, {seq}, {speaker}, {text} FROM "
        f"(SELECT {seq}, {speaker}, {text} FROM {turn} WHERE {dialogue} = %s ORDER BY {seq} DESC LIMIT %s) recent"
    )
    insert_columns = _columns(
        Turn, "dialogue", "seq", "speaker", "author_user", "text", "client_msg_id", "out_of_character", "created_at"
    )
    turn_insert = (
        f"INSERT INTO {turn} ({insert_columns}) SELECT %s, %s, %s, %s, %s, %s, %s, %s "
        f"WHERE EXISTS (SELECT 1 FROM {_table(Dialogue)} WHERE {_column(Dialogue, 'id')} = %s "
        f"AND {_column(Dialogue, 'status')} = %s) RETURNING {_column(Turn, 'id')}"
    )
    return _Statements(session_lock=session_lock, turns=turns, turn_insert=turn_insert)


@dataclass(frozen=True)
class MessageSession:
    """The locked session row, as much of it as a message needs."""

    status: str
    dialogue_id: int | None
    character_id: int
    character_worker_id: int | None
    player_worker_id: int
    character_left_at: datetime | None
    player_left_at: datetime | None
    row: dict  # every column of SESSION_COLUMNS by field attribute name (``dialogue_id``, ``status``, …)

    def side_of(self, user_id: int) -> str | None:
        if user_id == self.character_worker_id:
            return Speaker.CHARACTER
        if user_id == self.player_worker_id:
            return Speaker.PLAYER
        return None

    def as_session(self, *, session_id: int, now: datetime, topic: str, topic_kind: str) -> LiveSession:
        """An unsaved ``LiveSession`` equal to the row after this message (for ``session_frame``)."""
        session = LiveSession(id=session_id, last_activity_at=now, **self.row)
        session.dialogue = Dialogue(id=self.dialogue_id, topic=topic, topic_kind=topic_kind)
        return session


@dataclass(frozen=True)
class MessageTurns:
    duplicate: tuple[int, str] | None  # (seq, speaker) stored under the client's id already, None if new
    recent: list[tuple[int, str, str]]  # (seq, speaker, text) of the last turns, newest first
    topic: tuple[str, str] = ("", "")  # the dialogue's (topic, topic_kind)


def _cursor():
    """A cursor for the three statements. On PostgreSQL one that binds parameters on the server,
    so that psycopg prepares each statement once per connection (after ``prepare_threshold``
    runs, the ``DB_PREPARED_STATEMENTS`` setting) and the server stops parsing and planning them
    for every message: that was half of PostgreSQL's work per message. Django's own cursors bind
    on the client and never prepare. Elsewhere: Django's cursor."""
    if connection.vendor != "postgresql":
        return connection.cursor()
    connection.ensure_connection()
    raw = psycopg.Cursor(connection.connection)
    return connection.make_debug_cursor(raw) if connection.queries_logged else connection.make_cursor(raw)


def _datetime(value: object) -> datetime | None:
    """A timestamp read by raw SQL: PostgreSQL returns aware datetimes, SQLite text in UTC."""
    if value is None:
        return None
    moment = value if isinstance(value, datetime) else parse_datetime(str(value))
    if moment is not None and timezone.is_naive(moment):
        moment = moment.replace(tzinfo=UTC)
    return moment


def _db_value(model, field: str, value: object) -> object:
    """``value`` as the backend stores it (UUIDs as hex on SQLite, datetimes as text there)."""
    return model._meta.get_field(field).get_db_prep_value(value, connection)


def session_lock_for_message(*, session_id: int, now: datetime) -> MessageSession | None:
    """Lock session ``session_id``, stamp ``last_activity_at`` and raise its state version; None when
    there is no such session."""
    with _cursor() as cursor:
        cursor.execute(
            _statements(connection.vendor).session_lock, [_db_value(LiveSession, "last_activity_at", now), session_id]
        )
        row = cursor.fetchone()
    if row is None:
        return None
    values = {}
    for name, value in zip(SESSION_COLUMNS, row, strict=True):
        attribute = LiveSession._meta.get_field(name).attname
        values[attribute] = _datetime(value) if name in _DATETIME_COLUMNS else value
    for name in ("character_rated", "player_rated", "ended_by_owner"):
        values[name] = bool(values[name])  # SQLite returns 0/1
    return MessageSession(
        status=values["status"],
        dialogue_id=values["dialogue_id"],
        character_id=values["character_id"],
        character_worker_id=values["character_worker_id"],
        player_worker_id=values["player_worker_id"],
        character_left_at=values["character_left_at"],
        player_left_at=values["player_left_at"],
        row=values,
    )


def turns_for_message(*, dialogue_id: int, client_msg_id: uuid.UUID, recent: int) -> MessageTurns:
    """The turn stored under ``client_msg_id`` (if any) and the last ``recent`` turns, in one statement."""
    with _cursor() as cursor:
        cursor.execute(
            _statements(connection.vendor).turns,
            [dialogue_id, _db_value(Turn, "client_msg_id", client_msg_id), dialogue_id, dialogue_id, recent],
        )
        rows = cursor.fetchall()
    duplicate = next(((row[1], row[2]) for row in rows if row[0] == 1), None)
    topic = next(((row[3], row[2]) for row in rows if row[0] == 2), ("", ""))
    latest = sorted(((row[1], row[2], row[3]) for row in rows if row[0] == 0), reverse=True)
    return MessageTurns(duplicate=duplicate, recent=latest, topic=topic)


def turn_insert(
    *,
    dialogue_id: int,
    seq: int,
    speaker: str,
    text: str,
    client_msg_id: uuid.UUID,
    author_user_id: int,
    created_at: datetime,
) -> int | None:
    """Insert the turn; its id, or None when the dialogue no longer collects turns (nothing stored).

    ``seq`` must be the dialogue's last seq + 1 (the caller holds the session lock); the database
    refuses anything else with an ``IntegrityError``.
    """
    params = [
        dialogue_id,
        seq,
        speaker,
        author_user_id,
        text,
        _db_value(Turn, "client_msg_id", client_msg_id),
        False,
        _db_value(Turn, "created_at", created_at),
        dialogue_id,
        DialogueStatus.COLLECTING.value,
    ]
    with _cursor() as cursor:
        cursor.execute(_statements(connection.vendor).turn_insert, params)
        row = cursor.fetchone()
    return row[0] if row else None
