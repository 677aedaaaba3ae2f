from django.contrib import admin

from training.models import ModelVersion


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    list_display = ("name", "base_model", "generation", "created_at")
    list_filter = ("generation",)
    search_fields = ("name", "base_model")
