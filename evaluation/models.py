"""Evaluation campaigns: who judges which model how, and every judgment they make.

- ``Campaign``: contestants, characters, topics, modes, dimensions and quality-control settings;
  draft → open → closed.
- ``Contestant``: a ``training.ModelVersion`` (trained here, or a reference model on an
  OpenAI-compatible endpoint registered without training) under a blind alias.
- ``Assignment``: one evaluator's session: a pointwise chat with one contestant (a blind live
  session of the live chat, ``live_session``), or a pairwise chat with two, on one character and
  topic; its dialogue is stored with the campaign and kept out of corpus exports.
- ``PointwiseRating`` (1–5 per dimension), ``ErrorLabel`` (per model turn) and
  ``PairwiseJudgment`` (per turn; both replies, their sides and the choice): the judgments.
- ``JudgeRun`` / ``JudgeScore``: the optional LLM judge's scores of the same sessions and pairs.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from evaluation.definitions import (
    ERROR_LABEL_KEYS,
    ERROR_LABELS,
    RATING_MAX,
    RATING_MIN,
    default_dimensions,
    validate_dimensions,
)
from platform_core.jobs import Job
from roleplay.models import Topic


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Mode(models.TextChoices):
    POINTWISE = "pointwise", _("Pointwise (chat, then rate)")
    PAIRWISE = "pairwise", _("Pairwise (choose per turn)")


def default_modes() -> list[str]:
    return [Mode.POINTWISE.value, Mode.PAIRWISE.value]


def default_topics() -> list[str]:
    return [Topic.CHIT_CHAT.value, Topic.INTERVIEW.value, Topic.LOVE.value]


class Campaign(models.Model):
    slug = models.SlugField(_("name"), max_length=60, unique=True, help_text=_("Short name used in commands and URLs."))
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=4000, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT)
    modes = models.JSONField(_("modes"), default=default_modes)
    topics = models.JSONField(_("topics"), default=default_topics)
    characters = models.ManyToManyField(
        "roleplay.Character", related_name="evaluation_campaigns", blank=True, verbose_name=_("characters")
    )
    dimensions = models.JSONField(_("dimensions"), default=default_dimensions, validators=[validate_dimensions])
    min_turns = models.PositiveIntegerField(_("minimum turns"), default=20, validators=[MinValueValidator(1)])
    characters_per_evaluator = models.PositiveIntegerField(
        _("characters per evaluator"), default=2, validators=[MinValueValidator(1)]
    )
    overlap = models.FloatField(
        _("overlap share"),
        default=0.2,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text=_("Share of character draws given to a second evaluator, for agreement."),
    )
    daily_cap = models.PositiveIntegerField(
        _("daily cap"), default=20, help_text=_("Sessions one evaluator may start per day.")
    )
    target_sessions = models.PositiveIntegerField(_("target pointwise sessions per contestant"), default=20)
    target_pairwise = models.PositiveIntegerField(_("target pairwise judgments per pair"), default=100)
    attention_every = models.PositiveIntegerField(
        _("attention check every N pairwise turns"), default=0, help_text=_("0: no attention checks.")
    )
    min_seconds_per_turn = models.FloatField(_("implausibly fast below (seconds per judged turn)"), default=3.0)
    allow_own_characters = models.BooleanField(
        _("evaluators may write their own character"),
        default=False,
        help_text=_("As in CharacterGLM: an evaluator may bring characters of their own before their first session."),
    )
    allow_regenerate = models.BooleanField(
        _("evaluators may regenerate the model's reply"),
        default=False,
        help_text=_("Pointwise sessions: off, the evaluator judges the first reply the model gives, as in CharacterGLM."),
    )
    exclude_flagged = models.BooleanField(_("exclude flagged evaluators from results"), default=True)
    exclude_identity_leaks = models.BooleanField(_("exclude replies that reveal a model identity"), default=True)
    seed = models.IntegerField(_("seed"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("evaluation campaign")
        verbose_name_plural = _("evaluation campaigns")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=CampaignStatus.values), name="campaign_status_known"),
            models.CheckConstraint(condition=Q(overlap__gte=0, overlap__lte=1), name="campaign_overlap_share"),
            models.CheckConstraint(condition=Q(min_turns__gte=1), name="campaign_min_turns_positive"),
        ]

    def __str__(self) -> str:
        return self.title or self.slug

    def dimension_keys(self) -> list[str]:
        return [dimension["key"] for dimension in self.dimensions]


class Contestant(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="contestants")
    model_version = models.ForeignKey(
        "training.ModelVersion", on_delete=models.PROTECT, related_name="contestants", verbose_name=_("model version")
    )
    alias = models.CharField(_("blind alias"), max_length=40)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["campaign", "position", "id"]
        verbose_name = _("contestant")
        verbose_name_plural = _("contestants")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "model_version"], name="contestant_once_per_campaign"),
            models.UniqueConstraint(fields=["campaign", "alias"], name="contestant_alias_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.model_version.name} ({self.alias})"

    @property
    def name(self) -> str:
        return self.model_version.name


class EvaluatorCharacter(models.Model):
    """The characters drawn for one evaluator in a campaign, and the evaluator's row of the Latin square."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="evaluator_characters")
    evaluator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    character = models.ForeignKey("roleplay.Character", on_delete=models.PROTECT, related_name="+")
    position = models.PositiveIntegerField(_("position"))
    evaluator_index = models.PositiveIntegerField(_("evaluator number"))
    drawn = models.BooleanField(_("drawn"), default=True, help_text=_("False: written by the evaluator."))

    class Meta:
        ordering = ["campaign", "evaluator", "position"]
        verbose_name = _("evaluator's character")
        verbose_name_plural = _("evaluators' characters")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "evaluator", "character"], name="evaluator_character_once"),
            models.UniqueConstraint(fields=["campaign", "evaluator", "position"], name="evaluator_character_position"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign.slug}:{self.evaluator_id}:{self.character_id}"


