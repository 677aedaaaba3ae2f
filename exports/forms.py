from django import forms
from django.utils.translation import gettext_lazy as _

from exports.models import ExportSpec
from exports.services import SPEC_FIELDS
from roleplay.models import CharacterCategory, DialogueSource, DialogueStatus, Language, PromptKind


def _choices_field(label, choices, initial=None, help_text=""):
    return forms.MultipleChoiceField(
        label=label,
        choices=choices,
        required=False,
        initial=initial or [],
        widget=forms.CheckboxSelectMultiple,
        help_text=help_text,
    )


class ExportSpecForm(forms.ModelForm):
    """The spec form; the service validates it again (the same rules as YAML and the API)."""

    sources = _choices_field(_("Sources"), DialogueSource.choices, help_text=_("None ticked: all sources."))
    categories = _choices_field(_("Character categories"), CharacterCategory.choices, help_text=_("None ticked: all."))
    languages = _choices_field(_("Languages"), Language.choices, help_text=_("None ticked: all."))
    statuses = _choices_field(_("Dialogue statuses"), DialogueStatus.choices, initial=[DialogueStatus.ACCEPTED])
    prompt_variants = _choices_field(_("Character prompt variants"), PromptKind.choices, initial=[PromptKind.PROFILE])

    class Meta:
        model = ExportSpec
        fields = list(SPEC_FIELDS)
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "date_from": forms.DateInput(attrs={"type": "date"}),
            "date_to": forms.DateInput(attrs={"type": "date"}),
        }
