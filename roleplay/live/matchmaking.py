"""The matchmaker: pairs waiting workers into sessions with a character to play."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from platform_core.models import BlockStatus, User, WorkerProfile
from roleplay.live.credits import credit_waiting
from roleplay.live.frames import match_frame
from roleplay.live.partners import worker_send_sync
from roleplay.live.queue import queue_entry_close
from roleplay.live.quotas import LIVE_DIALOGUES, categories_full
from roleplay.live.sessions import live_sessions_sweep
from roleplay.models import (
    Character,
    Dialogue,
    LiveSession,
    LiveSessionStatus,
    LiveSide,
    MatchQueueEntry,
    PlayerPersona,
    QueueEntryStatus,
    Speaker,
)
from roleplay.services import persona_create_pseudonymous

MATCH_BATCH = 200  # waiting entries one matchmaker pass considers


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


def character_pick(*, languages: set[str] | None) -> Character | None:
    """The least-collected character of a category still under its quota, in a shared language."""
    full = categories_full()
    collected_count = (
        Dialogue.objects.filter(LIVE_DIALOGUES, character=OuterRef("pk"))
        .order_by()
        .values("character")
        .annotate(n=Count("id"))
        .values("n")
    )
    pending_count = (
        LiveSession.objects.filter(
            character=OuterRef("pk"), status=LiveSessionStatus.JOINING, model_version__isnull=True
        )
        .order_by()
        .values("character")
        .annotate(n=Count("id"))
        .values("n")
    )
    candidates = Character.objects.exclude(category__in=full)
    if languages is not None:
        candidates = candidates.filter(language__in=languages)
    return (
        candidates.annotate(collected=Coalesce(Subquery(collected_count), 0) + Coalesce(Subquery(pending_count), 0))
        .order_by("collected", "id")
        .first()
    )


def _persona_for(worker: User, language: str) -> PlayerPersona:
    """The least-used persona in the character's language; a pseudonymous one when none exists."""
    persona = (
        PlayerPersona.objects.filter(language=language)
        .annotate(uses=Count("live_sessions"))
        .order_by("uses", "id")
        .first()
    )
    return persona or persona_create_pseudonymous(author=None, language=language)


def session_create_for_pair(
    *, character_entry: MatchQueueEntry, player_entry: MatchQueueEntry, now: datetime
) -> LiveSession | None:
    """Inside the matchmaker's transaction: a session for two locked waiting entries (None: no character)."""
    character = character_pick(languages=_languages(character_entry.worker.profile, player_entry.worker.profile))
    if character is None:
        return None
    session = LiveSession.objects.create(
        character=character,
        player_persona=_persona_for(player_entry.worker, character.language),
        character_worker_id=character_entry.worker_id,
        player_worker_id=player_entry.worker_id,
        join_deadline=now + timedelta(seconds=settings.LIVE_JOIN_WINDOW_S),
    )
    for entry in (character_entry, player_entry):
        entry.status = QueueEntryStatus.MATCHED
        entry.session = session
        entry.closed_at = now
        entry.save(update_fields=["status", "session", "closed_at"])
        credit_waiting(entry, now)
    frame = match_frame(session)
    for worker_id in (session.character_worker_id, session.player_worker_id):
        transaction.on_commit(lambda worker_id=worker_id: worker_send_sync(worker_id, frame))
    return session


def matchmaker_run(*, now: datetime | None = None) -> list[LiveSession]:
    """Pair waiting workers. Safe to run in many processes at once: each locks disjoint entries."""
    now = now or timezone.now()
    live_sessions_sweep(now=now)
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
        entries = list(waiting.select_related("worker__profile").order_by("-priority", "joined_at", "id")[:MATCH_BATCH])
        sessions: list[LiveSession] = []
        unpaired = list(entries)
        while unpaired:
            first = unpaired.pop(0)
            if first.worker.profile.block_status == BlockStatus.BLOCKED:
                queue_entry_close(first, QueueEntryStatus.LEFT, now)
                continue
            for index, second in enumerate(unpaired):
                if second.worker.profile.block_status == BlockStatus.BLOCKED:
                    continue
                seats = _seats_for(first, second)
                if seats is None:
                    continue
                session = session_create_for_pair(character_entry=seats[0], player_entry=seats[1], now=now)
                if session is not None:
                    sessions.append(session)
                    unpaired.pop(index)
                break
        return sessions
