"""Live role-play writes: the queue, the matchmaker, a session's lifecycle, credits and blocks.

Every public function is one transaction. Race-freedom across ASGI processes and Celery workers
comes from the database: the matchmaker locks waiting queue entries with ``SELECT ... FOR UPDATE
SKIP LOCKED`` (PostgreSQL; SQLite serialises writers anyway), a partial unique constraint keeps
each worker in at most one waiting-or-matched entry, and every change to a session locks the
session row first. Notifications go out through the channel layer only after the commit.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from platform_core.errors import Refused
from platform_core.models import BlockStatus, User, WorkerProfile
from platform_core.services import audit_record, worker_block
from roleplay import live_message_sql as message_sql
from roleplay.message_checks import MessageRefused, character_profile_text, message_check
from roleplay.models import (
    BUSY_QUEUE_STATUSES,
    CategoryQuota,
    Character,
    CreditEntry,
    CreditKind,
    Dialogue,
    DialogueSource,
    DialogueStatus,
    LiveSession,
    LiveSessionStatus,
    LiveSide,
    MatchQueueEntry,
    PlayerPersona,
    QueueEntryStatus,
    Speaker,
    Topic,
    Turn,
)
from roleplay.partners import other_seat, seats_send_sync, worker_send_sync
from roleplay.services import (
    TurnAppendResult,
    TurnRefused,
    dialogue_create,
    dialogue_set_status,
    persona_create,
    turn_append,
)
from training.models import ModelVersion

GREETING_NAMESPACE = uuid.UUID("6d1c0f59-5a43-4b8e-9f0c-3e8f3f7f2a11")
MATCH_BATCH = 200  # waiting entries one matchmaker pass considers


class LiveRefused(Refused):
    """A refused live action (codes in docs/chat-protocol.md)."""


# --- Frames ----------------------------------------------------------------------------------


def turn_frame(turn: Turn) -> dict:
    """The ``turn`` frame of docs/chat-protocol.md, live or replayed alike."""
    return {
        "type": "turn",
        "seq": turn.seq,
        "speaker": turn.speaker,
        "text": turn.text,
        "client_msg_id": str(turn.client_msg_id) if turn.client_msg_id else None,
        "created_at": turn.created_at.isoformat(),
        # Whether the model wrote it, and whether the worker corrected it (the model's text kept).
        "model": turn.author_model_id is not None,
        "edited": turn.original_text is not None,
    }


def _turn_count(session: LiveSession) -> int:
    return Turn.objects.filter(dialogue_id=session.dialogue_id).count() if session.dialogue_id else 0


def _last_speaker(session: LiveSession) -> str | None:
    if not session.dialogue_id:
        return None
    return (
        Turn.objects.filter(dialogue_id=session.dialogue_id).order_by("-seq").values_list("speaker", flat=True).first()
    )


def session_frame(session: LiveSession, *, turns: int | None = None, last_speaker: str | None = "?") -> dict:
    """The ``session`` frame: everything a client shows about the session's state."""
    turns = _turn_count(session) if turns is None else turns
    last_speaker = _last_speaker(session) if last_speaker == "?" else last_speaker
    deadline = session_next_deadline(session)
    dialogue = session.dialogue
    return {
        "type": "session",
        "session_id": session.pk,
        "status": session.status,
        "turns": turns,
        "min_turns": settings.LIVE_MIN_TURNS,
        "finish_unlocked": turns >= settings.LIVE_MIN_TURNS,
        "next_speaker": _next_speaker(last_speaker) if session.status == LiveSessionStatus.ACTIVE else None,
        "topic": dialogue.topic if dialogue else "",
        "topic_kind": dialogue.topic_kind if dialogue else "",
        "topic_proposal": (
            {"topic": session.topic_proposal, "kind": session.topic_proposal_kind, "by": session.topic_proposed_by}
            if session.topic_proposal
            else None
        ),
        "finish_requested_by": session.finish_requested_by or None,
        "rated": {"character": session.character_rated, "player": session.player_rated},
        # A model in the character seat is always there: it never disconnects or leaves.
        "connected": {
            "character": bool(session.character_channel) or session.model_version_id is not None,
            "player": bool(session.player_channel),
        },
        "deadline": deadline.timestamp() if deadline else None,
        "idle_timeout_s": settings.LIVE_IDLE_TIMEOUT_S,
        "partner_grace_s": settings.LIVE_PARTNER_GRACE_S,
        "open": session.is_open,
    }


def _next_speaker(last_speaker: str | None) -> str:
    if not settings.LIVE_STRICT_TURN_TAKING:
        return "any"
    return Speaker.CHARACTER if last_speaker in (None, Speaker.PLAYER) else Speaker.PLAYER


