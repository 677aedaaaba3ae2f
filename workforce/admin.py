"""Ledger rows, units and batches are read-only here (writes go through the services and the
workforce pages); admins author piece rates, onboardings with their quizzes, and studies."""

from django.contrib import admin

from platform_core.admin_lean import LeanModelAdmin
from workforce.models import (
    LedgerEntry,
    Onboarding,
    PayoutBatch,
    PieceRate,
    QuizAttempt,
    QuizQuestion,
    Study,
    StudyParticipant,
    WorkerExternalId,
    WorkUnit,
)


class ReadOnlyAdmin(LeanModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "worker", "kind", "amount", "currency", "unit", "reason", "seq", "payable_at",
                    "idempotency_key")
    list_filter = ("kind", "currency")
    search_fields = ("worker__username", "idempotency_key", "reason")


@admin.register(WorkUnit)
class WorkUnitAdmin(ReadOnlyAdmin):
    list_display = ("id", "worker", "kind", "subject_id", "state", "active_seconds", "submitted_at", "reviewed_at")
    list_filter = ("state", "kind")
    search_fields = ("worker__username",)


@admin.register(PayoutBatch)
class PayoutBatchAdmin(ReadOnlyAdmin):
    list_display = ("id", "cutoff", "platform", "currency", "state", "total", "row_count", "worker_count")
    list_filter = ("state",)


@admin.register(PieceRate)
class PieceRateAdmin(LeanModelAdmin):
    list_display = ("kind", "amount", "currency", "effective_from")
    list_filter = ("kind",)

    def has_change_permission(self, request, obj=None) -> bool:
        # A rate in force has paid rows: change it by adding a rate from a later date.
        return obj is None or obj.effective_from > obj.created_at.date()


class QuizQuestionInline(admin.StackedInline):
    model = QuizQuestion
    extra = 1


@admin.register(Onboarding)
class OnboardingAdmin(LeanModelAdmin):
    list_display = ("qualification", "title_en", "pass_threshold", "max_attempts", "cooldown_minutes", "active")
    inlines = [QuizQuestionInline]


@admin.register(QuizAttempt)
class QuizAttemptAdmin(ReadOnlyAdmin):
    list_display = ("worker", "onboarding", "started_at", "score", "passed", "failed_attention_check")


@admin.register(Study)
class StudyAdmin(LeanModelAdmin):
    list_display = ("name", "slug", "platform", "quota", "ends_at", "active")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(StudyParticipant)
class StudyParticipantAdmin(ReadOnlyAdmin):
    list_display = ("study", "worker", "external_id", "outcome", "joined_at", "finished_at")
    list_filter = ("study", "outcome")


@admin.register(WorkerExternalId)
class WorkerExternalIdAdmin(LeanModelAdmin):
    list_display = ("worker", "platform", "external_id")
    search_fields = ("worker__username", "external_id")
