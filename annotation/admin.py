from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from annotation.models import (
    Adjudication,
    AnnotationTask,
    ExtractionCandidate,
    GoldStandard,
    LiteraryChapter,
    LiteraryWork,
    LLMProvider,
    PromptTemplate,
    SynthesisBatch,
    SynthesisItem,
)
from platform_core.admin_lean import LeanModelAdmin


class SynthesisItemInline(admin.TabularInline):
    model = SynthesisItem
    extra = 0
    fields = ("kind", "category", "index", "status", "attempts", "error", "character", "dialogue")
    readonly_fields = fields
    can_delete = False


@admin.register(SynthesisBatch)
class SynthesisBatchAdmin(LeanModelAdmin):
    list_display = ("name", "origin", "status", "llm_model", "requests_made", "cost_usd", "created_by", "created_at")
    list_filter = ("origin", "status")
    search_fields = ("name", "llm_model")
    readonly_fields = ("requests_made", "prompt_tokens", "completion_tokens", "cost_usd", "started_at", "finished_at")
    inlines = [SynthesisItemInline]


@admin.register(SynthesisItem)
class SynthesisItemAdmin(LeanModelAdmin):
    list_display = ("batch", "kind", "category", "index", "status", "attempts")
    list_filter = ("status", "kind")


class LLMProviderForm(forms.ModelForm):
    """The API key is write-only: never rendered back; leaving it blank keeps the stored one."""

    base_url = forms.URLField(label=_("base URL"), assume_scheme="https", help_text=_("e.g. https://api.openai.com/v1"))
    api_key = forms.CharField(
        label=_("API key"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Blank keeps the stored key (or, for a new provider, uses the LLM_API_KEY setting)."),
    )

    class Meta:
        model = LLMProvider
        fields = [
            "name", "base_url", "api_key", "default_model", "requests_per_minute", "timeout_s", "max_retries",
            "price_prompt_per_1k", "price_completion_per_1k", "is_default",
        ]  # fmt: skip

    def clean_api_key(self) -> str:
        key = self.cleaned_data.get("api_key", "")
        if not key and self.instance.pk:
            return self.instance.api_key
        return key


@admin.register(LLMProvider)
class LLMProviderAdmin(LeanModelAdmin):
    form = LLMProviderForm
    list_display = ("name", "base_url", "default_model", "requests_per_minute", "is_default")


@admin.register(PromptTemplate)
class PromptTemplateAdmin(LeanModelAdmin):
    list_display = ("name", "version", "kind", "created_by", "created_at")
    list_filter = ("kind",)


@admin.register(LiteraryWork)
class LiteraryWorkAdmin(LeanModelAdmin):
    list_display = ("title", "author", "language", "status", "detected_encoding", "created_at")
    list_filter = ("language", "status")
    search_fields = ("title", "author")
    exclude = ("text",)


@admin.register(LiteraryChapter)
class LiteraryChapterAdmin(LeanModelAdmin):
    list_display = ("work", "index", "title", "start", "end")


@admin.register(ExtractionCandidate)
class ExtractionCandidateAdmin(LeanModelAdmin):
    list_display = ("work", "chapter", "start", "end")


@admin.register(AnnotationTask)
class AnnotationTaskAdmin(LeanModelAdmin):
    list_display = ("pk", "kind", "status", "slot", "assignee", "gold", "gold_score", "claimed_at", "submitted_at")
    list_filter = ("kind", "status")
    raw_id_fields = ("dialogue", "candidate", "character", "prompt", "assignee", "gold")


@admin.register(GoldStandard)
class GoldStandardAdmin(LeanModelAdmin):
    list_display = ("pk", "kind", "dialogue", "candidate", "active", "created_at")
    list_filter = ("kind", "active")
    raw_id_fields = ("dialogue", "candidate")


@admin.register(Adjudication)
class AdjudicationAdmin(LeanModelAdmin):
    list_display = ("dialogue", "status", "decision", "resolved_by", "resolved_at")
    list_filter = ("status",)
    raw_id_fields = ("dialogue", "chosen_task")