def session_next_deadline(session: LiveSession) -> datetime | None:
    """The earliest moment at which ``live_session_check`` may change this session."""
    if session.status == LiveSessionStatus.JOINING:
        return session.join_deadline
    if not session.is_open:
        return None
    return _open_session_deadline(session.last_activity_at, (session.character_left_at, session.player_left_at))


def _open_session_deadline(last_activity_at: datetime | None, left_ats: tuple[datetime | None, ...]) -> datetime | None:
    """An open session ends at its idle timeout or when a side away has used up its grace period."""
    candidates = []
    if last_activity_at:
        candidates.append(last_activity_at + timedelta(seconds=settings.LIVE_IDLE_TIMEOUT_S))
    for left_at in left_ats:
        if left_at:
            candidates.append(left_at + timedelta(seconds=settings.LIVE_PARTNER_GRACE_S))
    return min(candidates) if candidates else None


def _publish_session(session: LiveSession) -> None:
    """After the commit, tell both seats the new state."""
    frame = session_frame(session)
    transaction.on_commit(lambda: seats_send_sync(session.pk, frame))


# --- Credits and blocks ----------------------------------------------------------------------


def _credit_waiting(entry: MatchQueueEntry, now: datetime) -> CreditEntry | None:
    seconds = max(0, int((now - entry.joined_at).total_seconds()))
    if seconds == 0 or CreditEntry.objects.filter(queue_entry=entry, kind=CreditKind.WAITING).exists():
        return None
    amount = (Decimal(str(settings.LIVE_CREDIT_PER_WAIT_MINUTE)) * seconds / 60).quantize(Decimal("0.0001"))
    return CreditEntry.objects.create(
        worker_id=entry.worker_id, kind=CreditKind.WAITING, seconds=seconds, amount=amount, queue_entry=entry
    )


def _credit_stranded(session: LiveSession, worker_id: int) -> None:
    if not CreditEntry.objects.filter(session=session, worker_id=worker_id, kind=CreditKind.STRANDED).exists():
        CreditEntry.objects.create(
            worker_id=worker_id,
            kind=CreditKind.STRANDED,
            amount=Decimal(str(settings.LIVE_CREDIT_STRANDED)).quantize(Decimal("0.0001")),
            session=session,
        )


def abandonments_recent(*, worker_id: int, now: datetime | None = None) -> int:
    since = (now or timezone.now()) - timedelta(hours=24)
    # Leaving a model strands nobody: only human pairings count.
    return LiveSession.objects.filter(
        abandoned_by_id=worker_id, ended_at__gte=since, model_version__isnull=True
    ).count()


def _count_abandonment(worker_id: int, now: datetime) -> None:
    threshold = settings.LIVE_ABANDON_THRESHOLD
    if threshold <= 0 or abandonments_recent(worker_id=worker_id, now=now) < threshold:
        return
    profile = WorkerProfile.objects.select_for_update().filter(user_id=worker_id).first()
    if profile is not None and profile.block_status == BlockStatus.ACTIVE:
        worker_block(
            profile=profile,
            status=BlockStatus.SOFT_BLOCKED,
            reason=f"Left {threshold} or more live sessions within 24 hours (automatic).",
            actor=None,
        )


# --- Queue -----------------------------------------------------------------------------------


def _allowed_side(profile: WorkerProfile, side: str) -> str:
    if profile.block_status == BlockStatus.BLOCKED:
        raise LiveRefused("blocked", _("Your account is blocked from live role-play."))
    can = {Speaker.CHARACTER: profile.can_play_character, Speaker.PLAYER: profile.can_play_player}
    if side not in LiveSide.values:
        raise LiveRefused("bad_side", _("Choose character, player or either."))
    if side == LiveSide.ANY:
        if all(can.values()):
            return LiveSide.ANY
        for name, allowed in can.items():
            if allowed:
                return name
        raise LiveRefused("not_qualified", _("You are not qualified for live role-play yet."))
    if not can[side]:
        raise LiveRefused("not_qualified", _("You are not qualified to play this side."))
    return side


def _stranded_priority(worker: User, now: datetime) -> int:
    """1 when the worker was stranded by a partner recently and has not been requeued since."""
    since = now - timedelta(seconds=settings.LIVE_STRANDED_PRIORITY_WINDOW_S)
    updated = LiveSession.objects.filter(stranded_worker=worker, stranded_requeued=False, ended_at__gte=since).update(
        stranded_requeued=True
    )
    return 1 if updated else 0


