"""The live chat's hot path: one chat message stored (or recognised as a resend)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from platform_core.models import User
from platform_core.services import personal_data_refusal_record
from roleplay.live import message_sql
from roleplay.live.deadlines import open_session_deadline
from roleplay.live.errors import LivePersonalDataRefused, LiveRefused
from roleplay.live.frames import session_frame
from roleplay.message_checks import MessageRefused, character_profile_text, message_check
from roleplay.models import Character, LiveSessionStatus, Speaker, Turn
from roleplay.services import TurnAppendResult, TurnRefused
from roleplay.turn_rule import turn_admit


def _parse_client_msg_id(value: object) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        raise LiveRefused("bad_client_msg_id", _("Every message needs a client_msg_id that is a UUID.")) from None


@dataclass(frozen=True)
class LiveSendResult:
    result: TurnAppendResult
    session_frame: dict | None  # the session state after the new turn (None for a resend)
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

    The live chat's hot path: one transaction of three plain SQL statements (``roleplay.live.message_sql``)
    with the checks in between, in the order the protocol documents: whose session and side, a
    repeated client id (acknowledged again, nothing stored), session state, turn-taking, then the
    message checks (the last: contact details, refused as ``personal_data`` and counted on the
    worker's record).
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
        except LivePersonalDataRefused as refused:
            # Counted after the message's transaction is rolled back: nothing of the text is kept.
            personal_data_refusal_record(user=worker, where="live_chat", kinds=refused.kinds)
            raise
        except IntegrityError:
            # The database refused the seq or the client id: a turn reached this dialogue without
            # the session lock (every live writer takes it, so this is a safety net). Nothing was
            # stored; read the dialogue again and decide afresh.
            if attempt == MESSAGE_STORE_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


MESSAGE_STORE_ATTEMPTS = 3


def _closed_refusal(status: str) -> LiveRefused | None:
    """Why a session in ``status`` takes no message (None: it is chatting)."""
    if status in (LiveSessionStatus.JOINING, LiveSessionStatus.TOPIC):
        return LiveRefused("not_started", _("The chat has not started yet: agree on a topic first."))
    if status == LiveSessionStatus.RATING:
        return LiveRefused("rating_only", _("The chat is finished: only the ratings are left."))
    if status != LiveSessionStatus.ACTIVE:
        return LiveRefused("session_ended", _("This session no longer accepts messages."))
    return None


def _message_store(
    *, session_id: int, worker: User, msg_id: uuid.UUID, text: object, side: object, character_profile: str | None
) -> LiveSendResult:
    now = timezone.now()
    with transaction.atomic():
        locked = message_sql.session_lock_for_message(session_id=session_id, now=now)
        own_side = locked.side_of(worker.pk) if locked is not None else None
        if own_side is None:
            raise LiveRefused("not_your_session", _("This session does not exist or is not yours."))
        if side is not None and side not in Speaker.values:
            raise LiveRefused("bad_side", _("side is character or player."))
        if side is not None and side != own_side:
            raise LiveRefused("wrong_side", _("You can only write as your own side."))
        recent: list[tuple[int, str, str]] = []
        stored: tuple[int, str] | None = None
        topic = ("", "")
        if locked.dialogue_id:
            turns = message_sql.turns_for_message(
                dialogue_id=locked.dialogue_id,
                client_msg_id=msg_id,
                recent=2 * max(1, settings.LIVE_REPEAT_WINDOW) + 1,
            )
            stored, recent, topic = turns.duplicate, turns.recent, turns.topic
        seq = turn_admit(
            speaker=own_side,
            stored_speaker=stored[1] if stored else None,
            last=recent[0][:2] if recent else None,
            closed=_closed_refusal(locked.status),
            turn_taking=True,
            refusal=LiveRefused,
        )
        if seq is None:
            existing = Turn.objects.get(dialogue_id=locked.dialogue_id, client_msg_id=msg_id)
            transaction.set_rollback(True)  # a resend changes nothing, not even the activity stamp
            return LiveSendResult(TurnAppendResult(existing, created=False), None)
        if character_profile is None:
            character_profile = character_profile_text(Character.objects.get(pk=locked.character_id))
        try:
            clean_text = message_check(
                text=text,
                own_recent_texts=[t for _seq, speaker, t in reversed(recent) if speaker == own_side],
                profile=character_profile,
            )
        except MessageRefused as refused:
            if refused.kinds:
                raise LivePersonalDataRefused(refused.code, refused.message, refused.kinds) from None
            raise LiveRefused(refused.code, refused.message) from None
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
        state = locked.as_session(session_id=session_id, now=now, topic=topic[0], topic_kind=topic[1])
        new_frame = session_frame(state, turns=seq, last_speaker=own_side)
        deadline = open_session_deadline(
            now, (locked.character_left_at, locked.player_left_at), ended_by_owner=locked.row["ended_by_owner"]
        )
        return LiveSendResult(
            TurnAppendResult(turn, created=True), new_frame, deadline.timestamp() if deadline else None
        )
