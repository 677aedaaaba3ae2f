"""The matchmaker: pairs waiting workers into sessions with a character to play.

One pass reads the whole waiting queue at once (its rows locked, ``SKIP LOCKED``), pairs the
entries in queue order in memory by the rules below, gives each pair its character and persona
(``roleplay.live.assignment``), creates the sessions in one insert and tells every matched worker
once, after the commit. Only one pass runs at a time across all processes (``matchmaker_gate``):
a queue join or a waiting-room tick that finds the gate taken leaves the work to the pass that
holds it, which looks again after it lets the gate go (``matchmaker_run``).

The pairing rules (``_seats_for``): two different workers; never two soft-blocked ones; one can
take the character seat and the other the player seat, by what each asked for (``side``) and is
qualified for, the earlier entry's wish first; a blocked worker leaves the queue. A pair whose
shared languages no character under its quota fits is not made in that pass.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from platform_core.models import BlockStatus, WorkerProfile
from roleplay.live.assignment import AssignmentCounts
from roleplay.live.credits import credits_waiting
from roleplay.live.frames import match_frame
from roleplay.live.partners import workers_send_sync
from roleplay.live.queue import queue_entry_close
from roleplay.live.sessions import live_sessions_sweep
from roleplay.models import LiveSession, LiveSide, MatchQueueEntry, QueueEntryStatus, Speaker

MATCH_PASS_LIMIT = 5000  # waiting entries one pass reads: the whole queue, within memory's reach
MATCH_ROUNDS = 5  # passes one run makes at most while workers keep joining during its passes
# The PostgreSQL advisory lock that is the matchmaker gate (any constant no other code uses).
MATCHMAKER_LOCK_KEY = 7_317_001


def _can_take(entry: MatchQueueEntry, seat: str) -> bool:
    profile = entry.worker.profile
    if entry.side not in (seat, LiveSide.ANY):
        return False
    return profile.can_play_character if seat == Speaker.CHARACTER else profile.can_play_player


def _seats_for(first: MatchQueueEntry, second: MatchQueueEntry) -> tuple[MatchQueueEntry, MatchQueueEntry] | None:
    """(character entry, player entry) for a compatible pair, else None. The earlier entry's wish wins."""
    if first.worker_id == second.worker_id:
        return None
    soft = BlockStatus.SOFT_BLOCKED
    if first.worker.profile.block_status == soft and second.worker.profile.block_status == soft:
        return None  # two soft-blocked workers never chat with each other
    if _can_take(first, Speaker.CHARACTER) and _can_take(second, Speaker.PLAYER):
        return first, second
    if _can_take(first, Speaker.PLAYER) and _can_take(second, Speaker.CHARACTER):
        return second, first
    return None


def _languages(*profiles: WorkerProfile) -> set[str] | None:
    """Languages every worker speaks; None when nobody said (then any language will do)."""
    sets = [set(p.languages) for p in profiles if p.languages]
    if not sets:
        return None
    return set.intersection(*sets)


@contextmanager
def matchmaker_gate() -> Iterator[bool]:
    """Yields True while this connection holds the one matchmaker gate, False when another does.

    PostgreSQL: a session-level advisory lock, tried without waiting and released on exit (or when
    the connection ends, should the process die). SQLite: always True; its write transactions
    (``IMMEDIATE``) already run one at a time.
    """
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [MATCHMAKER_LOCK_KEY])
        held = bool(cursor.fetchone()[0])
    try:
        yield held
    finally:
        if held:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [MATCHMAKER_LOCK_KEY])


def matchmaker_run(*, now: datetime | None = None) -> list[LiveSession]:
    """Sweep passed deadlines, then pair the waiting queue; the sessions made (none when another
    process holds the gate: its pass pairs these workers).

    After each pass, with the gate let go, it looks for entries its pass did not read (workers who
    joined meanwhile, whose own run found the gate taken) and passes again for them.
    """
    made: list[LiveSession] = []
    for round_number in range(MATCH_ROUNDS):
        with matchmaker_gate() as held:
            if not held:
                break
            if round_number == 0:
                live_sessions_sweep(now=now or timezone.now())
            sessions, unpaired = _match_pass(now or timezone.now())
        made += sessions
        waiting = MatchQueueEntry.objects.filter(status=QueueEntryStatus.WAITING, disconnected_at__isnull=True)
        if not waiting.exclude(pk__in=unpaired).exists():
            break
    return made


@dataclass(frozen=True)
class _PlannedSession:
    character_entry: MatchQueueEntry
    player_entry: MatchQueueEntry
    character_id: int
    persona_id: int


