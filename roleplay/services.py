"""Writes to the corpus. Each function is one transaction and validates before it stores."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from platform_core.errors import Refused
from platform_core.models import User
from roleplay.character_fields import CHARACTER_FIELDS
from roleplay.models import (
    Character,
    CharacterPrompt,
    Dialogue,
    DialogueStatus,
    PlayerPersona,
    PromptKind,
    ReviewStatus,
    Speaker,
    Turn,
)
from roleplay.prompting import profile_text
from roleplay.turn_rule import TurnRefused, turn_admit

if TYPE_CHECKING:
    from training.models import ModelVersion

CHARACTER_EDITABLE_FIELDS = (*CHARACTER_FIELDS, "source")


def _apply(character: Character, fields: dict[str, Any]) -> None:
    unknown = set(fields) - set(CHARACTER_EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Unknown character fields: {', '.join(sorted(unknown))}")
    for name, value in fields.items():
        setattr(character, name, value)


def _sync_profile_prompt(character: Character) -> CharacterPrompt:
    prompt, _ = CharacterPrompt.objects.update_or_create(
        character=character,
        kind=PromptKind.PROFILE,
        defaults={"text": profile_text(character), "review_status": ReviewStatus.ACCEPTED},
    )
    return prompt


@transaction.atomic
def character_create(*, author: User | None, **fields: Any) -> Character:
    """Validate and store a character, with its ``profile`` prompt rendered from the fields.

    Raises ``django.core.exceptions.ValidationError`` with field-level messages on bad input.
    """
    character = Character(author=author)
    _apply(character, fields)
    character.full_clean()
    character.save()
    _sync_profile_prompt(character)
    return character


@transaction.atomic
def character_update(*, character: Character, **fields: Any) -> Character:
    _apply(character, fields)
    character.full_clean()
    character.save()
    _sync_profile_prompt(character)
    return character


PERSONA_EDITABLE_FIELDS = ("name", "description", "language")


def persona_create(
    *, author: User | None, name: str, description: str = "", language: str = "zh-hans"
) -> PlayerPersona:
    persona = PlayerPersona(author=author, name=name, description=description, language=language)
    persona.full_clean()
    persona.save()
    return persona


_PSEUDONYM_PREFIX = {"zh-hans": "玩家", "en": "Player "}


def persona_create_pseudonymous(*, author: User | None, language: str) -> PlayerPersona:
    """A persona with a generated name (``Player 3F9A``, ``玩家3F9A``), never the worker's own name.

    Personas are pseudonymous unless the worker chooses a name: whatever the platform makes on a
    worker's behalf goes into dialogues and exports (CharacterGLM's ``user_name``).
    """
    name = _PSEUDONYM_PREFIX.get(language, "Player ") + secrets.token_hex(2).upper()
    return persona_create(author=author, name=name, language=language)


def persona_update(*, persona: PlayerPersona, **fields: Any) -> PlayerPersona:
    """Validate and store changes to a persona (raises ``ValidationError`` with field messages)."""
    unknown = set(fields) - set(PERSONA_EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Unknown persona fields: {', '.join(sorted(unknown))}")
    for name, value in fields.items():
        setattr(persona, name, value)
    persona.full_clean()
    persona.save()
    return persona


def persona_delete(*, persona: PlayerPersona) -> None:
    persona.delete()


@transaction.atomic
def dialogue_create(*, character: Character, source: str, **fields: Any) -> Dialogue:
    fields.setdefault("language", character.language)
    dialogue = Dialogue(character=character, source=source, **fields)
    dialogue.full_clean()
    dialogue.save()
    return dialogue


@dataclass(frozen=True)
class TurnAppendResult:
    turn: Turn
    created: bool  # False when the client message id was already stored (an idempotent repeat)


def turn_append(
    *,
    dialogue_id: int,
    speaker: str,
    text: str,
    client_msg_id: uuid.UUID | None = None,
    author_user: User | None = None,
    author_model: ModelVersion | None = None,
    original_text: str | None = None,
    closed: Refused | None = None,
    turn_taking: bool = False,
    refusal: type[Refused] = TurnRefused,
) -> TurnAppendResult:
    """Append a turn with the next sequence number; a repeated ``client_msg_id`` returns the stored turn.

    The dialogue row is locked so that concurrent appends from several processes serialise. The
    decision is ``roleplay.turn_rule.turn_admit``; ``closed``, ``turn_taking`` and ``refusal`` are
    passed to it (the model seat refuses when its session has ended, and takes turns).
    """
    if speaker not in Speaker.values:
        raise TurnRefused("bad_speaker", f"Unknown speaker {speaker!r}.")
    if not text or not text.strip():
        raise TurnRefused("empty", "The message is empty.")
    try:
        with transaction.atomic():
            dialogue = Dialogue.objects.select_for_update().get(pk=dialogue_id)
            existing = (
                Turn.objects.filter(dialogue=dialogue, client_msg_id=client_msg_id).first()
                if client_msg_id is not None
                else None
            )
            if closed is None and dialogue.status != DialogueStatus.COLLECTING:
                closed = TurnRefused("dialogue_closed", "This dialogue no longer accepts messages.")
            seq = turn_admit(
                speaker=speaker,
                stored_speaker=existing.speaker if existing is not None else None,
                last=Turn.objects.filter(dialogue=dialogue).order_by("-seq").values_list("seq", "speaker").first(),
                closed=closed,
                turn_taking=turn_taking,
                refusal=refusal,
            )
            if seq is None:
                return TurnAppendResult(existing, created=False)
            turn = Turn.objects.create(
                dialogue=dialogue,
                seq=seq,
                speaker=speaker,
                text=text,
                original_text=original_text,
                client_msg_id=client_msg_id,
                author_user=author_user,
                author_model=author_model,
            )
            return TurnAppendResult(turn, created=True)
    except IntegrityError:
        # A concurrent append with the same client id won the race: report the stored one.
        if client_msg_id is not None:
            existing = Turn.objects.filter(dialogue_id=dialogue_id, client_msg_id=client_msg_id).first()
            if existing is not None:
                turn_admit(speaker=speaker, stored_speaker=existing.speaker, last=None, refusal=refusal)
                return TurnAppendResult(existing, created=False)
        raise


@transaction.atomic
def dialogue_set_status(
    *, dialogue: Dialogue, status: str, note: str = "", quality_rating: float | None = None
) -> Dialogue:
    if status not in DialogueStatus.values:
        raise ValueError(f"Unknown dialogue status {status!r}.")
    dialogue.status = status
    now = timezone.now()
    if status == DialogueStatus.SUBMITTED:
        dialogue.submitted_at = now
    if status in (DialogueStatus.ACCEPTED, DialogueStatus.REJECTED):
        dialogue.reviewed_at = now
        dialogue.review_note = note
    if quality_rating is not None:
        dialogue.quality_rating = quality_rating
    dialogue.full_clean()
    dialogue.save()
    return dialogue
