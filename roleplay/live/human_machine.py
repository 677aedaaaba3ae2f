"""Human–machine collection rounds (the model seat's services): the deployed model plays the character of a live session.

A worker (the player) starts a round with ``hm_session_start``: a ``roleplay.LiveSession`` whose
character seat is the active deployment's model version. It is served by the live chat (page,
consumer, protocol: docs/chat-protocol.md) like any live session; the consumer of the worker's
seat holds ``roleplay.live.model_seat.ModelPartner`` for the character seat, which calls the services
below. The dialogue is ``Dialogue(source=human_machine, model_version=…)``; the model's turns carry
``author_model``. The worker may regenerate the model's last reply (the discarded text is kept in
``DiscardedReply``) or edit a reply (``Turn.original_text`` keeps the model's text, ``Turn.text``
the worker's correction).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from platform_core.errors import Refused
from platform_core.models import User
from roleplay.live.deadlines import session_next_deadline
from roleplay.live.errors import LiveRefused
from roleplay.live.frames import session_frame
from roleplay.live.messages import LiveSendResult
from roleplay.live.sessions import session_locked
from roleplay.message_checks import storable_text
from roleplay.models import (
    Character,
    Dialogue,
    LiveSession,
    LiveSessionStatus,
    PlayerPersona,
    PromptKind,
    ReviewStatus,
    Speaker,
    Turn,
)
from roleplay.prompting import profile_text
from roleplay.services import persona_create_pseudonymous, turn_append
from training.inference import ChatRequest
from training.models import DiscardedReply, ModelVersion
from training.selectors import active_deployment

# The same system-message layout the exports write into messages.jsonl (exports.services), so the
# model sees at inference what it was trained on.
_SYSTEM_LABELS = {
    "zh-hans": {"user": "关于{name}的信息：{info}", "greeting": "{name}的开场白：{greeting}"},
    "en": {"user": "About {name}: {info}", "greeting": "{name} opens the conversation with: {greeting}"},
}


class ChatRefused(Refused):
    """A human–machine chat action that may not happen."""


def player_persona_for(worker: User, language: str) -> PlayerPersona:
    """In a round with the model the worker plays themselves: their own persona (a name they chose),
    else one with a generated pseudonym, made on first use (never their account or display name)."""
    persona = PlayerPersona.objects.filter(author=worker, language=language).order_by("id").first()
    return persona or persona_create_pseudonymous(author=worker, language=language)


@transaction.atomic
def hm_session_start(*, worker: User, character: Character) -> LiveSession:
    """Open a live session with the deployed model in the character's seat and ``worker`` as the player."""
    deployment = active_deployment()
    if deployment is None:
        raise ChatRefused("no_model_deployed", _("No model is deployed for human–machine chat yet."))
    return live_model_session_start(
        worker=worker,
        character=character,
        model_version=deployment.model_version,
        persona=player_persona_for(worker, character.language),
    )


@dataclass(frozen=True)
class ReplyPlan:
    """What the model is asked: the request, the model version, and which turn the reply fills."""

    session_id: int
    dialogue_id: int
    model_version: ModelVersion
    request: ChatRequest
    replace_seq: int | None  # regenerate: the model turn whose text is replaced; None: a new turn


def _character_prompt(character: Character) -> str:
    prompt = (
        character.prompts.filter(kind=PromptKind.PROFILE, review_status=ReviewStatus.ACCEPTED)
        .values_list("text", flat=True)
        .first()
    )
    return prompt or profile_text(character)


