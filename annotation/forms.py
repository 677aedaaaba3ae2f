"""The annotation pages' forms: the admin forms, and the task pages' forms that parse what a worker posts."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from annotation.models import AnnotationTask, LLMProvider, PromptTemplate, TemplateKind
from annotation.services.extraction import PartyProfile
from annotation.services.task_queue import TaskRefused
from platform_core.validation import upload_size_validator
from roleplay.models import Character, CharacterCategory, CharacterPrompt, Language


class BatchForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=200)
    categories = forms.MultipleChoiceField(
        label=_("categories"), choices=CharacterCategory.choices, widget=forms.CheckboxSelectMultiple
    )
    language = forms.ChoiceField(label=_("language"), choices=Language.choices)
    provider = forms.ModelChoiceField(
        label=_("provider"),
        queryset=LLMProvider.objects.all(),
        required=False,
        empty_label=_("From the settings (LLM_BASE_URL)"),
    )
    llm_model = forms.CharField(
        label=_("model"), max_length=100, required=False, help_text=_("Empty: the provider's default model.")
    )
    character_template = forms.ModelChoiceField(
        label=_("character template"), queryset=PromptTemplate.objects.none(), required=False,
        empty_label=_("Latest version"),
    )  # fmt: skip
    dialogue_template = forms.ModelChoiceField(
        label=_("dialogue template"), queryset=PromptTemplate.objects.none(), required=False,
        empty_label=_("Latest version"),
    )  # fmt: skip
    characters_per_category = forms.IntegerField(label=_("characters per category"), min_value=1, max_value=500)
    dialogues_per_category = forms.IntegerField(label=_("dialogues per category"), min_value=0, max_value=2000)
    turns_per_dialogue = forms.IntegerField(label=_("turns per dialogue"), min_value=2, max_value=100, initial=17)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["character_template"].queryset = PromptTemplate.objects.filter(kind=TemplateKind.CHARACTER)
        self.fields["dialogue_template"].queryset = PromptTemplate.objects.filter(kind=TemplateKind.DIALOGUE)


class ImportForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=200)
    llm_model = forms.CharField(label=_("model that produced the file"), max_length=100, required=False)
    file = forms.FileField(
        label=_("JSONL file"), help_text=_("UTF-8, one JSON object per line."), validators=[upload_size_validator]
    )


class TemplateForm(forms.ModelForm):
    class Meta:
        model = PromptTemplate
        fields = ["name", "kind", "system_text", "text"]
        widgets = {"system_text": forms.Textarea(attrs={"rows": 3}), "text": forms.Textarea(attrs={"rows": 10})}


class TemplateRevisionForm(forms.Form):
    system_text = forms.CharField(label=_("system message"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    text = forms.CharField(label=_("user message"), widget=forms.Textarea(attrs={"rows": 10}))


class WorkUploadForm(forms.Form):
    title = forms.CharField(label=_("title"), max_length=300)
    author = forms.CharField(label=_("author"), max_length=200, required=False)
    language = forms.ChoiceField(label=_("language"), choices=Language.choices)
    licence_note = forms.CharField(label=_("licence note"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    file = forms.FileField(
        label=_("file"),
        help_text=_("Plain text (UTF-8, GB18030/GBK, Big5, UTF-16) or EPUB."),
        validators=[upload_size_validator],
    )
    llm_provider = forms.ModelChoiceField(
        queryset=LLMProvider.objects.all(),
        required=False,
        label=_("LLM for uncertain speakers"),
        empty_label=_("None: the detector's rules only"),
        help_text=_(
            "Lines whose speaker the rules cannot tell are sent to this provider; its answers are checked against the passage."
        ),
    )


# --- Task pages -------------------------------------------------------------------------------
# These forms only parse what the pages post (field names as the templates write them); the
# services check every rule and refuse with ``TaskRefused``, which the pages show.


class TaskForm(forms.Form):
    """A task page's form: input it cannot parse becomes one ``TaskRefused`` naming the field."""

    refusal_codes: dict[str, str] = {}

    def refusal(self) -> TaskRefused | None:
        if self.is_valid():
            return None
        field, errors = next(iter(self.errors.as_data().items()))
        return TaskRefused(self.refusal_codes.get(field, "bad_input"), errors[0].messages[0], field=field)


