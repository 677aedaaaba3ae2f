"""Study links: how workers recruited on a crowd platform arrive, and what they get at the end."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from workforce.models.onboarding import Qualification
from workforce.models.payouts import ExternalPlatform


class Study(models.Model):
    slug = models.SlugField(_("link name"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200)
    platform = models.CharField(
        _("platform"), max_length=20, choices=ExternalPlatform.choices, default=ExternalPlatform.PROLIFIC
    )
    external_study_id = models.CharField(_("platform's study id"), max_length=100, blank=True)
    qualifications = models.JSONField(
        _("onboardings to pass"), default=list, blank=True, help_text=_("Qualification codes, e.g. [\"play_player\"].")
    )
    required_units = models.PositiveSmallIntegerField(_("units to submit before completing"), default=1)
    completion_code = models.CharField(_("completion code"), max_length=60)
    failed_attention_code = models.CharField(_("failed attention check code"), max_length=60, blank=True)
    completion_url = models.URLField(
        _("completion URL"), blank=True, help_text=_("When set, finishing redirects here instead of showing the code.")
    )
    quota = models.PositiveIntegerField(_("participant quota"), default=100)
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("study")
        verbose_name_plural = _("studies")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        unknown = set(self.qualifications or []) - set(Qualification.values)
        if unknown:
            raise ValidationError({"qualifications": _("Unknown qualifications: %(q)s") % {"q": ", ".join(unknown)}})


class ParticipantOutcome(models.TextChoices):
    STARTED = "started", _("Started")
    COMPLETED = "completed", _("Completed")
    FAILED_ATTENTION = "failed_attention", _("Failed an attention check")


class StudyParticipant(models.Model):
    study = models.ForeignKey(Study, on_delete=models.PROTECT, related_name="participants")
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="study_participations")
    external_id = models.CharField(_("external id"), max_length=100)
    platform_study_id = models.CharField(max_length=100, blank=True)
    platform_session_id = models.CharField(max_length=100, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=20, choices=ParticipantOutcome.choices, default=ParticipantOutcome.STARTED
    )
    joined_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-joined_at"]
        verbose_name = _("study participant")
        verbose_name_plural = _("study participants")
        constraints = [models.UniqueConstraint(fields=["study", "worker"], name="one_participation_per_study")]

    def __str__(self) -> str:
        return f"{self.study} · {self.external_id}"
