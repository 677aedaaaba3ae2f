"""Validators of the corpus models' fields; the limits are settings (docs/operations.md, "Input limits")."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from platform_core.validation import SettingMaxLength


def phrase_list(value: object) -> None:
    """A list of non-empty phrases, at most CHARACTER_PHRASES_MAX of at most CHARACTER_PHRASE_MAX_CHARS each."""
    if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
        raise ValidationError(_("Enter a list of non-empty phrases."), code="invalid_list")
    if len(value) > settings.CHARACTER_PHRASES_MAX:
        raise ValidationError(
            _("Give at most %(limit)d phrases.") % {"limit": settings.CHARACTER_PHRASES_MAX}, code="max_items"
        )
    if any(len(item) > settings.CHARACTER_PHRASE_MAX_CHARS for item in value):
        raise ValidationError(
            _("Each phrase has at most %(limit)d characters.") % {"limit": settings.CHARACTER_PHRASE_MAX_CHARS},
            code="max_length",
        )


# Every profile text field, and a persona's description: at most CHARACTER_TEXT_MAX_CHARS characters.
PROFILE_TEXT_LIMIT = SettingMaxLength("CHARACTER_TEXT_MAX_CHARS")
PROMPT_TEXT_LIMIT = SettingMaxLength("PROMPT_TEXT_MAX_CHARS")
