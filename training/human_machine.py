"""Human–machine collection rounds: services behind the chat where a deep user talks to the deployed model.

The worker plays the player; the active deployment's model plays the character (see
``training.partner.ModelPartner``). Dialogues are ``Dialogue(source=human_machine,
model_version=…)``; the model's turns carry ``author_model``. A worker may regenerate the model's
last reply (the discarded text is kept in ``DiscardedReply``) or edit it (``Turn.original_text``
keeps the model's text, ``Turn.text`` the worker's correction), and rates the session at the end.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from platform_core.errors import Refused
from platform_core.models import User
from roleplay.live_services import turn_frame as live_turn_frame
from roleplay.message_checks import MessageRefused, message_check
from roleplay.models import (
    Character,
    Dialogue,
    DialogueSource,
    DialogueStatus,
    PlayerPersona,
    PromptKind,
    ReviewStatus,
    Speaker,
    Turn,
)
from roleplay.prompting import profile_text
from roleplay.services import TurnAppendResult, TurnRefused, dialogue_create, persona_create, turn_append
from training.inference import ChatRequest
from training.models import DiscardedReply, ModelVersion
from training.selectors import active_deployment, active_model_version

# The same system-message layout the exports write into messages.jsonl (exports.services), so the
# model sees at inference what it was trained on.
_SYSTEM_LABELS = {
    "zh-hans": {"user": "关于{name}的信息：{info}", "greeting": "{name}的开场白：{greeting}"},
    "en": {"user": "About {name}: {info}", "greeting": "{name} opens the conversation with: {greeting}"},
}


class ChatRefused(Refused):
    """A human–machine chat action that may not happen."""


def turn_frame(turn: Turn) -> dict:
    """The ``turn`` frame of docs/chat-protocol.md, plus whether the worker edited the model's text."""
    return {
        **live_turn_frame(turn),
        "model": turn.author_model_id is not None,
        "edited": turn.original_text is not None,
    }


def session_frame(dialogue: Dialogue) -> dict:
    last = Turn.objects.filter(dialogue=dialogue).order_by("-seq").first()
    return {
        "type": "session",
        "session_id": dialogue.pk,
        "status": "active" if dialogue.status == DialogueStatus.COLLECTING else "finished",
        "turns": last.seq if last else 0,
        "next_speaker": Speaker.CHARACTER if last is None or last.speaker == Speaker.PLAYER else Speaker.PLAYER,
        "model_version": dialogue.model_version.name if dialogue.model_version_id else None,
        "open": dialogue.status == DialogueStatus.COLLECTING,
    }


def _persona_for(worker: User, language: str) -> PlayerPersona:
    persona = PlayerPersona.objects.filter(author=worker, language=language).order_by("id").first()
    if persona is None:
        name = getattr(getattr(worker, "profile", None), "display_name", "") or worker.username
        persona = persona_create(author=worker, name=name, language=language)
    return persona


@transaction.atomic
def hm_dialogue_start(*, worker: User, character: Character) -> Dialogue:
    """Open a human–machine dialogue with the deployed model in the character's seat."""
    deployment = active_deployment()
    if deployment is None:
        raise ChatRefused("no_model_deployed", _("No model is deployed for human–machine chat yet."))
    version = deployment.model_version
    dialogue = dialogue_create(
        character=character,
        source=DialogueSource.HUMAN_MACHINE,
        model_version=version,
        player_persona=_persona_for(worker, character.language),
        player_worker=worker,
        creator=worker,
    )
    if character.greeting.strip():
        turn_append(
            dialogue_id=dialogue.pk,
            speaker=Speaker.CHARACTER,
            text=character.greeting.strip(),
            author_model=version,
        )
    return dialogue


def hm_dialogue_for(*, dialogue_id: int, worker: User) -> Dialogue:
    dialogue = (
        Dialogue.objects.select_related("model_version", "character", "player_persona")
        .filter(pk=dialogue_id, source=DialogueSource.HUMAN_MACHINE, player_worker=worker)
        .first()
    )
    if dialogue is None:
        raise ChatRefused("not_your_session", _("This chat does not exist or is not yours."))
    return dialogue


