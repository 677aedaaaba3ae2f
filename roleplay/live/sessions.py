"""A live session's lifecycle: connect, topic, finish with ratings, deadlines, the end."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from platform_core.models import BlockStatus, User, WorkerProfile
from platform_core.services import audit_record
from platform_core.text import user_text_clean
from roleplay.live.abandonment import abandonment_count
from roleplay.live.credits import credit_stranded
from roleplay.live.errors import LiveRefused
from roleplay.live.frames import session_frame, turn_frame
from roleplay.live.partners import SEATS, other_seat, seats_send_sync
from roleplay.message_checks import character_profile_text
from roleplay.models import (
    Dialogue,
    DialogueSource,
    DialogueStatus,
    LiveSession,
    LiveSessionStatus,
    MatchQueueEntry,
    QueueEntryStatus,
    Speaker,
    Topic,
    Turn,
)
from roleplay.selectors import session_last_speaker, session_turn_count
from roleplay.services import dialogue_create, dialogue_set_status, turn_append
from roleplay.turn_rule import next_speaker

GREETING_NAMESPACE = uuid.UUID("6d1c0f59-5a43-4b8e-9f0c-3e8f3f7f2a11")


def _publish_session(session: LiveSession, seats: tuple[str, ...] = SEATS) -> None:
    """After the commit, tell ``seats`` (both by default) the new state."""
    frame = session_frame(session)
    transaction.on_commit(lambda: seats_send_sync(session.pk, frame, seats))


def session_locked(session_id: int) -> LiveSession:
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


def live_seat_of(*, session_id: int, worker: User) -> str | None:
    """The seat ``worker`` holds in session ``session_id`` (None: none). A session's workers never
    change, so this unlocked read names the seat a connection subscribes to before it connects."""
    seats = LiveSession.objects.filter(pk=session_id).values_list("character_worker_id", "player_worker_id").first()
    if seats is None:
        return None
    return LiveSession(character_worker_id=seats[0], player_worker_id=seats[1]).side_of(worker.pk)


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
    session = session_locked(session_id)
    side = _side_for(session, worker.pk)
    if session.is_open and WorkerProfile.objects.filter(user=worker, block_status=BlockStatus.BLOCKED).exists():
        raise LiveRefused("blocked", _("Your account is blocked from live role-play."))
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
        # Only the partner: the connecting seat is sent this state with its welcome, and its own
        # copy, arriving later over the layer, could overtake a newer state the partner publishes.
        _publish_session(session, seats=(other_seat(side),))
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
    session = session_locked(session_id)
    if not session.is_open or getattr(session, f"{side}_channel") != channel_name:
        return  # a newer connection of this side took over, or nothing is left to do
    setattr(session, f"{side}_channel", "")
    setattr(session, f"{side}_left_at", timezone.now())
    session.save(update_fields=[f"{side}_channel", f"{side}_left_at"])
    _publish_session(session)


@transaction.atomic
def live_topic_propose(*, session_id: int, worker: User, topic: object, kind: object = Topic.OTHER) -> LiveSession:
    session = session_locked(session_id)
    side = _side_for(session, worker.pk)
    _refuse_unless_open(session)
    if session.status != LiveSessionStatus.TOPIC:
        raise LiveRefused("topic_closed", _("The topic can only be chosen at the start."))
    topic = user_text_clean(topic) if isinstance(topic, str) else ""
    if not topic:
        raise LiveRefused("bad_topic", _("Type a topic or choose one."))
    if len(topic) > 200:
        raise LiveRefused("bad_topic", _("A topic has at most 200 characters."))
    if not isinstance(kind, str) or kind not in Topic.values:
        raise LiveRefused("bad_topic", _("Unknown topic kind."))
    session.topic_proposal = topic
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
    session = session_locked(session_id)
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


def _parse_rating(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        raise LiveRefused("bad_rating", _("Rate your partner with a whole number from 1 to 5."))
    return value


@transaction.atomic
def live_finish(
    *, session_id: int, worker: User, rating: object, flag: object = False, flag_reason: object = ""
) -> LiveSession:
    """Finish (or confirm finishing) with a 1–5 rating of the partner; both rated = submitted."""
    session = session_locked(session_id)
    side = _side_for(session, worker.pk)
    _refuse_unless_open(session)
    if session.ended_by_owner:
        raise LiveRefused("finish_elsewhere", _("This chat is finished on its own page, not here."))
    if session.status in (LiveSessionStatus.JOINING, LiveSessionStatus.TOPIC):
        raise LiveRefused("not_started", _("The chat has not started yet."))
    rating = _parse_rating(rating)
    if not isinstance(flag_reason, str) or len(flag_reason := user_text_clean(flag_reason)) > 1000:
        raise LiveRefused("bad_flag", _("A flag reason is text of at most 1000 characters."))
    if getattr(session, f"{side}_rated"):
        raise LiveRefused("already_rated", _("You have already rated this session."))
    turns = session_turn_count(session)
    if session.status == LiveSessionStatus.ACTIVE and turns < session.finish_min_turns:
        raise LiveRefused(
            "finish_locked",
            _("Finish unlocks after %(min)d turns; this chat has %(turns)d.")
            % {"min": session.finish_min_turns, "turns": turns},
        )
    dialogue = Dialogue.objects.select_for_update().get(pk=session.dialogue_id)
    # The character side rates the player side, and the other way round.
    setattr(dialogue, f"{other_seat(side)}_side_rating", rating)
    if flag:
        dialogue.flagged = True
        reason = flag_reason or _("No reason given.")
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
    """Close a session (caller holds its lock and saves it). The dialogue of a session its owner
    ends is the owner's to submit or reject."""
    session.status = status
    session.ended_at = now
    session.character_channel = session.player_channel = ""
    MatchQueueEntry.objects.filter(session=session, status=QueueEntryStatus.MATCHED).update(
        status=QueueEntryStatus.DONE
    )
    if session.dialogue_id and not session.ended_by_owner:
        dialogue = Dialogue.objects.get(pk=session.dialogue_id)
        turns = session_turn_count(session)
        if status == LiveSessionStatus.FINISHED or turns >= session.finish_min_turns:
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
        credit_stranded(session, stranded_id)
        session.save()  # counted below, with this abandonment included
        audit_record(actor=None, action=f"live.{status}", target=session, details={"left": leaver_side})
        abandonment_count(leaver_id, now)


