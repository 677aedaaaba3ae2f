"""The one check of text at the edges: NUL and lone surrogates are refused, never stored or cleaned.

PostgreSQL cannot store NUL in text, and UTF-8 cannot encode a lone surrogate (U+D800–U+DFFF), so
either one would fail deep inside a write with a 500. Every edge calls this module instead: the
request middleware (query strings, paths, form fields), the API's JSON parser (every string and key
of a body, nested ones included), model and form fields (``no_forbidden_characters``), uploads and
imports (``forbidden_character_error`` on decoded text). Text people type for the live chat is also
normalised by its own rule (docs/text-normalisation.md); this check is the floor under every input.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

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