class AssignmentStatus(models.TextChoices):
    ACTIVE = "active", _("In progress")
    SUBMITTED = "submitted", _("Submitted")
    ABANDONED = "abandoned", _("Abandoned")


class Assignment(models.Model):
    """One evaluator's session on one item: (mode, character, topic, contestant[, opponent])."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="assignments")
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="evaluation_assignments"
    )
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices)
    character = models.ForeignKey("roleplay.Character", on_delete=models.PROTECT, related_name="+")
    topic = models.CharField(_("topic"), max_length=20, choices=Topic.choices)
    contestant = models.ForeignKey(Contestant, on_delete=models.PROTECT, related_name="assignments")
    opponent = models.ForeignKey(
        Contestant, null=True, blank=True, on_delete=models.PROTECT, related_name="assignments_as_opponent"
    )
    order = models.PositiveIntegerField(_("order in the evaluator's plan"), default=0)
    status = models.CharField(
        _("status"), max_length=10, choices=AssignmentStatus.choices, default=AssignmentStatus.ACTIVE
    )
    dialogue = models.OneToOneField(
        "roleplay.Dialogue", null=True, blank=True, on_delete=models.PROTECT, related_name="evaluation_assignment"
    )
    live_session = models.OneToOneField(
        "roleplay.LiveSession", null=True, blank=True, on_delete=models.SET_NULL, related_name="evaluation_assignment"
    )
    comment = models.TextField(_("comment"), max_length=2000, blank=True)
    identity_leak = models.BooleanField(_("a reply revealed a model identity"), default=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["campaign", "evaluator", "order", "id"]
        verbose_name = _("evaluation assignment")
        verbose_name_plural = _("evaluation assignments")
        constraints = [
            models.CheckConstraint(condition=Q(mode__in=Mode.values), name="assignment_mode_known"),
            models.CheckConstraint(
                condition=Q(mode="pointwise", opponent__isnull=True) | Q(mode="pairwise", opponent__isnull=False),
                name="assignment_opponent_iff_pairwise",
            ),
            # No evaluator judges the same item twice (abandoned sessions go back to the pool).
            models.UniqueConstraint(
                fields=["campaign", "evaluator", "mode", "character", "contestant", "opponent"],
                condition=~Q(status="abandoned"),
                name="assignment_item_once_per_evaluator",
            ),
            models.UniqueConstraint(
                fields=["campaign", "evaluator", "mode", "character", "contestant"],
                condition=~Q(status="abandoned") & Q(opponent__isnull=True),
                name="pointwise_item_once_per_evaluator",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.campaign.slug} {self.mode} {self.evaluator}"


class PointwiseRating(models.Model):
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="ratings")
    dimension = models.CharField(_("dimension"), max_length=40)
    value = models.PositiveSmallIntegerField(
        _("rating"), validators=[MinValueValidator(RATING_MIN), MaxValueValidator(RATING_MAX)]
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["assignment", "id"]
        verbose_name = _("pointwise rating")
        verbose_name_plural = _("pointwise ratings")
        constraints = [
            models.UniqueConstraint(fields=["assignment", "dimension"], name="rating_once_per_dimension"),
            models.CheckConstraint(condition=Q(value__gte=RATING_MIN, value__lte=RATING_MAX), name="rating_in_range"),
        ]

    def __str__(self) -> str:
        return f"{self.assignment_id}:{self.dimension}={self.value}"


class ErrorLabel(models.Model):
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="error_labels")
    turn = models.ForeignKey("roleplay.Turn", on_delete=models.CASCADE, related_name="evaluation_labels")
    label = models.CharField(_("error label"), max_length=20, choices=[(k, n) for k, n, _l in ERROR_LABELS])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["assignment", "turn", "label"]
        verbose_name = _("error label")
        verbose_name_plural = _("error labels")
        constraints = [
            models.UniqueConstraint(fields=["assignment", "turn", "label"], name="error_label_once_per_turn"),
            models.CheckConstraint(condition=Q(label__in=ERROR_LABEL_KEYS), name="error_label_known"),
        ]

    def __str__(self) -> str:
        return f"{self.turn_id}:{self.label}"


class Side(models.TextChoices):
    LEFT = "left", _("Left")
    RIGHT = "right", _("Right")


class Choice(models.TextChoices):
    LEFT = "left", _("Left is better")
    RIGHT = "right", _("Right is better")
    TIE = "tie", _("Tie")
    BOTH_BAD = "both_bad", _("Both are bad")


class PairwiseJudgment(models.Model):
    """One turn of a pairwise session: both replies to the same context, their sides and the choice."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="pairwise_judgments")
    turn_seq = models.PositiveIntegerField(_("turn"))
    left = models.ForeignKey(Contestant, on_delete=models.PROTECT, related_name="+", verbose_name=_("left"))
    right = models.ForeignKey(Contestant, on_delete=models.PROTECT, related_name="+", verbose_name=_("right"))
    left_text = models.TextField(_("left reply"))
    right_text = models.TextField(_("right reply"))
    choice = models.CharField(_("choice"), max_length=10, choices=Choice.choices, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    continued_with = models.CharField(_("reply that continued"), max_length=5, choices=Side.choices, blank=True)
    attention_expected = models.CharField(
        _("attention check: expected choice"), max_length=10, choices=Choice.choices, blank=True
    )
    identity_leak = models.BooleanField(_("a reply revealed a model identity"), default=False)
    shown_at = models.DateTimeField(auto_now_add=True)
    judged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["assignment", "turn_seq"]
        verbose_name = _("pairwise judgment")
        verbose_name_plural = _("pairwise judgments")
        constraints = [
            models.UniqueConstraint(fields=["assignment", "turn_seq"], name="pairwise_once_per_turn"),
            models.CheckConstraint(condition=~Q(left=models.F("right")), name="pairwise_two_contestants"),
            models.CheckConstraint(condition=Q(choice="") | Q(choice__in=Choice.values), name="pairwise_choice_known"),
        ]

    def __str__(self) -> str:
        return f"{self.assignment_id}:{self.turn_seq} {self.choice or '…'}"

    @property
    def is_attention_check(self) -> bool:
        return bool(self.attention_expected)


class JudgeRunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class JudgeRun(Job):
    """The LLM judge scoring a campaign's submitted sessions and pairs (both orders); a background
    job with the platform's one lifecycle (``platform_core.jobs``)."""

    CLAIMABLE_STATUSES = ("queued",)

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="judge_runs")
    status = models.CharField(_("status"), max_length=10, choices=JudgeRunStatus.choices, default=JudgeRunStatus.QUEUED)
    model = models.CharField(_("judge model"), max_length=200, blank=True)
    progress = models.FloatField(_("progress (%)"), default=0)
    error = models.TextField(_("error"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("LLM judge run")
        verbose_name_plural = _("LLM judge runs")

    def __str__(self) -> str:
        return f"#{self.pk} {self.campaign.slug} ({self.get_status_display()})"


class JudgeScore(models.Model):
    """One LLM-judge answer: a 1–5 rating of a session's dimension, or a choice on a pair in one order."""

    run = models.ForeignKey(JudgeRun, on_delete=models.CASCADE, related_name="scores")
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="judge_scores")
    dimension = models.CharField(_("dimension"), max_length=40, blank=True)
    value = models.PositiveSmallIntegerField(
        _("rating"), null=True, blank=True, validators=[MinValueValidator(RATING_MIN), MaxValueValidator(RATING_MAX)]
    )
    judgment = models.ForeignKey(PairwiseJudgment, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    swapped = models.BooleanField(_("sides swapped for the judge"), default=False)
    choice = models.CharField(_("choice"), max_length=10, choices=Choice.choices, blank=True)

    class Meta:
        ordering = ["run", "id"]
        verbose_name = _("LLM judge score")
        verbose_name_plural = _("LLM judge scores")
        constraints = [
            models.CheckConstraint(
                condition=Q(value__isnull=True) | Q(value__gte=RATING_MIN, value__lte=RATING_MAX),
                name="judge_rating_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.run_id}:{self.assignment_id}:{self.dimension or self.choice}"