def reply_request(dialogue: Dialogue, turns: list[Turn]) -> ChatRequest:
    """The chat messages for the model, in the exports' ``messages`` layout (greeting inside the system message)."""
    character = dialogue.character
    labels = _SYSTEM_LABELS.get(character.language, _SYSTEM_LABELS["en"])
    segments: list[list[str]] = []
    for turn in turns:
        if segments and segments[-1][0] == turn.speaker:
            segments[-1][1] += "\n" + turn.text
        else:
            segments.append([turn.speaker, turn.text])
    greeting = ""
    if segments and segments[0][0] == Speaker.CHARACTER:
        greeting = segments.pop(0)[1]
    system = _character_prompt(character)
    persona = dialogue.player_persona
    if persona is not None and persona.description:
        system += "\n" + labels["user"].format(name=persona.name, info=persona.description)
    if greeting:
        system += "\n" + labels["greeting"].format(name=character.name, greeting=greeting)
    messages = [{"role": "system", "content": system}]
    for speaker, text in segments:
        messages.append({"role": "assistant" if speaker == Speaker.CHARACTER else "user", "content": text})
    return ChatRequest(messages=messages, settings=dict(dialogue.model_version.generation_settings or {}))


def hm_reply_plan(*, session_id: int, regenerate: bool = False) -> ReplyPlan:
    """What to ask the model: a reply to the player (or the opening line when the character has no
    greeting), or (``regenerate``) a new try at its last reply."""
    session = (
        LiveSession.objects.select_related("model_version", "dialogue__character", "dialogue__player_persona")
        .filter(pk=session_id)
        .first()
    )
    if session is None or not session.character_is_model:
        raise ChatRefused("no_model_seat", _("No model plays in this session."))
    if session.status != LiveSessionStatus.ACTIVE:
        raise ChatRefused("session_ended", _("This chat has ended."))
    dialogue = session.dialogue
    turns = list(Turn.objects.filter(dialogue=dialogue).order_by("seq"))
    replace_seq = None
    if regenerate:
        if not session.allow_regenerate:
            raise ChatRefused("regenerate_off", _("Regenerating the model's reply is off in this chat."))
        if len(turns) < 2 or turns[-1].author_model_id is None:
            raise ChatRefused("nothing_to_regenerate", _("Only the model's last reply can be regenerated."))
        replace_seq = turns[-1].seq
        turns = turns[:-1]
    elif turns and turns[-1].speaker != Speaker.PLAYER:
        raise ChatRefused("not_model_turn", _("The model answers after the player's message."))
    return ReplyPlan(session.pk, dialogue.pk, session.model_version, reply_request(dialogue, turns), replace_seq)


def hm_model_reply_store(*, plan: ReplyPlan, text: str, reply_id: uuid.UUID) -> tuple[Turn, dict | None]:
    """Store the model's finished reply as a new turn, or as the new text of the regenerated turn.

    Returns the turn and, for a new turn, the ``session`` frame after it (to send after the turn).
    """
    text = storable_text(text)
    if not text:
        raise ChatRefused("empty_reply", _("The model produced an empty reply; try regenerating."))
    if plan.replace_seq is None:
        sent = live_model_turn_append(session_id=plan.session_id, text=text, client_msg_id=reply_id)
        return sent.result.turn, sent.session_frame
    with transaction.atomic():
        session = live_model_session_locked(session_id=plan.session_id)
        turn = Turn.objects.get(dialogue_id=plan.dialogue_id, seq=plan.replace_seq)
        if Turn.objects.filter(dialogue_id=plan.dialogue_id, seq__gt=turn.seq).exists():
            raise ChatRefused("conversation_moved_on", _("The conversation has moved on; that reply stays."))
        DiscardedReply.objects.create(
            dialogue_id=plan.dialogue_id, seq=turn.seq, text=turn.text, model_version=plan.model_version
        )
        turn.text = text
        turn.original_text = None  # a fresh reply: nothing of it has been edited
        turn.save(update_fields=["text", "original_text"])
        live_model_activity(session=session)
        return turn, None


