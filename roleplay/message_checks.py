"""Automatic checks on a live chat message, run before anything is stored.

Each refusal carries a stable ``code`` for the client and a human sentence. The limits are the
``LIVE_*`` settings; a limit of 0 switches its check off.
"""

import re
from collections.abc import Sequence

from django.conf import settings
from django.utils.translation import gettext as _

from platform_core.errors import Refused
from platform_core.privacy.checks import PERSONAL_DATA, refusal_message, refused_kinds_in
from roleplay.character_fields import PROFILE_FIELDS
from roleplay.models import Character

_SPACE = re.compile(r"\s+")
# NUL cannot be stored in PostgreSQL text, lone surrogates cannot be encoded as UTF-8, and the other
# C0 controls (tab, newline and carriage return aside) are invisible noise in a chat line.
_UNSTORABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def drop_unstorable(text: str) -> str:
    """``text`` without the characters a turn cannot hold (for streamed pieces of a reply)."""
    return _UNSTORABLE.sub("", text)


def storable_text(text: str) -> str:
    """``text`` without the characters a turn cannot hold, stripped: for human and model text alike."""
    return drop_unstorable(text).strip()


class MessageRefused(Refused):
    """A message that fails an automatic check; ``kinds``: the contact details that refused it."""

    def __init__(self, code: str, message: str, kinds: Sequence[str] = ()) -> None:
        super().__init__(code, message)
        self.kinds = list(kinds)


def _normalise(text: str) -> str:
    return _SPACE.sub(" ", text).strip().casefold()


def character_profile_text(character: Character) -> str:
    """Everything the character side sees of the profile, normalised for verbatim-copy checks."""
    parts: list[str] = []
    for field in PROFILE_FIELDS:
        value = getattr(character, field)
        parts.extend(value if isinstance(value, list) else [value])
    parts.extend(prompt.text for prompt in character.prompts.all())
    return "\n".join(_normalise(part) for part in parts if part)


def copies_profile(text: str, profile: str, min_chars: int) -> bool:
    """True when ``text`` contains a run of ``min_chars`` characters found verbatim in ``profile``."""
    normalised = _normalise(text)
    if min_chars <= 0 or len(normalised) < min_chars:
        return False
    # Every window: a message is at most LIVE_MAX_MESSAGE_CHARS long, so this stays cheap.
    return any(normalised[i : i + min_chars] in profile for i in range(len(normalised) - min_chars + 1))


def message_check(*, text: object, own_recent_texts: Sequence[str], profile: str = "") -> str:
    """Return the message to store (stripped) or raise ``MessageRefused``."""
    if not isinstance(text, str) or not storable_text(text):
        raise MessageRefused("empty", _("The message is empty."))
    text = storable_text(text)
    limit = settings.LIVE_MAX_MESSAGE_CHARS
    if limit and len(text) > limit:
        raise MessageRefused(
            "too_long",
            _("The message is %(length)d characters long; the limit is %(limit)d.")
            % {"length": len(text), "limit": limit},
        )
    window = settings.LIVE_REPEAT_WINDOW
    if window and _normalise(text) in {_normalise(previous) for previous in list(own_recent_texts)[-window:]}:
        raise MessageRefused("repeated", _("You already sent this message; please write something new."))
    if profile and copies_profile(text, profile, settings.LIVE_PROFILE_COPY_MIN_CHARS):
        raise MessageRefused(
            "copies_profile", _("Please say it in your own words instead of copying the character profile.")
        )
    kinds = refused_kinds_in(text)
    if kinds:
        raise MessageRefused(PERSONAL_DATA, refusal_message(kinds), kinds)
    return text
