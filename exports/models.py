"""Export specs (what goes into a corpus) and builds (one immutable, versioned publication of it)."""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

from platform_core.jobs import Job, job_is_stale
from roleplay.models import CharacterCategory, DialogueSource, DialogueStatus, Language, PromptKind

SPLITS = ("train", "validation", "test")
STALE_AFTER = dt.timedelta(minutes=10)


class PromptMode(models.TextChoices):
    EACH = "each", _("One example per prompt variant")
    DRAW = "draw", _("One variant drawn per dialogue")


@deconstructible
class ChoiceListValidator:
    """Accepts a list of strings drawn from ``allowed``; names the unknown ones."""

    def __init__(self, allowed: list[str], label: str) -> None:
        self.allowed = list(allowed)
        self.label = label

    def __call__(self, value: object) -> None:
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise ValidationError(_("Enter a list of %(label)s."), code="invalid_list", params={"label": self.label})
        unknown = sorted(set(value) - set(self.allowed))
        if unknown:
            raise ValidationError(
                _("Unknown %(label)s: %(unknown)s (allowed: %(allowed)s)."),
                code="unknown_choice",
                params={"label": self.label, "unknown": ", ".join(unknown), "allowed": ", ".join(self.allowed)},
            )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ChoiceListValidator) and (self.allowed, self.label) == (other.allowed, other.label)


validate_sources = ChoiceListValidator(DialogueSource.values, "sources")
validate_categories = ChoiceListValidator(CharacterCategory.values, "categories")
validate_languages = ChoiceListValidator(Language.values, "languages")
validate_statuses = ChoiceListValidator(DialogueStatus.values, "statuses")
validate_prompt_variants = ChoiceListValidator(PromptKind.values, "prompt variants")


def default_statuses() -> list[str]:
    return [DialogueStatus.ACCEPTED]


def default_prompt_variants() -> list[str]:
    return [PromptKind.PROFILE]


