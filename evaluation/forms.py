import json

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from evaluation.definitions import default_dimensions, validate_dimensions
from evaluation.models import Mode
from roleplay.models import Character, CharacterCategory, Language, Topic
from training.models import ModelVersion


class CampaignForm(forms.Form):
    slug = forms.SlugField(label=_("Name"), max_length=60, help_text=_("Short name used in commands and URLs."))
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), max_length=4000, required=False, widget=forms.Textarea)
    contestants = forms.ModelMultipleChoiceField(
        label=_("Contestants"),
        queryset=ModelVersion.objects.order_by("name"),
        help_text=_("Trained versions or reference models on an OpenAI-compatible endpoint."),
    )
    characters = forms.ModelMultipleChoiceField(
        label=_("Characters"), queryset=Character.objects.order_by("category", "name"), required=False
    )
    draw_per_category = forms.IntegerField(
        label=_("Also draw this many characters per category"), min_value=0, max_value=50, initial=0
    )
    modes = forms.MultipleChoiceField(
        label=_("Modes"),
        choices=Mode.choices,
        initial=[Mode.POINTWISE, Mode.PAIRWISE],
        widget=forms.CheckboxSelectMultiple,
    )
    topics = forms.MultipleChoiceField(
        label=_("Topics"),
        choices=Topic.choices,
        initial=[Topic.CHIT_CHAT, Topic.INTERVIEW, Topic.LOVE],
        widget=forms.CheckboxSelectMultiple,
    )
    min_turns = forms.IntegerField(label=_("Minimum turns"), min_value=1, max_value=200, initial=20)
    characters_per_evaluator = forms.IntegerField(
        label=_("Characters per evaluator"), min_value=1, max_value=50, initial=2
    )
    overlap = forms.FloatField(label=_("Overlap share"), min_value=0.0, max_value=1.0, initial=0.2)
    daily_cap = forms.IntegerField(label=_("Daily cap (sessions per evaluator)"), min_value=1, initial=20)
    target_sessions = forms.IntegerField(label=_("Target pointwise sessions per contestant"), min_value=0, initial=20)
    target_pairwise = forms.IntegerField(label=_("Target pairwise judgments per pair"), min_value=0, initial=100)
    attention_every = forms.IntegerField(
        label=_("Attention check every N pairwise turns (0: none)"), min_value=0, initial=10
    )
    allow_own_characters = forms.BooleanField(
        label=_("Evaluators may write their own character"), required=False, initial=False
    )
    allow_regenerate = forms.BooleanField(
        label=_("Evaluators may regenerate the model's reply (pointwise)"), required=False, initial=False
    )
    dimensions = forms.CharField(
        label=_("Dimensions (JSON)"),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=20000,
        help_text=_("A list of {key, name_en, name_zh, definition_en, definition_zh}."),
    )
    seed = forms.IntegerField(label=_("Seed"), initial=0)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dimensions"].initial = json.dumps(default_dimensions(), ensure_ascii=False, indent=1)

    def clean_dimensions(self):
        try:
            value = json.loads(self.cleaned_data["dimensions"])
        except json.JSONDecodeError as error:
            raise ValidationError(_("Not valid JSON: %(error)s") % {"error": error}) from None
        validate_dimensions(value)
        return value

    def clean(self):
        data = super().clean()
        if not data.get("characters") and not data.get("draw_per_category"):
            self.add_error("characters", _("Choose characters or draw some per category."))
        return data


class OwnCharacterForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    category = forms.ChoiceField(label=_("Category"), choices=CharacterCategory.choices)
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    identity = forms.CharField(label=_("Identity"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    personality = forms.CharField(label=_("Personality"), max_length=500, required=False)
    greeting = forms.CharField(label=_("Greeting"), max_length=500, required=False)
