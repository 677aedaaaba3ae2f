from django import forms
from django.utils.translation import gettext_lazy as _

from annotation.models import LLMProvider, PromptTemplate, TemplateKind
from roleplay.models import CharacterCategory, Language


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
    file = forms.FileField(label=_("JSONL file"), help_text=_("UTF-8, one JSON object per line."))


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
    file = forms.FileField(label=_("file"), help_text=_("Plain text (UTF-8, GB18030/GBK, Big5, UTF-16) or EPUB."))