@transaction.atomic
def hm_turn_edit(*, session_id: int, seq: object, text: object) -> Turn:
    """The worker corrects a model reply: ``text`` becomes the turn, the model's own text stays in ``original_text``."""
    session = live_model_session_locked(session_id=session_id)
    if not session.allow_edit:
        raise ChatRefused("edit_off", _("Correcting the model's reply is off in this chat."))
    valid_seq = isinstance(seq, int) and not isinstance(seq, bool)
    turn = Turn.objects.filter(dialogue_id=session.dialogue_id, seq=seq if valid_seq else -1).first()
    if turn is None or turn.author_model_id is None:
        raise ChatRefused("not_a_model_turn", _("Only the model's replies can be edited."))
    text = storable_text(text) if isinstance(text, str) else ""
    if not text:
        raise ChatRefused("empty", _("The message is empty."))
    if len(text) > settings.LIVE_MAX_MESSAGE_CHARS * 4:
        raise ChatRefused("too_long", _("The edited reply is too long."))
    if turn.original_text is None:
        turn.original_text = turn.text
    turn.text = text
    turn.save(update_fields=["text", "original_text"])
    live_model_activity(session=session)
    return turn


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


@transaction.atomic
def live_owned_session_open(
    *, worker: User, dialogue: Dialogue, allow_regenerate: bool, min_turns: int
) -> LiveSession:
    """A blind model session on ``dialogue``, opened by another service for its own work (an
    evaluation) and chatting at once: the dialogue's model version holds the character seat, its
    player is ``worker``, the topic is the dialogue's, and the turns already in it (a greeting)
    stand. The worker is never told which model plays and cannot correct its replies; finishing
    unlocks at ``min_turns``; the opener ends it (``sessions.live_owned_session_end``).
    """
    if dialogue.model_version_id is None or dialogue.player_persona_id is None:
        raise ValueError("An owned session needs a dialogue with a model version and a player persona.")
    now = timezone.now()
    session = LiveSession(
        character=dialogue.character,
        player_persona=dialogue.player_persona,
        model_version=dialogue.model_version,
        player_worker=worker,
        dialogue=dialogue,
        status=LiveSessionStatus.ACTIVE,
        join_deadline=now,
        character_joined_at=now,
        started_at=now,
        last_activity_at=now,
        blind=True,
        allow_regenerate=allow_regenerate,
        allow_edit=False,
        min_turns=min_turns,
        ended_by_owner=True,
    )
    session.full_clean()
    session.save()
    return session


def live_model_turn_append(*, session_id: int, text: str, client_msg_id: uuid.UUID) -> LiveSendResult:
    """Store the reply of the model in the character seat (its ``author_model``). Committed on return.

    The human-facing message checks do not apply (the model is not held to typing limits); the
    session must be a model session, chatting, and (strict turn-taking) waiting for the character.
    A repeated ``client_msg_id`` returns the stored turn, so a retried reply is stored once.
    """
    with transaction.atomic():
        session = session_locked(session_id)
        if not session.character_is_model:
            raise LiveRefused("no_model_seat", _("No model plays in this session."))
        ended = LiveRefused("session_ended", _("This session no longer accepts messages."))
        if not session.dialogue_id:
            raise ended
        result = turn_append(
            dialogue_id=session.dialogue_id,
            speaker=Speaker.CHARACTER,
            text=text,
            client_msg_id=client_msg_id,
            author_model=session.model_version,
            closed=ended if session.status != LiveSessionStatus.ACTIVE else None,
            turn_taking=True,
            refusal=LiveRefused,
        )
        if not result.created:
            return LiveSendResult(result, None)
        session.activity_record(timezone.now())
        new_frame = session_frame(session, turns=result.turn.seq, last_speaker=Speaker.CHARACTER)
        deadline = session_next_deadline(session)
        return LiveSendResult(result, new_frame, deadline.timestamp() if deadline else None)


def live_model_activity(*, session: LiveSession) -> None:
    """The worker reworked the model's reply (regenerate, edit): that counts as activity (caller holds the lock)."""
    session.activity_record(timezone.now())


def live_model_session_locked(*, session_id: int) -> LiveSession:
    """Lock a chatting model session (for services that rework the model's turns; the caller is the
    partner held by the consumer of the worker's seat, which checked the worker)."""
    session = session_locked(session_id)
    if not session.character_is_model:
        raise LiveRefused("no_model_seat", _("No model plays in this session."))
    if session.status != LiveSessionStatus.ACTIVE:
        raise LiveRefused("session_ended", _("This session no longer accepts messages."))
    return session
