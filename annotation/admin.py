from django.contrib import admin

from annotation.models import LiteraryWork, SynthesisBatch


@admin.register(SynthesisBatch)
class SynthesisBatchAdmin(admin.ModelAdmin):
    list_display = ("name", "llm_model", "created_by", "created_at")
    search_fields = ("name", "llm_model")


@admin.register(LiteraryWork)
class LiteraryWorkAdmin(admin.ModelAdmin):
    list_display = ("title", "author", "language", "created_at")
    list_filter = ("language",)
    search_fields = ("title", "author")
