"""Strict parsing of LLM output and of JSONL imports into character and dialogue records.

Nothing here writes to the database; ``annotation.services`` stores what these functions accept.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError

from platform_core.validation import forbidden_in_data
from roleplay.models import (
    ATTRIBUTE_FIELDS,
    Character,
    CharacterCategory,
    CharacterSource,
    Language,
    Speaker,
)

LIST_FIELDS = ("catchphrases", "frequent_phrases")
TEXT_FIELDS = (*ATTRIBUTE_FIELDS, "dialect", "stylistic_features", "personality", "greeting")
_FENCE = re.compile(r"^\s*```(?:json)?\s*\n(.*)\n\s*```\s*$", re.DOTALL)


class OutputRejected(ValueError):
    """The model's output (or an imported record) does not have the required shape."""

    def __init__(self, field_path: str, message: str) -> None:
        super().__init__(f"{field_path}: {message}" if field_path else message)
        self.field = field_path
        self.message = message


def load_json_object(text: str) -> dict[str, Any]:
    """One JSON object, optionally inside a single ```json fence (models add them unasked)."""
    fenced = _FENCE.match(text)
    body = fenced.group(1) if fenced else text
    try:
        value = json.loads(body)
    except json.JSONDecodeError as error:
        raise OutputRejected("", f"not valid JSON ({error.msg} at line {error.lineno} column {error.colno})") from None
    if not isinstance(value, dict):
        raise OutputRejected("", "expected a JSON object")
    return value


def _text(data: dict, key: str, path: str, *, required: bool = False, max_length: int | None = None) -> str:
    value = data.get(key)
    if value is None:
        if required:
            raise OutputRejected(path + key, "is required")
        return ""
    if not isinstance(value, str):
        raise OutputRejected(path + key, "must be a string")
    value = value.strip()
    if required and not value:
        raise OutputRejected(path + key, "must not be empty")
    if max_length and len(value) > max_length:
        raise OutputRejected(path + key, f"is longer than {max_length} characters")
    return value


def character_fields(
    data: Any, *, category: str | None = None, language: str | None = None, path: str = ""
) -> dict[str, Any]:
    """The ``character_create`` keyword arguments for a profile object, or ``OutputRejected``."""
    if not isinstance(data, dict):
        raise OutputRejected(path.rstrip("."), "must be an object")
    fields: dict[str, Any] = {"name": _text(data, "name", path, required=True, max_length=100)}
    if category is None:
        category = _text(data, "category", path, required=True)
        if category not in CharacterCategory.values:
            raise OutputRejected(path + "category", f"must be one of {', '.join(CharacterCategory.values)}")
    if language is None:
        language = _text(data, "language", path, required=True)
        if language not in Language.values:
            raise OutputRejected(path + "language", f"must be one of {', '.join(Language.values)}")
    fields["category"] = category
    fields["language"] = language
    for key in TEXT_FIELDS:
        fields[key] = _text(data, key, path, max_length=100 if key == "dialect" else None)
    for key in LIST_FIELDS:
        value = data.get(key, [])
        if isinstance(value, str):
            value = [value] if value.strip() else []
        if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
            raise OutputRejected(path + key, "must be a list of non-empty strings")
        fields[key] = [item.strip() for item in value]
    if not any(fields[key] for key in ATTRIBUTE_FIELDS):
        raise OutputRejected(path + "identity", "fill in at least one attribute, starting with identity")
    fields["source"] = CharacterSource.LLM_SYNTHESIS
    # The model's own validation, so that a stored character never fails full_clean later.
    try:
        Character(**fields).full_clean()
    except ValidationError as error:
        name, messages = next(iter(error.message_dict.items()))
        raise OutputRejected(path + name, "; ".join(messages)) from None
    return fields


@dataclass
class DialogueDraft:
    topic: str
    player_name: str
    player_description: str
    turns: list[tuple[str, str]] = field(default_factory=list)  # (speaker, text)


def dialogue_draft(data: Any, *, path: str = "", min_turns: int = 2, max_turns: int = 200) -> DialogueDraft:
    if not isinstance(data, dict):
        raise OutputRejected(path.rstrip("."), "must be an object")
    topic = _text(data, "topic", path, max_length=200)
    player = data.get("player") or {}
    if not isinstance(player, dict):
        raise OutputRejected(path + "player", "must be an object with name and description")
    player_name = _text(player, "name", path + "player.", max_length=100) or "Player"
    player_description = _text(player, "description", path + "player.")
    turns = data.get("turns")
    if not isinstance(turns, list):
        raise OutputRejected(path + "turns", "is required and must be a list")
    if not min_turns <= len(turns) <= max_turns:
        raise OutputRejected(path + "turns", f"must hold between {min_turns} and {max_turns} turns, not {len(turns)}")
    parsed = []
    for number, turn in enumerate(turns):
        where = f"{path}turns[{number}]"
        if not isinstance(turn, dict):
            raise OutputRejected(where, "must be an object with speaker and text")
        speaker = turn.get("speaker")
        if speaker not in Speaker.values:
            raise OutputRejected(where + ".speaker", f"must be one of {', '.join(Speaker.values)}")
        text = _text(turn, "text", where + ".", required=True)
        parsed.append((speaker, text))
    if {speaker for speaker, _ in parsed} != set(Speaker.values):
        raise OutputRejected(path + "turns", "both the character and the player must speak")
    return DialogueDraft(topic=topic, player_name=player_name, player_description=player_description, turns=parsed)


@dataclass
class ImportRecord:
    line: int
    character: dict[str, Any]
    dialogue: DialogueDraft


@dataclass
class ImportError_:
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", field {self.field}" if self.field else "")
        return f"{where}: {self.message}"


def parse_jsonl(lines: list[str] | str) -> tuple[list[ImportRecord], list[ImportError_]]:
    """Validate every line; the caller imports only when the error list is empty.

    Each non-blank line is ``{"character": {name, category, language, identity, ...},
    "topic": str, "player": {name, description}, "turns": [{speaker, text}, ...]}``.
    """
    if isinstance(lines, str):
        lines = lines.splitlines()
    records: list[ImportRecord] = []
    errors: list[ImportError_] = []
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as error:
            errors.append(ImportError_(number, "", f"not valid JSON ({error.msg} at column {error.colno})"))
            continue
        except RecursionError:
            errors.append(ImportError_(number, "", "not valid JSON (nested too deeply)"))
            continue
        if not isinstance(data, dict):
            errors.append(ImportError_(number, "", "expected a JSON object"))
            continue
        if refused := forbidden_in_data(data):
            errors.append(ImportError_(number, refused[0], f"this text {refused[1]}"))
            continue
        try:
            character = character_fields(data.get("character"), path="character.")
            dialogue = dialogue_draft(data)
        except OutputRejected as error:
            errors.append(ImportError_(number, error.field, error.message))
            continue
        records.append(ImportRecord(number, character, dialogue))
    if not records and not errors:
        errors.append(ImportError_(0, "", "the file holds no records"))
    return records, errors
