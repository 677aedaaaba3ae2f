from django.contrib import admin

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


class SynthesisItemInline(admin.TabularInline):
    model = SynthesisItem
    extra = 0
    fields = ("kind", "category", "index", "status", "attempts", "error", "character", "dialogue")
    readonly_fields = fields
    can_delete = False


@admin.register(SynthesisBatch)
class SynthesisBatchAdmin(admin.ModelAdmin):
    list_display = ("name", "origin", "status", "llm_model", "requests_made", "cost_usd", "created_by", "created_at")
    list_filter = ("origin", "status")
    search_fields = ("name", "llm_model")
    readonly_fields = ("requests_made", "prompt_tokens", "completion_tokens", "cost_usd", "started_at", "finished_at")
    inlines = [SynthesisItemInline]


@admin.register(SynthesisItem)
class SynthesisItemAdmin(admin.ModelAdmin):
    list_display = ("batch", "kind", "category", "index", "status", "attempts")
    list_filter = ("status", "kind")


@admin.register(LLMProvider)
class LLMProviderAdmin(admin.ModelAdmin):
    list_display = ("name", "base_url", "default_model", "requests_per_minute", "is_default")

    # The key is write-only in the admin: shown as a password field, never echoed back.
    def get_form(self, request, obj=None, **kwargs):
        from django import forms

        form = super().get_form(request, obj, **kwargs)
        form.base_fields["api_key"].widget = forms.PasswordInput(render_value=True)
        return form


@admin.register(PromptTemplate)
class PromptTemplateAdmin(admin.ModelAdmin):
    list_display = ("name", "version", "kind", "created_by", "created_at")
    list_filter = ("kind",)


@admin.register(LiteraryWork)
class LiteraryWorkAdmin(admin.ModelAdmin):
    list_display = ("title", "author", "language", "status", "detected_encoding", "created_at")
    list_filter = ("language", "status")
    search_fields = ("title", "author")
    exclude = ("text",)


@admin.register(LiteraryChapter)
class LiteraryChapterAdmin(admin.ModelAdmin):
    list_display = ("work", "index", "title", "start", "end")


@admin.register(ExtractionCandidate)
class ExtractionCandidateAdmin(admin.ModelAdmin):
    list_display = ("work", "chapter", "start", "end")


@admin.register(AnnotationTask)
class AnnotationTaskAdmin(admin.ModelAdmin):
    list_display = ("pk", "kind", "status", "slot", "assignee", "gold", "gold_score", "claimed_at", "submitted_at")
    list_filter = ("kind", "status")
    raw_id_fields = ("dialogue", "candidate", "character", "prompt", "assignee", "gold")


@admin.register(GoldStandard)
class GoldStandardAdmin(admin.ModelAdmin):
    list_display = ("pk", "kind", "dialogue", "candidate", "active", "created_at")
    list_filter = ("kind", "active")
    raw_id_fields = ("dialogue", "candidate")


@admin.register(Adjudication)
class AdjudicationAdmin(admin.ModelAdmin):
    list_display = ("dialogue", "status", "decision", "resolved_by", "resolved_at")
    list_filter = ("status",)
    raw_id_fields = ("dialogue", "chosen_task")
