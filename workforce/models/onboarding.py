"""Qualifications and the onboarding quizzes that grant them."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Qualification(models.TextChoices):
    PLAY_CHARACTER = "play_character", _("Play characters")
    PLAY_PLAYER = "play_player", _("Play the player")
    REVIEW_REWRITES = "review_rewrites", _("Review rewrites")
    EXTRACT_LITERATURE = "extract_literature", _("Extract from literature")
    WRITE_PROMPTS = "write_prompts", _("Write character prompts")
    EVALUATE = "evaluate", _("Evaluate models")


def bilingual(obj: object, field: str) -> str:
    """The zh-Hans text when the page is in Chinese and it exists, else the English."""
    if (get_language() or "").lower().startswith("zh"):
        return getattr(obj, f"{field}_zh") or getattr(obj, f"{field}_en")
    return getattr(obj, f"{field}_en") or getattr(obj, f"{field}_zh")


class Onboarding(models.Model):
    """Admin-authored: short instructions and a quiz of gold questions. Passing grants the qualification."""

    qualification = models.CharField(_("qualification"), max_length=30, choices=Qualification.choices, unique=True)
    title_en = models.CharField(_("title (English)"), max_length=200)
    title_zh = models.CharField(_("title (Chinese)"), max_length=200, blank=True)
    instructions_en = models.TextField(_("instructions (English)"), max_length=10000)
    instructions_zh = models.TextField(_("instructions (Chinese)"), max_length=10000, blank=True)
    pass_threshold = models.DecimalField(
        _("pass threshold"), max_digits=3, decimal_places=2, default=0.8, help_text=_("Share of correct answers, 0–1.")
    )
    max_attempts = models.PositiveSmallIntegerField(_("attempts allowed"), default=3)
    cooldown_minutes = models.PositiveIntegerField(_("cooldown between attempts (minutes)"), default=60)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["qualification"]
        verbose_name = _("onboarding")
        verbose_name_plural = _("onboardings")
        constraints = [
            models.CheckConstraint(
                condition=Q(pass_threshold__gt=0) & Q(pass_threshold__lte=1), name="onboarding_threshold_in_range"
            ),
            models.CheckConstraint(condition=Q(max_attempts__gte=1), name="onboarding_allows_an_attempt"),
        ]

    def __str__(self) -> str:
        return self.title_en

    @property
    def title(self) -> str:
        return bilingual(self, "title")

    @property
    def instructions(self) -> str:
        return bilingual(self, "instructions")


class QuizQuestion(models.Model):
    """A gold question: choices in both languages, the right one, and why."""

    onboarding = models.ForeignKey(Onboarding, on_delete=models.CASCADE, related_name="questions")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    text_en = models.TextField(_("question (English)"), max_length=2000)
    text_zh = models.TextField(_("question (Chinese)"), max_length=2000, blank=True)
    choices_en = models.JSONField(_("choices (English)"), help_text=_("A list of strings."))
    choices_zh = models.JSONField(_("choices (Chinese)"), default=list, blank=True)
    correct_index = models.PositiveSmallIntegerField(_("correct choice (from 0)"))
    explanation_en = models.TextField(_("explanation (English)"), max_length=2000, blank=True)
    explanation_zh = models.TextField(_("explanation (Chinese)"), max_length=2000, blank=True)
    attention_check = models.BooleanField(
        _("attention check"), default=False, help_text=_("A wrong answer in a study ends it with the failed-check code.")
    )

    class Meta:
        ordering = ["onboarding", "order", "id"]
        verbose_name = _("quiz question")
        verbose_name_plural = _("quiz questions")

    def __str__(self) -> str:
        return self.text_en[:80]

    def clean(self) -> None:
        if not isinstance(self.choices_en, list) or len(self.choices_en) < 2:
            raise ValidationError({"choices_en": _("Give at least two choices.")})
        if self.choices_zh and len(self.choices_zh) != len(self.choices_en):
            raise ValidationError({"choices_zh": _("Give as many Chinese choices as English ones.")})
        if self.correct_index >= len(self.choices_en):
            raise ValidationError({"correct_index": _("The correct choice must be one of the choices.")})

    @property
    def text(self) -> str:
        return bilingual(self, "text")

    @property
    def explanation(self) -> str:
        return bilingual(self, "explanation")

    @property
    def correct_choice(self) -> str:
        choices = self.choices
        return choices[self.correct_index] if self.correct_index < len(choices) else ""

    @property
    def choices(self) -> list[str]:
        if (get_language() or "").lower().startswith("zh") and self.choices_zh:
            return list(self.choices_zh)
        return list(self.choices_en)


class QuizAttempt(models.Model):
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiz_attempts")
    onboarding = models.ForeignKey(Onboarding, on_delete=models.CASCADE, related_name="attempts")
    started_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    answers = models.JSONField(default=dict, blank=True)
    score = models.DecimalField(max_digits=4, decimal_places=3, null=True, blank=True)
    passed = models.BooleanField(null=True)
    failed_attention_check = models.BooleanField(default=False)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("quiz attempt")
        verbose_name_plural = _("quiz attempts")
        constraints = [
            models.UniqueConstraint(
                fields=["worker", "onboarding"], condition=Q(submitted_at__isnull=True), name="one_open_attempt"
            )
        ]

    def __str__(self) -> str:
        return f"{self.worker} · {self.onboarding} · {self.score}"