def hm_turns_since(*, dialogue_id: int, worker: User, last_seq: object = 0) -> list[dict]:
    dialogue = hm_dialogue_for(dialogue_id=dialogue_id, worker=worker)
    after = last_seq if isinstance(last_seq, int) and not isinstance(last_seq, bool) else 0
    return [turn_frame(t) for t in Turn.objects.filter(dialogue=dialogue, seq__gt=after).order_by("seq")]


def hm_session_frame(*, dialogue_id: int, worker: User) -> dict:
    return session_frame(hm_dialogue_for(dialogue_id=dialogue_id, worker=worker))


def _client_msg_id(value: object) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        raise ChatRefused("bad_client_msg_id", _("Every message needs a client_msg_id that is a UUID.")) from None


def hm_message_send(*, dialogue_id: int, worker: User, client_msg_id: object, text: object) -> TurnAppendResult:
    """Store the worker's (player's) message; a repeated ``client_msg_id`` returns the stored turn."""
    msg_id = _client_msg_id(client_msg_id)
    with transaction.atomic():
        dialogue = hm_dialogue_for(dialogue_id=dialogue_id, worker=worker)
        Dialogue.objects.select_for_update().filter(pk=dialogue.pk).first()
        existing = Turn.objects.filter(dialogue=dialogue, client_msg_id=msg_id).first()
        if existing is not None:
            return TurnAppendResult(existing, created=False)
        if dialogue.status != DialogueStatus.COLLECTING:
            raise ChatRefused("session_ended", _("This chat has ended."))
        recent = list(
            Turn.objects.filter(dialogue=dialogue)
            .order_by("-seq")
            .values_list("speaker", "text")[: 2 * max(1, settings.LIVE_REPEAT_WINDOW) + 1]
        )
        if recent and recent[0][0] == Speaker.PLAYER:
            raise ChatRefused("not_your_turn", _("Wait for the character's reply."))
        try:
            clean = message_check(
                text=text, own_recent_texts=[t for s, t in reversed(recent) if s == Speaker.PLAYER], profile=""
            )
        except MessageRefused as refused:
            raise ChatRefused(refused.code, refused.message) from None
        try:
            return turn_append(
                dialogue_id=dialogue.pk, speaker=Speaker.PLAYER, text=clean, client_msg_id=msg_id, author_user=worker
            )
        except TurnRefused as refused:
            raise ChatRefused(refused.code, refused.message) from None


@dataclass(frozen=True)
class ReplyPlan:
    """What the model is asked: the request, the model version, and which turn the reply fills."""

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
    version = dialogue.model_version or active_model_version()
    return ChatRequest(messages=messages, settings=dict(version.generation_settings or {}))


def hm_reply_plan(*, dialogue_id: int, regenerate: bool = False, worker: User | None = None) -> ReplyPlan:
    """What to ask the model: a reply to the player's last message, or (``regenerate``) a new try at the last reply."""
    dialogue = (
        hm_dialogue_for(dialogue_id=dialogue_id, worker=worker)
        if worker is not None
        else Dialogue.objects.select_related("model_version", "character", "player_persona").get(pk=dialogue_id)
    )
    if dialogue.status != DialogueStatus.COLLECTING:
        raise ChatRefused("session_ended", _("This chat has ended."))
    turns = list(Turn.objects.filter(dialogue=dialogue).order_by("seq"))
    replace_seq = None
    if regenerate:
        if not turns or turns[-1].author_model_id is None or len(turns) < 2:
            raise ChatRefused("nothing_to_regenerate", _("Only the model's last reply can be regenerated."))
        replace_seq = turns[-1].seq
        turns = turns[:-1]
    elif not turns or turns[-1].speaker != Speaker.PLAYER:
        raise ChatRefused("not_model_turn", _("The model answers after the player's message."))
    # A live role-play session that seats the model has no model on its dialogue: use the deployed one.
    version = dialogue.model_version or active_model_version()
    if version is None:
        raise ChatRefused("no_model_deployed", _("No model is deployed for human–machine chat yet."))
    return ReplyPlan(dialogue.pk, version, reply_request(dialogue, turns), replace_seq)


