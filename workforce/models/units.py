"""Work units: one worker's share of one piece of paid work, and its review."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workforce.models.kinds import UnitKind


class UnitState(models.TextChoices):
    IN_PROGRESS = "in_progress", _("In progress")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    SOFT_REJECTED = "soft_rejected", _("Soft-rejected")
    RETURNED = "returned", _("Returned")


# The states whose unit's rows are paid: a soft-rejected unit is paid, but such work is not given again.
PAID_UNIT_STATES = (UnitState.APPROVED, UnitState.SOFT_REJECTED)
REVIEWED_UNIT_STATES = (UnitState.APPROVED, UnitState.REJECTED, UnitState.SOFT_REJECTED, UnitState.RETURNED)
# Which state may follow which: everything else is refused.
UNIT_TRANSITIONS: dict[str, tuple[str, ...]] = {
    UnitState.IN_PROGRESS: (UnitState.SUBMITTED, UnitState.RETURNED),
    UnitState.SUBMITTED: (UnitState.APPROVED, UnitState.REJECTED, UnitState.SOFT_REJECTED, UnitState.RETURNED),
    UnitState.APPROVED: (),
    UnitState.REJECTED: (),
    UnitState.SOFT_REJECTED: (),
    UnitState.RETURNED: (),
}


class ReasonCategory(models.TextChoices):
    NONE = "", _("No reason given")
    QUALITY = "quality", _("Low quality")
    OFF_TASK = "off_task", _("Did not follow the instructions")
    OUT_OF_CHARACTER = "out_of_character", _("Out of character")
    INCOMPLETE = "incomplete", _("Incomplete")
    COPIED = "copied", _("Copied or machine-written text")
    ABUSIVE = "abusive", _("Abusive or unsafe content")
    EXCELLENT = "excellent", _("Excellent work")
    OTHER = "other", _("Other")


class WorkUnit(models.Model):
    """``kind`` + ``subject_id`` name the work itself (a live session, an annotation task, an
    evaluation session or batch), so one unit exists per worker and subject whatever the app."""

    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="work_units")
    kind = models.CharField(_("kind"), max_length=30, choices=UnitKind.choices)
    subject_id = models.PositiveBigIntegerField(_("subject id"))
    state = models.CharField(_("state"), max_length=20, choices=UnitState.choices, default=UnitState.IN_PROGRESS)
    started_at = models.DateTimeField(_("started at"), default=timezone.now, db_index=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True, db_index=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="reviewed_units"
    )
    auto_approved = models.BooleanField(_("approved automatically"), default=False)
    reason_category = models.CharField(
        _("reason category"), max_length=20, choices=ReasonCategory.choices, blank=True, default=""
    )
    review_message = models.TextField(_("message to the worker"), max_length=2000, blank=True)
    active_seconds = models.PositiveIntegerField(_("active seconds"), default=0)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("work unit")
        verbose_name_plural = _("work units")
        indexes = [models.Index(fields=["state", "kind", "submitted_at"]), models.Index(fields=["worker", "state"])]
        constraints = [
            models.UniqueConstraint(fields=["kind", "subject_id", "worker"], name="one_unit_per_worker_and_subject"),
            models.CheckConstraint(condition=Q(kind__in=UnitKind.values), name="unit_kind_known"),
            models.CheckConstraint(condition=Q(state__in=UnitState.values), name="unit_state_known"),
            models.CheckConstraint(
                condition=Q(state=UnitState.IN_PROGRESS) | Q(state=UnitState.RETURNED) | Q(submitted_at__isnull=False),
                name="submitted_unit_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=[UnitState.APPROVED, UnitState.REJECTED, UnitState.SOFT_REJECTED])
                | Q(reviewed_at__isnull=False),
                name="reviewed_unit_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.subject_id} · {self.worker} · {self.get_state_display()}"

    @property
    def is_paid_state(self) -> bool:
        return self.state in PAID_UNIT_STATES