@transaction.atomic
def queue_join(*, worker: User, side: str) -> MatchQueueEntry:
    """Put ``worker`` in the queue for ``side`` (or return their busy entry: waiting or matched)."""
    profile = WorkerProfile.objects.get(user=worker)
    side = _allowed_side(profile, side)
    now = timezone.now()
    existing = MatchQueueEntry.objects.select_for_update().filter(worker=worker, status__in=BUSY_QUEUE_STATUSES).first()
    if existing is not None:
        if existing.status == QueueEntryStatus.WAITING:
            existing.side = side
            existing.disconnected_at = None
            existing.save(update_fields=["side", "disconnected_at"])
        return existing
    try:
        with transaction.atomic():
            return MatchQueueEntry.objects.create(
                worker=worker, side=side, priority=_stranded_priority(worker, now), joined_at=now
            )
    except IntegrityError:
        # Another tab of the same worker joined at the same moment: theirs is the entry.
        return MatchQueueEntry.objects.get(worker=worker, status__in=BUSY_QUEUE_STATUSES)


@transaction.atomic
def queue_leave(*, worker: User, disconnected: bool = False) -> MatchQueueEntry | None:
    """Leave the queue; a mere disconnect keeps the place for ``LIVE_QUEUE_RECONNECT_GRACE_S``."""
    entry = MatchQueueEntry.objects.select_for_update().filter(worker=worker, status=QueueEntryStatus.WAITING).first()
    if entry is None:
        return None
    now = timezone.now()
    if disconnected:
        entry.disconnected_at = now
        entry.save(update_fields=["disconnected_at"])
        return entry
    _close_entry(entry, QueueEntryStatus.LEFT, now)
    return entry


def _close_entry(entry: MatchQueueEntry, status: str, now: datetime) -> None:
    entry.status = status
    entry.closed_at = now
    entry.save(update_fields=["status", "closed_at"])
    _credit_waiting(entry, now)


def queue_status(*, worker: User) -> dict:
    """What the waiting room shows: position (1 = next), seconds waited, how many wait."""
    entry = MatchQueueEntry.objects.filter(worker=worker, status__in=BUSY_QUEUE_STATUSES).first()
    waiting = MatchQueueEntry.objects.filter(status=QueueEntryStatus.WAITING, disconnected_at__isnull=True)
    if entry is None:
        return {"type": "queue", "status": "idle", "waiting_total": waiting.count()}
    if entry.status == QueueEntryStatus.MATCHED:
        return match_frame(entry.session)
    ahead = waiting.filter(
        Q(priority__gt=entry.priority)
        | Q(priority=entry.priority, joined_at__lt=entry.joined_at)
        | Q(priority=entry.priority, joined_at=entry.joined_at, id__lt=entry.id)
    ).count()
    return {
        "type": "queue",
        "status": "waiting",
        "side": entry.side,
        "position": ahead + 1,
        "waiting_s": round((timezone.now() - entry.joined_at).total_seconds(), 1),
        "waiting_total": waiting.count(),
        "priority": entry.priority,
    }


def match_frame(session: LiveSession) -> dict:
    return {
        "type": "match",
        "session_id": session.pk,
        "url": reverse("roleplay:live-chat", args=[session.pk]),
        "join_deadline": session.join_deadline.timestamp(),
    }