class IntegerListField(forms.Field):
    """Every value of a repeated key (``?ooc=1&ooc=2``) as an int."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value) -> list[int]:
        try:
            return [int(item) for item in value or []]
        except (TypeError, ValueError):
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


INVALID_RATING_OR_LINE = _("Invalid rating or line.")


class ReviewForm(TaskForm):
    """A rewrite review: the decision, reason, rating, out-of-character lines and each ``text_<turn id>``."""

    decision = forms.CharField(required=False, strip=False)
    reason = forms.CharField(required=False, strip=False)
    rating = forms.IntegerField(required=False, error_messages={"invalid": INVALID_RATING_OR_LINE})
    ooc = IntegerListField(required=False, error_messages={"invalid": INVALID_RATING_OR_LINE})

    def __init__(self, *args, turn_ids: list[int], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # A posted edit of a line outside the dialogue reaches the service, which refuses it.
        posted = {int(key[5:]) for key in self.data if key.startswith("text_") and key[5:].isdigit()}
        for turn_id in [*turn_ids, *sorted(posted - set(turn_ids))]:
            self.fields[f"text_{turn_id}"] = forms.CharField(required=False, strip=False)

    def texts(self) -> dict[int, str]:
        """The posted line texts by turn id (lines the form did not post are left as they are)."""
        return {
            int(name[5:]): self.cleaned_data[name]
            for name in self.fields
            if name.startswith("text_") and name in self.data
        }


class AdjudicationForm(TaskForm):
    decision = forms.CharField(required=False, strip=False)
    chosen_task = forms.ModelChoiceField(
        queryset=AnnotationTask.objects.none(),
        required=False,
        error_messages={"invalid_choice": _("Pick one of this dialogue's reviews.")},
    )
    note = forms.CharField(required=False, strip=False)
    refusal_codes = {"chosen_task": "bad_choice"}

    def __init__(self, *args, reviews: QuerySet[AnnotationTask], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["chosen_task"].queryset = reviews


PARTY_FIELDS = ("identity", "personality", "interests", "social_relationships", "stylistic_features", "greeting")


class PartyForm(TaskForm):
    """One party of an extracted dialogue; with prefix ``a`` its fields post as ``a_name``, ``a_identity``, ..."""

    name = forms.CharField(required=False)
    existing = forms.ModelChoiceField(
        queryset=Character.objects.all(),
        required=False,
        error_messages={"invalid_choice": _("That character does not exist.")},
    )
    category = forms.ChoiceField(
        choices=CharacterCategory.choices, required=False, error_messages={"invalid_choice": _("Pick a category.")}
    )
    # A detected speaker name is a guess: a new character is made only when the annotator ticks this.
    create = forms.BooleanField(required=False)
    refusal_codes = {"existing": "bad_character", "category": "bad_category"}

    def __init__(self, *args, title: str = "", **kwargs) -> None:
        kwargs.setdefault("auto_id", "%s")
        super().__init__(*args, **kwargs)
        self.title = title
        for name in PARTY_FIELDS:
            self.fields[name] = forms.CharField(label=Character._meta.get_field(name).verbose_name, required=False)

    def add_prefix(self, field_name: str) -> str:
        return f"{self.prefix}_{field_name}" if self.prefix else field_name

    def refusal(self) -> TaskRefused | None:
        refused = super().refusal()
        if refused is not None:
            refused.field = self.add_prefix(refused.field)
        return refused

    def clean_category(self) -> str:
        return self.cleaned_data["category"] or CharacterCategory.DAILY_LIFE

    def profile(self) -> PartyProfile:
        data = self.cleaned_data
        return PartyProfile(
            name=data["name"],
            existing=data["existing"],
            category=data["category"],
            fields={name: data[name] for name in PARTY_FIELDS},
            create_new=data["create"],
        )

    def profile_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in PARTY_FIELDS]

    def chosen_existing(self) -> int | None:
        """The existing character picked on the page (for showing it selected again)."""
        value = str(self["existing"].value() or "")
        return int(value) if value.isdigit() else None

    def chosen_category(self) -> str:
        return self["category"].value() or CharacterCategory.DAILY_LIFE


class ExtractionForm(TaskForm):
    """An extraction: ``role_<i>`` and ``text_<i>`` for each candidate line, the topic, or a discard reason."""

    action = forms.CharField(required=False, strip=False)
    reason = forms.CharField(required=False, strip=False)
    topic = forms.CharField(required=False, strip=False)

    def __init__(self, *args, line_count: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.line_count = line_count
        for index in range(line_count):
            self.fields[f"role_{index}"] = forms.CharField(required=False, strip=False)
            self.fields[f"text_{index}"] = forms.CharField(required=False, strip=False)

    @property
    def discards(self) -> bool:
        return self.cleaned_data["action"] == "discard"

    def roles(self) -> list[str]:
        return [self.cleaned_data[f"role_{index}"] for index in range(self.line_count)]

    def texts(self) -> list[str]:
        return [self.cleaned_data[f"text_{index}"] for index in range(self.line_count)]


class PromptWriteForm(TaskForm):
    text = forms.CharField(required=False, strip=False)


class PromptVariantsForm(TaskForm):
    """``decision_<prompt id>`` and ``text_<prompt id>`` for the written prompt and each variant."""

    def __init__(self, *args, prompts: list[CharacterPrompt], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.prompt_ids = [prompt.pk for prompt in prompts]
        for prompt_id in self.prompt_ids:
            self.fields[f"decision_{prompt_id}"] = forms.CharField(required=False, strip=False)
            self.fields[f"text_{prompt_id}"] = forms.CharField(required=False, strip=False)

    def decisions(self) -> dict[int, tuple[str, str]]:
        data = self.cleaned_data
        return {pk: (data[f"decision_{pk}"], data[f"text_{pk}"]) for pk in self.prompt_ids}


class BlockForm(forms.Form):
    reason = forms.CharField(error_messages={"required": _("Blocking needs a reason.")})


class GoldForm(forms.Form):
    """A gold task from a settled dialogue or a submitted extraction task, by id."""

    kind = forms.CharField(required=False, strip=False)
    subject = forms.IntegerField(
        error_messages={
            "required": _("Give the id of a dialogue or of a submitted extraction task."),
            "invalid": _("Give the id of a dialogue or of a submitted extraction task."),
        }
    )
