"""The one check of text at the edges: NUL and lone surrogates are refused, never stored or cleaned.

PostgreSQL cannot store NUL in text, and UTF-8 cannot encode a lone surrogate (U+D800–U+DFFF), so
either one would fail deep inside a write with a 500. Every edge calls this module instead: the
request middleware (query strings, paths, form fields), the API's JSON parser (every string and key
of a body, nested ones included), model and form fields (``no_forbidden_characters``), uploads and
imports (``forbidden_character_error`` on decoded text). ``SettingMaxLength`` bounds a text field by
a setting (docs/operations.md, "Input limits"). Text people type for the live chat is also
normalised by its own rule (docs/text-normalisation.md); this check is the floor under every input.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import BaseValidator
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

_FORBIDDEN = re.compile("[\x00\ud800-\udfff]")
MAX_JSON_DEPTH = 32


def forbidden_character_error(text: str) -> str | None:
    """Why ``text`` is refused (the first forbidden character and its offset), or None when it is fine."""
    match = _FORBIDDEN.search(text)
    if match is None:
        return None
    if match.group() == "\x00":
        return _("contains a NUL character (U+0000) at position %(position)d.") % {"position": match.start()}
    return _("contains a lone surrogate (U+%(code)04X) at position %(position)d, which is not valid Unicode.") % {
        "code": ord(match.group()),
        "position": match.start(),
    }


def no_forbidden_characters(value: Any) -> None:
    """Django validator for model and form fields."""
    if isinstance(value, str) and (reason := forbidden_character_error(value)):
        raise ValidationError(_("This text %(reason)s") % {"reason": reason}, code="forbidden_character")


def forbidden_in_data(data: Any, path: str = "") -> tuple[str, str] | None:
    """The first string or key in nested JSON-like ``data`` that is refused: (its path, the reason).

    Nesting deeper than ``MAX_JSON_DEPTH`` is refused too."""
    for where, text in _strings(data, path, 0):
        if text is None:
            return where, _("is nested more than %(depth)d levels deep.") % {"depth": MAX_JSON_DEPTH}
        if reason := forbidden_character_error(text):
            return where, reason
    return None


def _strings(data: Any, path: str, depth: int) -> Iterator[tuple[str, str | None]]:
    if depth > MAX_JSON_DEPTH:
        yield path, None
        return
    if isinstance(data, str):
        yield path, data
    elif isinstance(data, dict):
        for key, value in data.items():
            where = f"{path}.{key}" if path else str(key)
            if isinstance(key, str):
                yield where, key
            yield from _strings(value, where, depth + 1)
    elif isinstance(data, list | tuple):
        for index, value in enumerate(data):
            yield from _strings(value, f"{path}[{index}]", depth + 1)


@deconstructible
class SettingMaxLength(BaseValidator):
    """At most ``settings.<setting_name>`` characters, read when validating (so the environment sets
    it and migrations record the setting's name, not a number)."""

    message = _lazy("Ensure this value has at most %(limit_value)d characters (it has %(show_value)d).")
    code = "max_length"

    def __init__(self, setting_name: str) -> None:
        self.setting_name = setting_name
        super().__init__(lambda: getattr(settings, setting_name))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SettingMaxLength) and other.setting_name == self.setting_name

    def __hash__(self) -> int:
        return hash(self.setting_name)

    def compare(self, value: int, limit: int) -> bool:
        return value > limit

    def clean(self, value: Any) -> int:
        return len(value)


def upload_size_error(size: int) -> str | None:
    """Why an upload of ``size`` bytes is refused (over ``UPLOAD_MAX_BYTES``), or None."""
    if size <= settings.UPLOAD_MAX_BYTES:
        return None
    return _("The file is %(size)s; the limit is %(limit)s.") % {
        "size": _megabytes(size),
        "limit": _megabytes(settings.UPLOAD_MAX_BYTES),
    }


def upload_size_validator(uploaded: Any) -> None:
    """Form-field validator: refuses a file over ``UPLOAD_MAX_BYTES`` before it is read."""
    if reason := upload_size_error(uploaded.size):
        raise ValidationError(reason, code="file_too_large")


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"