# --- Matchmaking -----------------------------------------------------------------------------


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
    live_dialogues = Q(source=DialogueSource.HUMAN_ROLEPLAY) & ~Q(status=DialogueStatus.REJECTED)
    full: list[str] = []
    for quota in CategoryQuota.objects.all():
        collected = Dialogue.objects.filter(live_dialogues, character__category=quota.category).count()
        pending = LiveSession.objects.filter(
            character__category=quota.category, status=LiveSessionStatus.JOINING, model_version__isnull=True
        ).count()
        if collected + pending >= quota.target_dialogues:
            full.append(quota.category)
    collected_count = (
        Dialogue.objects.filter(live_dialogues, character=OuterRef("pk"))
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
    """The least-used persona in the character's language; the worker's own name when none exists."""
    persona = (
        PlayerPersona.objects.filter(language=language)
        .annotate(uses=Count("live_sessions"))
        .order_by("uses", "id")
        .first()
    )
    if persona is None:
        persona = persona_create(
            author=None, name=worker.profile.display_name or worker.username, description="", language=language
        )
    return persona


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
        _credit_waiting(entry, now)
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
            _close_entry(entry, QueueEntryStatus.LEFT, now)
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
                _close_entry(first, QueueEntryStatus.LEFT, now)
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


@transaction.atomic
def live_model_session_start(
    *, worker: User, character: Character, model_version: ModelVersion, persona: PlayerPersona
) -> LiveSession:
    """A session whose character seat is ``model_version`` and whose player is ``worker``.

    No queue and no matchmaker: the model is seated (and joined) at once; the session starts like
    any other when the worker opens the chat within ``LIVE_JOIN_WINDOW_S``.
    """
    now = timezone.now()
    session = LiveSession(
        character=character,
        player_persona=persona,
        model_version=model_version,
        player_worker=worker,
        join_deadline=now + timedelta(seconds=settings.LIVE_JOIN_WINDOW_S),
        character_joined_at=now,
    )
    session.full_clean()
    session.save()
    return session


# --- Session lifecycle -----------------------------------------------------------------------


def _locked_session(session_id: int) -> LiveSession:
    try:
        return LiveSession.objects.select_for_update(of=("self",)).select_related("dialogue").get(pk=session_id)
    except LiveSession.DoesNotExist:
        raise LiveRefused("not_your_session", _("This session does not exist or is not yours.")) from None


def _side_for(session: LiveSession, worker_id: int) -> str:
    side = session.side_of(worker_id)
    if side is None:
        raise LiveRefused("not_your_session", _("This session does not exist or is not yours."))
    return side


def _refuse_unless_open(session: LiveSession) -> None:
    if not session.is_open:
        raise LiveRefused("session_ended", _("This session has ended."))


@dataclass(frozen=True)
class LiveConnection:
    session: LiveSession
    side: str
    replaced_channel: str  # the same side's previous connection, to be closed ("" if none)
    character_profile: str  # normalised profile text, for the verbatim-copy check
    frame: dict  # the ``session`` frame after connecting
    partner_is_model: bool  # the other seat is a model (only ever the character seat)


@transaction.atomic
def live_session_connect(*, session_id: int, worker: User, channel_name: str) -> LiveConnection:
    """A worker opened the chat: mark them joined and connected; start the session when both are in."""
    session = _locked_session(session_id)
    side = _side_for(session, worker.pk)
    now = timezone.now()
    replaced = ""
    if session.is_open:
        replaced = getattr(session, f"{side}_channel")
        if replaced == channel_name:
            replaced = ""
        setattr(session, f"{side}_channel", channel_name)
        setattr(session, f"{side}_left_at", None)
        if getattr(session, f"{side}_joined_at") is None:
            setattr(session, f"{side}_joined_at", now)
        if session.status == LiveSessionStatus.JOINING and session.character_joined_at and session.player_joined_at:
            session.dialogue = _session_dialogue_create(session)
            session.status = LiveSessionStatus.TOPIC
            session.last_activity_at = now
        session.save()
        _publish_session(session)
    return LiveConnection(
        session=session,
        side=side,
        replaced_channel=replaced,
        character_profile=character_profile_text(session.character),
        frame=session_frame(session),
        partner_is_model=session.character_is_model and side == Speaker.PLAYER,
    )


def _session_dialogue_create(session: LiveSession) -> Dialogue:
    """The corpus row of a session: human role-play, or a human–machine chat naming its model."""
    if session.character_is_model:
        seats = {"source": DialogueSource.HUMAN_MACHINE, "model_version_id": session.model_version_id}
    else:
        seats = {"source": DialogueSource.HUMAN_ROLEPLAY, "character_worker": session.character_worker}
    return dialogue_create(
        character=session.character,
        player_persona=session.player_persona,
        player_worker=session.player_worker,
        creator=session.character_worker or session.player_worker,
        **seats,
    )


@transaction.atomic
def live_session_disconnect(*, session_id: int, side: str, channel_name: str) -> None:
    session = _locked_session(session_id)
    if not session.is_open or getattr(session, f"{side}_channel") != channel_name:
        return  # a newer connection of this side took over, or nothing is left to do
    setattr(session, f"{side}_channel", "")
    setattr(session, f"{side}_left_at", timezone.now())
    session.save(update_fields=[f"{side}_channel", f"{side}_left_at"])
    _publish_session(session)


@transaction.atomic
def live_topic_propose(*, session_id: int, worker: User, topic: object, kind: object = Topic.OTHER) -> LiveSession:
    session = _locked_session(session_id)
    side = _side_for(session, worker.pk)
    _refuse_unless_open(session)
    if session.status != LiveSessionStatus.TOPIC:
        raise LiveRefused("topic_closed", _("The topic can only be chosen at the start."))
    if not isinstance(topic, str) or not topic.strip():
        raise LiveRefused("bad_topic", _("Type a topic or choose one."))
    if len(topic.strip()) > 200:
        raise LiveRefused("bad_topic", _("A topic has at most 200 characters."))
    if kind not in Topic.values:
        raise LiveRefused("bad_topic", _("Unknown topic kind."))
    session.topic_proposal = topic.strip()
    session.topic_proposal_kind = kind
    session.topic_proposed_by = side
    session.last_activity_at = timezone.now()
    session.save(update_fields=["topic_proposal", "topic_proposal_kind", "topic_proposed_by", "last_activity_at"])
    if session.character_is_model:
        _topic_agree(session)  # a model takes whatever topic the worker proposes
    _publish_session(session)
    return session


@transaction.atomic
def live_topic_accept(*, session_id: int, worker: User) -> tuple[LiveSession, Turn | None]:
    """The other side agrees: the chat starts, with the character's greeting as its first turn."""
    session = _locked_session(session_id)
    side = _side_for(session, worker.pk)
    _refuse_unless_open(session)
    if session.status != LiveSessionStatus.TOPIC:
        raise LiveRefused("topic_closed", _("The topic is already agreed."))
    if not session.topic_proposal or session.topic_proposed_by == side:
        raise LiveRefused("no_proposal", _("Your partner has not proposed a topic to accept yet."))
    greeting = _topic_agree(session)
    _publish_session(session)
    return session, greeting


def _topic_agree(session: LiveSession) -> Turn | None:
    """Adopt the proposal: the chat starts, the character's greeting (if any) is turn 1 (caller holds the lock)."""
    dialogue = session.dialogue
    dialogue.topic = session.topic_proposal
    dialogue.topic_kind = session.topic_proposal_kind or Topic.OTHER
    dialogue.save(update_fields=["topic", "topic_kind", "updated_at"])
    now = timezone.now()
    session.status = LiveSessionStatus.ACTIVE
    session.started_at = now
    session.last_activity_at = now
    session.save(update_fields=["status", "started_at", "last_activity_at"])
    greeting = None
    if session.character.greeting.strip():
        greeting = turn_append(
            dialogue_id=dialogue.pk,
            speaker=Speaker.CHARACTER,
            text=session.character.greeting.strip(),
            client_msg_id=uuid.uuid5(GREETING_NAMESPACE, str(session.pk)),
            author_user=session.character_worker,
            author_model=session.model_version,
        ).turn
        frame = turn_frame(greeting)
        transaction.on_commit(lambda: seats_send_sync(session.pk, frame))
    return greeting


def _parse_client_msg_id(value: object) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        raise LiveRefused("bad_client_msg_id", _("Every message needs a client_msg_id that is a UUID.")) from None


@dataclass(frozen=True)
class LiveSendResult:
    result: TurnAppendResult
    session_frame: dict | None  # the new session state when the turn changed it (e.g. finish unlocked)
    deadline: float | None = None  # when the session should next be checked (idle or partner grace)


def live_message_send(
    *,
    session_id: int,
    worker: User,
    client_msg_id: object,
    text: object,
    side: object = None,
    character_profile: str | None = None,
) -> LiveSendResult:
    """Store one chat message (or recognise a repeat of ``client_msg_id``). Committed on return.

    The live chat's hot path: one transaction of three plain SQL statements (``live_message_sql``)
    with the checks in between, in the order the protocol documents: whose session and side, a
    repeated client id (acknowledged again, nothing stored), session state, turn-taking, then the
    message checks.
    """
    msg_id = _parse_client_msg_id(client_msg_id)
    for attempt in range(MESSAGE_STORE_ATTEMPTS):
        try:
            return _message_store(
                session_id=session_id,
                worker=worker,
                msg_id=msg_id,
                text=text,
                side=side,
                character_profile=character_profile,
            )
        except IntegrityError:
            # The database refused the seq or the client id: a turn reached this dialogue without
            # the session lock (every live writer takes it, so this is a safety net). Nothing was
            # stored; read the dialogue again and decide afresh.
            if attempt == MESSAGE_STORE_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


MESSAGE_STORE_ATTEMPTS = 3


def _message_store(
    *, session_id: int, worker: User, msg_id: uuid.UUID, text: object, side: object, character_profile: str | None
) -> LiveSendResult:
    now = timezone.now()
    with transaction.atomic():
        locked = message_sql.session_lock_for_message(session_id=session_id, now=now)
        own_side = locked.side_of(worker.pk) if locked is not None else None
        if own_side is None:
            raise LiveRefused("not_your_session", _("This session does not exist or is not yours."))
        if side is not None and side != own_side:
            raise LiveRefused("wrong_side", _("You can only write as your own side."))
        recent: list[tuple[int, str, str]] = []
        if locked.dialogue_id:
            turns = message_sql.turns_for_message(
                dialogue_id=locked.dialogue_id,
                client_msg_id=msg_id,
                recent=2 * max(1, settings.LIVE_REPEAT_WINDOW) + 1,
            )
            if turns.duplicate_seq is not None:
                existing = Turn.objects.get(dialogue_id=locked.dialogue_id, client_msg_id=msg_id)
                transaction.set_rollback(True)  # a resend changes nothing, not even the activity stamp
                return LiveSendResult(TurnAppendResult(existing, created=False), None)
            recent = turns.recent
        if locked.status in (LiveSessionStatus.JOINING, LiveSessionStatus.TOPIC):
            raise LiveRefused("not_started", _("The chat has not started yet: agree on a topic first."))
        if locked.status != LiveSessionStatus.ACTIVE:
            raise LiveRefused("session_ended", _("This session no longer accepts messages."))
        next_speaker = _next_speaker(recent[0][1] if recent else None)
        if next_speaker != "any" and next_speaker != own_side:
            raise LiveRefused("not_your_turn", _("Wait for your partner's reply."))
        if character_profile is None:
            character_profile = character_profile_text(Character.objects.get(pk=locked.character_id))
        try:
            clean_text = message_check(
                text=text,
                own_recent_texts=[t for _seq, speaker, t in reversed(recent) if speaker == own_side],
                profile=character_profile,
            )
        except MessageRefused as refused:
            raise LiveRefused(refused.code, refused.message) from None
        seq = recent[0][0] + 1 if recent else 1
        fields = {
            "dialogue_id": locked.dialogue_id,
            "seq": seq,
            "speaker": own_side,
            "text": clean_text,
            "client_msg_id": msg_id,
            "author_user_id": worker.pk,
            "created_at": now,
        }
        turn_id = message_sql.turn_insert(**fields)
        if turn_id is None:
            raise TurnRefused("dialogue_closed", "This dialogue no longer accepts messages.")
        turn = Turn(id=turn_id, **fields)
        new_frame = None
        if seq == settings.LIVE_MIN_TURNS:
            session = LiveSession.objects.select_related("dialogue").get(pk=session_id)
            new_frame = session_frame(session, turns=seq, last_speaker=own_side)
            transaction.on_commit(lambda: seats_send_sync(session_id, new_frame))
        deadline = _open_session_deadline(now, (locked.character_left_at, locked.player_left_at))
        return LiveSendResult(
            TurnAppendResult(turn, created=True), new_frame, deadline.timestamp() if deadline else None
        )


def live_model_turn_append(*, session_id: int, text: str, client_msg_id: uuid.UUID) -> LiveSendResult:
    """Store the reply of the model in the character seat (its ``author_model``). Committed on return.

    The human-facing message checks do not apply (the model is not held to typing limits); the
    session must be a model session, chatting, and (strict turn-taking) waiting for the character.
    A repeated ``client_msg_id`` returns the stored turn, so a retried reply is stored once.
    """
    with transaction.atomic():
        session = _locked_session(session_id)
        if not session.character_is_model:
            raise LiveRefused("no_model_seat", _("No model plays in this session."))
        if session.dialogue_id:
            existing = Turn.objects.filter(dialogue_id=session.dialogue_id, client_msg_id=client_msg_id).first()
            if existing is not None:
                return LiveSendResult(TurnAppendResult(existing, created=False), None)
        if session.status != LiveSessionStatus.ACTIVE:
            raise LiveRefused("session_ended", _("This session no longer accepts messages."))
        last_speaker = _last_speaker(session)
        if _next_speaker(last_speaker) not in ("any", Speaker.CHARACTER):
            raise LiveRefused("not_your_turn", _("The character has already answered."))
        result = turn_append(
            dialogue_id=session.dialogue_id,
            speaker=Speaker.CHARACTER,
            text=text,
            client_msg_id=client_msg_id,
            author_model=session.model_version,
        )
        session.last_activity_at = timezone.now()
        LiveSession.objects.filter(pk=session.pk).update(last_activity_at=session.last_activity_at)
        new_frame = None
        if result.turn.seq == settings.LIVE_MIN_TURNS:
            new_frame = session_frame(session, turns=result.turn.seq, last_speaker=Speaker.CHARACTER)
            transaction.on_commit(lambda: seats_send_sync(session.pk, new_frame))
        deadline = session_next_deadline(session)
        return LiveSendResult(result, new_frame, deadline.timestamp() if deadline else None)


def live_model_activity(*, session: LiveSession) -> None:
    """The worker reworked the model's reply (regenerate, edit): that counts as activity (caller holds the lock)."""
    session.last_activity_at = timezone.now()
    LiveSession.objects.filter(pk=session.pk).update(last_activity_at=session.last_activity_at)


def live_model_session_locked(*, session_id: int) -> LiveSession:
    """Lock a chatting model session (for services that rework the model's turns; the caller is the
    partner held by the consumer of the worker's seat, which checked the worker)."""
    session = _locked_session(session_id)
    if not session.character_is_model:
        raise LiveRefused("no_model_seat", _("No model plays in this session."))
    if session.status != LiveSessionStatus.ACTIVE:
        raise LiveRefused("session_ended", _("This session no longer accepts messages."))
    return session


def _parse_rating(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        raise LiveRefused("bad_rating", _("Rate your partner with a whole number from 1 to 5."))
    return value


@transaction.atomic
def live_finish(
    *, session_id: int, worker: User, rating: object, flag: object = False, flag_reason: object = ""
) -> LiveSession:
    """Finish (or confirm finishing) with a 1–5 rating of the partner; both rated = submitted."""
    session = _locked_session(session_id)
    side = _side_for(session, worker.pk)
    _refuse_unless_open(session)
    if session.status in (LiveSessionStatus.JOINING, LiveSessionStatus.TOPIC):
        raise LiveRefused("not_started", _("The chat has not started yet."))
    rating = _parse_rating(rating)
    if not isinstance(flag_reason, str) or len(flag_reason) > 1000:
        raise LiveRefused("bad_flag", _("A flag reason is text of at most 1000 characters."))
    if getattr(session, f"{side}_rated"):
        raise LiveRefused("already_rated", _("You have already rated this session."))
    turns = _turn_count(session)
    if session.status == LiveSessionStatus.ACTIVE and turns < settings.LIVE_MIN_TURNS:
        raise LiveRefused(
            "finish_locked",
            _("Finish unlocks after %(min)d turns; this chat has %(turns)d.")
            % {"min": settings.LIVE_MIN_TURNS, "turns": turns},
        )
    dialogue = Dialogue.objects.select_for_update().get(pk=session.dialogue_id)
    # The character side rates the player side, and the other way round.
    setattr(dialogue, f"{other_seat(side)}_side_rating", rating)
    if flag:
        dialogue.flagged = True
        reason = flag_reason.strip() or _("No reason given.")
        dialogue.flag_reason = "\n".join(filter(None, [dialogue.flag_reason, f"[{side}] {reason}"]))
    dialogue.save()
    setattr(session, f"{side}_rated", True)
    now = timezone.now()
    session.last_activity_at = now
    if session.status == LiveSessionStatus.ACTIVE:
        session.status = LiveSessionStatus.RATING
        session.finish_requested_by = side
    if session.ratings_complete:
        _end(session, LiveSessionStatus.FINISHED, now)
    session.save()
    _publish_session(session)
    return session


def _end(session: LiveSession, status: str, now: datetime, *, leaver_side: str | None = None) -> None:
    """Close a session (caller holds its lock and saves it)."""
    session.status = status
    session.ended_at = now
    session.character_channel = session.player_channel = ""
    MatchQueueEntry.objects.filter(session=session, status=QueueEntryStatus.MATCHED).update(
        status=QueueEntryStatus.DONE
    )
    if session.dialogue_id:
        dialogue = Dialogue.objects.get(pk=session.dialogue_id)
        turns = _turn_count(session)
        if status == LiveSessionStatus.FINISHED or turns >= settings.LIVE_MIN_TURNS:
            dialogue_set_status(dialogue=dialogue, status=DialogueStatus.SUBMITTED)
        else:
            dialogue_set_status(
                dialogue=dialogue,
                status=DialogueStatus.REJECTED,
                note=f"Live session ended as {status} after {turns} turns (automatic).",
            )
    if leaver_side is not None and session.character_is_model:
        # Nobody is stranded by a model session: no credit, no abandonment count. Only the
        # worker can leave (a model that failed to answer in time is not "abandoning").
        if leaver_side == Speaker.PLAYER:
            session.abandoned_by_id = session.player_worker_id
        audit_record(actor=None, action=f"live.{status}", target=session, details={"left": leaver_side})
    elif leaver_side is not None:
        leaver_id = session.worker_id_for(leaver_side)
        stranded_id = session.worker_id_for(other_seat(leaver_side))
        session.abandoned_by_id = leaver_id
        session.stranded_worker_id = stranded_id
        _credit_stranded(session, stranded_id)
        session.save()  # counted below, with this abandonment included
        audit_record(actor=None, action=f"live.{status}", target=session, details={"left": leaver_side})
        _count_abandonment(leaver_id, now)


def _requeue(worker_id: int, side: str, now: datetime) -> None:
    MatchQueueEntry.objects.create(worker_id=worker_id, side=side, priority=1, joined_at=now)


@transaction.atomic
def live_session_check(*, session_id: int, now: datetime | None = None) -> LiveSession:
    """Apply whatever deadline has passed: join window, partner grace, idle timeout. Idempotent."""
    session = _locked_session(session_id)
    now = now or timezone.now()
    if not session.is_open:
        return session
    if session.status == LiveSessionStatus.JOINING:
        if now >= session.join_deadline:
            session.status = LiveSessionStatus.EXPIRED
            session.ended_at = now
            session.character_channel = session.player_channel = ""
            entries = list(MatchQueueEntry.objects.filter(session=session, status=QueueEntryStatus.MATCHED))
            for entry in entries:
                joined = getattr(session, f"{session.side_of(entry.worker_id)}_joined_at") is not None
                entry.status = QueueEntryStatus.EXPIRED if not joined else QueueEntryStatus.DONE
                entry.save(update_fields=["status"])
                if joined:  # the one who came goes back to the front of the queue
                    _requeue(entry.worker_id, entry.side, now)
            session.save()
            _publish_session(session)
        return session
    grace = timedelta(seconds=settings.LIVE_PARTNER_GRACE_S)
    gone = [
        side
        for side in (Speaker.CHARACTER, Speaker.PLAYER)
        if getattr(session, f"{side}_left_at") and now >= getattr(session, f"{side}_left_at") + grace
    ]
    idle = session.last_activity_at and now >= session.last_activity_at + timedelta(
        seconds=settings.LIVE_IDLE_TIMEOUT_S
    )
    if not gone and not idle:
        return session
    if session.status == LiveSessionStatus.RATING:
        _end(session, LiveSessionStatus.FINISHED, now)  # the chat was done; the rating is optional
    elif gone:
        leaver = gone[0] if len(gone) == 1 else min(gone, key=lambda s: getattr(session, f"{s}_left_at"))
        _end(session, LiveSessionStatus.PARTNER_LEFT, now, leaver_side=leaver)
    else:
        # Idle: in the chat, the side whose turn it was let it lapse; at the topic step, the side
        # that had a proposal to answer (or nobody, when no topic was proposed).
        leaver = None
        if session.status == LiveSessionStatus.ACTIVE:
            next_speaker = _next_speaker(_last_speaker(session))
            leaver = next_speaker if next_speaker in Speaker.values else None
        elif session.topic_proposed_by:
            leaver = other_seat(session.topic_proposed_by)
        _end(session, LiveSessionStatus.IDLE_TIMEOUT, now, leaver_side=leaver)
    session.save()
    _publish_session(session)
    return session


def live_sessions_sweep(*, now: datetime | None = None) -> int:
    """Check every open session that has a deadline behind it (orphans no consumer watches)."""
    now = now or timezone.now()
    idle_before = now - timedelta(seconds=settings.LIVE_IDLE_TIMEOUT_S)
    left_before = now - timedelta(seconds=settings.LIVE_PARTNER_GRACE_S)
    due = LiveSession.objects.filter(
        Q(status=LiveSessionStatus.JOINING, join_deadline__lte=now)
        | Q(
            Q(status__in=[LiveSessionStatus.TOPIC, LiveSessionStatus.ACTIVE, LiveSessionStatus.RATING]),
            Q(last_activity_at__lte=idle_before)
            | Q(character_left_at__lte=left_before)
            | Q(player_left_at__lte=left_before),
        )
    ).values_list("pk", flat=True)
    count = 0
    for session_id in list(due[:500]):
        live_session_check(session_id=session_id, now=now)
        count += 1
    return count


def live_turns_since(*, session_id: int, worker: User, last_seq: object) -> list[dict]:
    """Turns after ``last_seq`` for a reconnecting client (refused unless the session is theirs)."""
    session = LiveSession.objects.filter(pk=session_id).first()
    if session is None or session.side_of(worker.pk) is None:
        raise LiveRefused("not_your_session", _("This session does not exist or is not yours."))
    if isinstance(last_seq, bool) or not isinstance(last_seq, int) or last_seq < 0:
        raise LiveRefused("bad_last_seq", _("last_seq must be a whole number, 0 or more."))
    if not session.dialogue_id:
        return []
    return [
        turn_frame(turn)
        for turn in Turn.objects.filter(dialogue_id=session.dialogue_id, seq__gt=last_seq).order_by("seq")
    ]


def category_quota_set(*, category: str, target_dialogues: int, actor: User | None) -> CategoryQuota:
    """Set (or change) the live-collection quota of one character category."""
    quota = CategoryQuota(category=category, target_dialogues=target_dialogues)
    quota.full_clean(validate_unique=False)
    quota, _created = CategoryQuota.objects.update_or_create(
        category=category, defaults={"target_dialogues": target_dialogues}
    )
    audit_record(actor=actor, action="live.quota_set", target=quota, details={"target": target_dialogues})
    return quota