class ExportSpec(models.Model):
    """Which dialogues go into a corpus, how they are curated, and how they are split.

    Empty lists mean "all". A build copies the spec into ``ExportBuild.spec_snapshot``, so editing
    a spec later never changes what an existing build says it contains.
    """

    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    sources = models.JSONField(_("sources"), default=list, blank=True, validators=[validate_sources])
    categories = models.JSONField(_("categories"), default=list, blank=True, validators=[validate_categories])
    languages = models.JSONField(_("languages"), default=list, blank=True, validators=[validate_languages])
    statuses = models.JSONField(_("statuses"), default=default_statuses, validators=[validate_statuses])
    min_turns = models.PositiveIntegerField(_("minimum turns"), default=2)
    min_quality = models.FloatField(_("minimum quality rating"), null=True, blank=True)
    date_from = models.DateField(_("created on or after"), null=True, blank=True)
    date_to = models.DateField(_("created on or before"), null=True, blank=True)
    # Human–machine dialogues are kept only when their model's generation lies in this range.
    model_generation_min = models.PositiveIntegerField(_("minimum model generation"), null=True, blank=True)
    model_generation_max = models.PositiveIntegerField(_("maximum model generation"), null=True, blank=True)
    prompt_variants = models.JSONField(
        _("character prompt variants"), default=default_prompt_variants, validators=[validate_prompt_variants]
    )
    prompt_mode = models.CharField(
        _("prompt variant use"), max_length=10, choices=PromptMode.choices, default=PromptMode.EACH
    )
    train_ratio = models.FloatField(_("train share"), default=0.8)
    validation_ratio = models.FloatField(_("validation share"), default=0.1)
    test_ratio = models.FloatField(_("test share"), default=0.1)
    seed = models.IntegerField(_("seed"), default=0)
    near_duplicate_threshold = models.FloatField(
        _("near-duplicate threshold"),
        default=0.9,
        help_text=_("Jaccard similarity of character 3-grams above which a repeated turn is dropped."),
    )
    scrub_personal_data = models.BooleanField(_("scrub personal data"), default=True)
    include_evaluation = models.BooleanField(
        _("include evaluation dialogues"),
        default=False,
        help_text=_("Dialogues of evaluation campaigns are test data and stay out of exports unless ticked."),
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("export spec")
        verbose_name_plural = _("export specs")
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="export_spec_has_name"),
            models.CheckConstraint(
                condition=Q(train_ratio__gte=0, validation_ratio__gte=0, test_ratio__gte=0),
                name="export_spec_ratios_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(min_quality__isnull=True) | Q(min_quality__gte=1, min_quality__lte=5),
                name="export_spec_min_quality_in_range",
            ),
            models.CheckConstraint(
                condition=Q(near_duplicate_threshold__gt=0, near_duplicate_threshold__lte=1),
                name="export_spec_threshold_in_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, str] = {}
        ratios = (self.train_ratio, self.validation_ratio, self.test_ratio)
        if any(r is None or r < 0 for r in ratios):
            errors["train_ratio"] = _("Split shares cannot be negative.")
        elif abs(sum(ratios) - 1.0) > 1e-6:
            errors["train_ratio"] = _("Train, validation and test shares must add up to 1.")
        elif self.train_ratio <= 0:
            errors["train_ratio"] = _("The train share must be above 0.")
        if self.min_quality is not None and not 1 <= self.min_quality <= 5:
            errors["min_quality"] = _("The minimum quality rating lies between 1 and 5.")
        if self.date_from and self.date_to and self.date_from > self.date_to:
            errors["date_to"] = _("The end date comes before the start date.")
        if (
            self.model_generation_min is not None
            and self.model_generation_max is not None
            and self.model_generation_min > self.model_generation_max
        ):
            errors["model_generation_max"] = _("The maximum generation is below the minimum.")
        if not self.prompt_variants:
            errors["prompt_variants"] = _("Name at least one character prompt variant.")
        if not self.statuses:
            errors["statuses"] = _("Name at least one dialogue status.")
        if self.near_duplicate_threshold is None or not 0 < self.near_duplicate_threshold <= 1:
            errors["near_duplicate_threshold"] = _("The threshold lies above 0 and at most 1.")
        if errors:
            raise ValidationError(errors)


class BuildStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    PUBLISHED = "published", _("Published")
    FAILED = "failed", _("Failed")


class ExportBuild(Job):
    """One run of a spec. Once published, its directory and files never change.

    Directory layout (stable; the training module reads it): ``manifest.json``, ``DATASHEET.md``,
    ``dataset_info.json``, ``turns_per_dialogue.png`` and ``train/``, ``validation/``, ``test/``,
    each holding ``characterglm.jsonl``, ``messages.jsonl`` and ``turns.parquet``.
    """

    spec = models.ForeignKey(ExportSpec, on_delete=models.PROTECT, related_name="builds")
    spec_snapshot = models.JSONField(_("spec at build time"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=BuildStatus.choices, default=BuildStatus.QUEUED)
    progress = models.FloatField(_("progress (%)"), default=0)
    progress_message = models.CharField(_("progress message"), max_length=200, blank=True)
    # Global, gap-free among published builds: assigned when the build is published.
    version = models.PositiveIntegerField(_("version"), null=True, blank=True, unique=True)
    directory = models.CharField(_("published directory"), max_length=500, blank=True)
    stats = models.JSONField(_("statistics"), default=dict, blank=True)
    files = models.JSONField(_("files (path → sha256, bytes)"), default=dict, blank=True)
    data_sha256 = models.CharField(_("data fingerprint"), max_length=64, blank=True)
    dialogue_count = models.PositiveIntegerField(_("dialogues"), default=0)
    turn_count = models.PositiveIntegerField(_("turns"), default=0)
    total_bytes = models.PositiveBigIntegerField(_("size (bytes)"), default=0)
    error = models.TextField(_("error"), blank=True)
    creator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="export_builds"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # started_at, heartbeat_at (written with every progress update), finished_at, worker: Job.

    CLAIMABLE_STATUSES = (BuildStatus.QUEUED, BuildStatus.FAILED)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("export build")
        verbose_name_plural = _("export builds")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=BuildStatus.values), name="export_build_status_known"),
            models.CheckConstraint(
                condition=~Q(status="published") | (Q(version__isnull=False) & ~Q(directory="")),
                name="published_build_has_version_and_directory",
            ),
            models.CheckConstraint(condition=Q(progress__gte=0, progress__lte=100), name="export_progress_in_range"),
        ]

    def __str__(self) -> str:
        if self.version:
            return f"v{self.version} · {self.spec}"
        return f"#{self.pk} · {self.spec} ({self.get_status_display()})"

    @property
    def is_stale(self) -> bool:
        """Running, but its process was killed (gone from this host, or no progress for ``STALE_AFTER``)."""
        return job_is_stale(self, stale_after=STALE_AFTER)

    @property
    def is_published(self) -> bool:
        return self.status == BuildStatus.PUBLISHED

    @property
    def progress_topic(self) -> str:
        return f"export-{self.pk}"
