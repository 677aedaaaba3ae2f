from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from evaluation.models import (
    Assignment,
    Campaign,
    Contestant,
    ErrorLabel,
    EvaluatorCharacter,
    JudgeRun,
    JudgeScore,
    PairwiseJudgment,
    PointwiseRating,
)
from evaluation.services.campaigns import FROZEN_ONCE_JUDGED, has_judgments
from platform_core.admin_lean import LeanModelAdmin


class ContestantInline(admin.TabularInline):
    model = Contestant
    extra = 0
    verbose_name = _("contestant")
    verbose_name_plural = _("contestants")

    def _frozen(self, obj) -> bool:
        return obj is not None and has_judgments(obj)

    def has_add_permission(self, request, obj=None) -> bool:
        return not self._frozen(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return not self._frozen(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return not self._frozen(obj) and super().has_delete_permission(request, obj)


@admin.register(Campaign)
class CampaignAdmin(LeanModelAdmin):
    list_display = ("slug", "title", "status", "min_turns", "characters_per_evaluator", "created_at")
    list_filter = ("status",)
    search_fields = ("slug", "title")
    filter_horizontal = ("characters",)
    inlines = [ContestantInline]
    # The state changes only through the services (open, close); contestants, dimensions and modes
    # freeze once a judgment exists, as in ``campaign_update``.
    readonly_fields = ("status", "opened_at", "closed_at", "created_at")

    def get_readonly_fields(self, request, obj=None):
        frozen = FROZEN_ONCE_JUDGED if obj is not None and has_judgments(obj) else ()
        return (*self.readonly_fields, *frozen)


@admin.register(Assignment)
class AssignmentAdmin(LeanModelAdmin):
    list_display = ("id", "campaign", "evaluator", "mode", "character", "topic", "contestant", "opponent", "status")
    list_filter = ("campaign", "mode", "status", "identity_leak")
    raw_id_fields = ("dialogue", "live_session", "character")


class ReadOnlyAdmin(LeanModelAdmin):
    """Judgments are written only through the services; the admin shows them."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PointwiseRating)
class PointwiseRatingAdmin(ReadOnlyAdmin):
    list_display = ("assignment", "dimension", "value", "created_at")
    list_filter = ("dimension", "value")


@admin.register(ErrorLabel)
class ErrorLabelAdmin(ReadOnlyAdmin):
    list_display = ("assignment", "turn", "label")
    list_filter = ("label",)


@admin.register(PairwiseJudgment)
class PairwiseJudgmentAdmin(ReadOnlyAdmin):
    list_display = ("assignment", "turn_seq", "left", "right", "choice", "attention_expected", "identity_leak")
    list_filter = ("choice", "identity_leak")


@admin.register(EvaluatorCharacter)
class EvaluatorCharacterAdmin(ReadOnlyAdmin):
    list_display = ("campaign", "evaluator", "character", "position", "evaluator_index")


@admin.register(JudgeRun)
class JudgeRunAdmin(ReadOnlyAdmin):
    list_display = ("id", "campaign", "status", "model", "progress", "created_at")


@admin.register(JudgeScore)
class JudgeScoreAdmin(ReadOnlyAdmin):
    list_display = ("run", "assignment", "dimension", "value", "judgment", "swapped", "choice")