@transaction.atomic
def hm_model_reply_store(*, plan: ReplyPlan, text: str, reply_id: uuid.UUID) -> Turn:
    """Store the model's finished reply as a new turn, or as the new text of the regenerated turn."""
    text = text.strip()
    if not text:
        raise ChatRefused("empty_reply", _("The model produced an empty reply; try regenerating."))
    if plan.replace_seq is None:
        try:
            result = turn_append(
                dialogue_id=plan.dialogue_id,
                speaker=Speaker.CHARACTER,
                text=text,
                client_msg_id=reply_id,
                author_model=plan.model_version,
            )
        except TurnRefused as refused:
            raise ChatRefused(refused.code, refused.message) from None
        return result.turn
    Dialogue.objects.select_for_update().filter(pk=plan.dialogue_id).first()
    turn = Turn.objects.get(dialogue_id=plan.dialogue_id, seq=plan.replace_seq)
    if Turn.objects.filter(dialogue_id=plan.dialogue_id, seq__gt=turn.seq).exists():
        raise ChatRefused("conversation_moved_on", _("The conversation has moved on; that reply stays."))
    DiscardedReply.objects.create(
        dialogue_id=plan.dialogue_id, seq=turn.seq, text=turn.text, model_version=plan.model_version
    )
    turn.text = text
    turn.original_text = None  # a fresh reply: nothing of it has been edited
    turn.save(update_fields=["text", "original_text"])
    return turn


@transaction.atomic
def hm_turn_edit(*, dialogue_id: int, worker: User, seq: object, text: object) -> Turn:
    """The worker corrects the model's reply: ``text`` becomes the turn, the model's own text stays in ``original_text``."""
    dialogue = hm_dialogue_for(dialogue_id=dialogue_id, worker=worker)
    Dialogue.objects.select_for_update().filter(pk=dialogue.pk).first()
    if dialogue.status != DialogueStatus.COLLECTING:
        raise ChatRefused("session_ended", _("This chat has ended."))
    turn = Turn.objects.filter(dialogue=dialogue, seq=seq if isinstance(seq, int) else -1).first()
    if turn is None or turn.author_model_id is None:
        raise ChatRefused("not_a_model_turn", _("Only the model's replies can be edited."))
    if not isinstance(text, str) or not text.strip():
        raise ChatRefused("empty", _("The message is empty."))
    if len(text) > settings.LIVE_MAX_MESSAGE_CHARS * 4:
        raise ChatRefused("too_long", _("The edited reply is too long."))
    if turn.original_text is None:
        turn.original_text = turn.text
    turn.text = text.strip()
    turn.save(update_fields=["text", "original_text"])
    return turn


@transaction.atomic
def hm_finish(*, dialogue_id: int, worker: User, rating: object) -> Dialogue:
    """End the chat with a 1–5 rating of the model's character play; the dialogue goes to review."""
    dialogue = hm_dialogue_for(dialogue_id=dialogue_id, worker=worker)
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise ChatRefused("bad_rating", _("Rate the character with a whole number from 1 to 5."))
    if dialogue.status != DialogueStatus.COLLECTING:
        raise ChatRefused("session_ended", _("This chat has ended."))
    if not Turn.objects.filter(dialogue=dialogue, author_model__isnull=False, seq__gt=1).exists():
        raise ChatRefused("too_short", _("Chat with the character before finishing."))
    dialogue.character_side_rating = rating
    dialogue.status = DialogueStatus.SUBMITTED
    dialogue.submitted_at = timezone.now()
    dialogue.full_clean()
    dialogue.save(update_fields=["character_side_rating", "status", "submitted_at", "updated_at"])
    return dialogue