def _match_pass(now: datetime) -> tuple[list[LiveSession], list[int]]:
    """One pass in one transaction: (sessions made, ids of entries read but left waiting)."""
    with transaction.atomic():
        # Entries whose waiting room went away and did not come back in time leave the queue.
        stale_before = now - timedelta(seconds=settings.LIVE_QUEUE_RECONNECT_GRACE_S)
        for entry in MatchQueueEntry.objects.select_for_update(skip_locked=True).filter(
            status=QueueEntryStatus.WAITING, disconnected_at__lt=stale_before
        ):
            queue_entry_close(entry, QueueEntryStatus.LEFT, now)
        waiting = MatchQueueEntry.objects.filter(status=QueueEntryStatus.WAITING, disconnected_at__isnull=True)
        if connection.features.has_select_for_update_skip_locked:
            # ``of=("self",)``: lock only the entry rows, not the joined user/profile rows.
            waiting = waiting.select_for_update(skip_locked=True, of=("self",))
        entries = list(
            waiting.select_related("worker__profile").order_by("-priority", "joined_at", "id")[:MATCH_PASS_LIMIT]
        )
        planned, unpaired = _pairs_plan(entries, now)
        return _sessions_create(planned, now), [entry.pk for entry in unpaired]


def _pairs_plan(entries: list[MatchQueueEntry], now: datetime) -> tuple[list[_PlannedSession], list[MatchQueueEntry]]:
    """Pair ``entries`` in queue order: each takes the earliest compatible entry after it.

    Returns the planned sessions and the entries left waiting (blocked workers leave the queue).
    """
    counts: AssignmentCounts | None = None
    planned: list[_PlannedSession] = []
    unpaired, left_waiting = list(entries), []
    while unpaired:
        first = unpaired.pop(0)
        if first.worker.profile.block_status == BlockStatus.BLOCKED:
            queue_entry_close(first, QueueEntryStatus.LEFT, now)
            continue
        index, seats = _first_compatible(first, unpaired)
        if seats is not None:
            counts = counts or AssignmentCounts.load()
            plan = _plan_session(seats, counts)
            if plan is not None:
                planned.append(plan)
                unpaired.pop(index)
                continue
        left_waiting.append(first)  # nobody fits (or no character does) in this pass
    return planned, left_waiting


def _first_compatible(
    first: MatchQueueEntry, others: list[MatchQueueEntry]
) -> tuple[int, tuple[MatchQueueEntry, MatchQueueEntry] | None]:
    """(index in ``others``, seats) of the earliest entry ``first`` can be paired with; (-1, None) if none."""
    for index, second in enumerate(others):
        if second.worker.profile.block_status == BlockStatus.BLOCKED:
            continue
        seats = _seats_for(first, second)
        if seats is not None:
            return index, seats
    return -1, None


def _plan_session(seats: tuple[MatchQueueEntry, MatchQueueEntry], counts: AssignmentCounts) -> _PlannedSession | None:
    """The session of a compatible pair: its character and persona, counted; None when no character fits."""
    character_entry, player_entry = seats
    character_id = counts.character_take(_languages(character_entry.worker.profile, player_entry.worker.profile))
    if character_id is None:
        return None
    persona_id = counts.persona_take(counts.characters[character_id][1])
    return _PlannedSession(character_entry, player_entry, character_id=character_id, persona_id=persona_id)


def _sessions_create(planned: list[_PlannedSession], now: datetime) -> list[LiveSession]:
    """The planned sessions in one insert; their entries matched and credited; each worker told once."""
    if not planned:
        return []
    deadline = now + timedelta(seconds=settings.LIVE_JOIN_WINDOW_S)
    sessions = LiveSession.objects.bulk_create(
        [
            LiveSession(
                character_id=plan.character_id,
                player_persona_id=plan.persona_id,
                character_worker_id=plan.character_entry.worker_id,
                player_worker_id=plan.player_entry.worker_id,
                join_deadline=deadline,
            )
            for plan in planned
        ]
    )
    entries = []
    for plan, session in zip(planned, sessions, strict=True):
        for entry in (plan.character_entry, plan.player_entry):
            entry.status, entry.session, entry.closed_at = QueueEntryStatus.MATCHED, session, now
            entries.append(entry)
    _entries_mark_matched(entries, now)
    credits_waiting(entries, now)
    frames = [(entry.worker_id, match_frame(entry.session)) for entry in entries]
    transaction.on_commit(lambda: workers_send_sync(frames))
    return sessions


def _entries_mark_matched(entries: list[MatchQueueEntry], now: datetime) -> None:
    """Store each entry as matched to its ``session`` at ``now``: one UPDATE per 500 entries.

    (``bulk_update`` builds a ``CASE`` per row, which took most of a thousand-worker pass.)
    """
    quote = connection.ops.quote_name
    table = quote(MatchQueueEntry._meta.db_table)
    column = {
        name: quote(MatchQueueEntry._meta.get_field(name).column) for name in ("id", "status", "session", "closed_at")
    }
    closed_at = MatchQueueEntry._meta.get_field("closed_at").get_db_prep_value(now, connection)
    for start in range(0, len(entries), 500):
        chunk = entries[start : start + 500]
        rows = ", ".join(["(%s, %s)"] * len(chunk))
        sql = (
            f"UPDATE {table} SET {column['status']} = %s, {column['closed_at']} = %s, {column['session']} = v.column2 "
            f"FROM (VALUES {rows}) AS v WHERE {table}.{column['id']} = v.column1"
        )
        params = [QueueEntryStatus.MATCHED.value, closed_at]
        for entry in chunk:
            params += [entry.pk, entry.session_id]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