@transaction.atomic
def live_owned_session_end(*, session_id: int, finished: bool) -> LiveSession:
    """The service that opened a session (``ended_by_owner``) ends it: ``finished`` (its work was
    submitted), or dropped by the worker (``partner_left``, ``abandoned_by`` the worker). Both seats
    are told; the dialogue's status is the owner's to set. Ending an ended session changes nothing."""
    session = session_locked(session_id)
    if not session.ended_by_owner:
        raise LiveRefused("not_owned", _("Only sessions opened for other work are ended this way."))
    if not session.is_open:
        return session
    if finished:
        _end(session, LiveSessionStatus.FINISHED, timezone.now())
    else:
        _end(session, LiveSessionStatus.PARTNER_LEFT, timezone.now())
        session.abandoned_by_id = session.player_worker_id
    session.save()
    _publish_session(session)
    return session


def _requeue(worker_id: int, side: str, now: datetime) -> None:
    MatchQueueEntry.objects.create(worker_id=worker_id, side=side, priority=1, joined_at=now)


@transaction.atomic
def live_session_check(*, session_id: int, now: datetime | None = None) -> LiveSession:
    """Apply whatever deadline has passed: join window, partner grace, idle timeout. Idempotent."""
    session = session_locked(session_id)
    now = now or timezone.now()
    if not session.is_open or session.ended_by_owner:
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
            expected = next_speaker(session_last_speaker(session))
            leaver = expected if expected in Speaker.values else None
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
    due = LiveSession.objects.filter(ended_by_owner=False).filter(
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


def live_turns_since(*, session_id: int, worker: User, last_seq: object) -> tuple[list[Turn], int]:
    """Turns after ``last_seq`` for a reconnecting client, and the last stored seq (refused unless the session is theirs)."""
    session = LiveSession.objects.filter(pk=session_id).first()
    if session is None or session.side_of(worker.pk) is None:
        raise LiveRefused("not_your_session", _("This session does not exist or is not yours."))
    if isinstance(last_seq, bool) or not isinstance(last_seq, int) or last_seq < 0:
        raise LiveRefused("bad_last_seq", _("last_seq must be a whole number, 0 or more."))
    if not session.dialogue_id:
        return [], 0
    turns = list(Turn.objects.filter(dialogue_id=session.dialogue_id, seq__gt=last_seq).order_by("seq"))
    if turns:
        return turns, turns[-1].seq
    return [], session_turn_count(session)  # seqs are gap-free from 1: the count is the last seq
