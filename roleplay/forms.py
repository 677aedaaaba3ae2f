from django import forms
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from roleplay.character_fields import CHARACTER_FIELDS
from roleplay.models import Character


class PhraseListField(forms.CharField):
    """One phrase per line in the form; a list of phrases in the model."""

    widget = forms.Textarea(attrs={"rows": 2})

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        text = super().to_python(value) or ""
        return [line.strip() for line in text.splitlines() if line.strip()]


class CharacterForm(forms.ModelForm):
    catchphrases = PhraseListField(label=_("catchphrases"), required=False, help_text=_("One per line."))
    frequent_phrases = PhraseListField(
        label=_("frequent words and sentences"), required=False, help_text=_("One per line.")
    )

    class Meta:
        model = Character
        fields = list(CHARACTER_FIELDS)
        widgets = {
            name: forms.Textarea(attrs={"rows": 2, "maxlength": settings.CHARACTER_TEXT_MAX_CHARS})
            for name in CHARACTER_FIELDS
            if isinstance(Character._meta.get_field(name), models.TextField)
        }
