from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from exports.models import ExportBuild, ExportSpec
from platform_core.admin_lean import LeanModelAdmin


@admin.register(ExportSpec)
class ExportSpecAdmin(LeanModelAdmin):
    list_display = ("name", "statuses", "sources", "min_turns", "seed", "created_by", "created_at")
    search_fields = ("name", "description")
    readonly_fields = ("created_by", "created_at")


@admin.register(ExportBuild)
class ExportBuildAdmin(LeanModelAdmin):
    """Builds are read-only here: they are made by the build service, and published ones are immutable."""

    list_display = (
        "__str__",
        "status",
        "version",
        "dialogue_count",
        "turn_count",
        "creator",
        "created_at",
        "download",
    )
    list_filter = ("status", "spec")
    search_fields = ("spec__name", "data_sha256")
    readonly_fields = [field.name for field in ExportBuild._meta.fields]

    @admin.display(description=_("download"))
    def download(self, build: ExportBuild) -> str:
        if not build.is_published:
            return "—"
        return format_html('<a href="{}">{}</a>', reverse("exports:build-download", args=[build.pk]), _("tar"))

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
