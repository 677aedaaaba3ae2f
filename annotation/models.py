"""Annotation workflows: LLM synthesis, colloquial rewrite review, literary extraction,
character-prompt writing, and the quality control shared by all of them."""

import string
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from platform_core.jobs import Job
from roleplay.models import ATTRIBUTE_FIELDS, BEHAVIOUR_FIELDS, CharacterCategory, Language

# --- LLM providers and prompt templates -------------------------------------------------------


class LLMProvider(models.Model):
    """An OpenAI-compatible chat-completions endpoint, with its rate limit and prices.

    A blank ``api_key`` means "use the LLM_API_KEY setting", so keys can stay in the environment.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    base_url = models.URLField(_("base URL"), help_text=_("e.g. https://api.openai.com/v1"))
    api_key = models.CharField(_("API key"), max_length=300, blank=True)
    default_model = models.CharField(_("default model"), max_length=100, default="gpt-4")
    requests_per_minute = models.PositiveIntegerField(_("requests per minute"), default=60)
    timeout_s = models.FloatField(_("timeout (seconds)"), default=60.0, validators=[MinValueValidator(0.1)])
    max_retries = models.PositiveSmallIntegerField(_("retries on 429/5xx"), default=4)
    price_prompt_per_1k = models.DecimalField(
        _("price per 1k prompt tokens (USD)"), max_digits=10, decimal_places=6, default=Decimal("0")
    )
    price_completion_per_1k = models.DecimalField(
        _("price per 1k completion tokens (USD)"), max_digits=10, decimal_places=6, default=Decimal("0")
    )
    is_default = models.BooleanField(_("default provider"), default=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("LLM provider")
        verbose_name_plural = _("LLM providers")
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True), name="one_default_provider")
        ]

    def __str__(self) -> str:
        return self.name

    def cost_of(self, prompt_tokens: int, completion_tokens: int) -> Decimal:
        return (self.price_prompt_per_1k * prompt_tokens + self.price_completion_per_1k * completion_tokens) / 1000


class TemplateKind(models.TextChoices):
    CHARACTER = "character", _("Character profile")
    DIALOGUE = "dialogue", _("Dialogue")
    SUMMARY = "summary", _("Prompt summary")
    PARAPHRASE = "paraphrase", _("Prompt paraphrase")
    STYLIZED = "stylized", _("Prompt stylisation (first person)")


PROFILE_VARIABLES = ("name", *ATTRIBUTE_FIELDS, *BEHAVIOUR_FIELDS, "greeting")
TEMPLATE_VARIABLES: dict[str, tuple[str, ...]] = {
    TemplateKind.CHARACTER: ("category", "language", "index"),
    TemplateKind.DIALOGUE: ("category", "language", "turns", "profile", *PROFILE_VARIABLES),
    TemplateKind.SUMMARY: ("name", "language", "prompt"),
    TemplateKind.PARAPHRASE: ("name", "language", "prompt"),
    TemplateKind.STYLIZED: ("name", "language", "prompt"),
}


def template_variables(text: str) -> set[str]:
    """Names used as ``$name`` or ``${name}`` in a template (``$$`` is a literal dollar)."""
    names = set()
    for match in string.Template.pattern.finditer(text):
        if match.group("invalid") is not None:
            raise ValidationError({"text": _("A lone '$' must be written '$$'.")})
        name = match.group("named") or match.group("braced")
        if name:
            names.add(name)
    return names


class PromptTemplate(models.Model):
    """A versioned prompt; editing stores a new version, so every batch keeps the text it used."""

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=TemplateKind.choices)
    version = models.PositiveIntegerField(_("version"), default=1)
    system_text = models.TextField(_("system message"), blank=True)
    text = models.TextField(_("user message"), help_text=_("Variables are written $name or ${name}."))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "name", "-version"]
        verbose_name = _("prompt template")
        verbose_name_plural = _("prompt templates")
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="template_version_unique"),
            models.CheckConstraint(condition=Q(kind__in=TemplateKind.values), name="template_kind_known"),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    def clean(self) -> None:
        allowed = set(TEMPLATE_VARIABLES.get(self.kind, ()))
        used = template_variables(self.text) | template_variables(self.system_text)
        unknown = used - allowed
        if unknown:
            raise ValidationError(
                {
                    "text": _("Unknown variables: %(names)s. Allowed: %(allowed)s.")
                    % {"names": ", ".join(sorted(unknown)), "allowed": ", ".join(sorted(allowed))}
                }
            )

    def render(self, variables: dict[str, object]) -> list[dict[str, str]]:
        values = {key: "" if value is None else str(value) for key, value in variables.items()}
        messages = []
        if self.system_text.strip():
            messages.append({"role": "system", "content": string.Template(self.system_text).safe_substitute(values)})
        messages.append({"role": "user", "content": string.Template(self.text).safe_substitute(values)})
        return messages


# --- Synthesis batches ------------------------------------------------------------------------


class BatchOrigin(models.TextChoices):
    LLM = "llm", _("Generated by an LLM")
    IMPORT = "import", _("Imported from JSONL")


class BatchStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    COMPLETED = "completed", _("Completed")
    FAILED = "failed", _("Failed")


class SynthesisBatch(Job):
    """A batch of LLM-synthesised characters and dialogues (GPT-4 in CharacterGLM)."""

    name = models.CharField(_("name"), max_length=200)
    llm_model = models.CharField(_("LLM model"), max_length=100)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    origin = models.CharField(_("origin"), max_length=10, choices=BatchOrigin.choices, default=BatchOrigin.LLM)
    status = models.CharField(_("status"), max_length=12, choices=BatchStatus.choices, default=BatchStatus.DRAFT)
    provider = models.ForeignKey(
        LLMProvider, null=True, blank=True, on_delete=models.PROTECT, related_name="batches",
        help_text=_("Empty: the LLM_* settings."),
    )  # fmt: skip
    character_template = models.ForeignKey(
        PromptTemplate, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    dialogue_template = models.ForeignKey(
        PromptTemplate, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    language = models.CharField(_("language"), max_length=10, choices=Language.choices, default=Language.ZH_HANS)
    categories = models.JSONField(_("categories"), default=list, blank=True)
    characters_per_category = models.PositiveIntegerField(
        _("characters per category"), default=1, validators=[MaxValueValidator(500)]
    )
    dialogues_per_category = models.PositiveIntegerField(
        _("dialogues per category"), default=1, validators=[MaxValueValidator(2000)]
    )
    turns_per_dialogue = models.PositiveIntegerField(
        _("turns per dialogue"), default=17, validators=[MinValueValidator(2), MaxValueValidator(100)]
    )
    # Accounting
    requests_made = models.PositiveIntegerField(_("requests made"), default=0)
    prompt_tokens = models.PositiveBigIntegerField(_("prompt tokens"), default=0)
    completion_tokens = models.PositiveBigIntegerField(_("completion tokens"), default=0)
    cost_usd = models.DecimalField(_("cost (USD)"), max_digits=12, decimal_places=6, default=Decimal("0"))
    error = models.TextField(_("error"), blank=True)
    # started_at, finished_at, worker and heartbeat_at (refreshed after every item by the worker
    # running the batch; a second delivery of the task leaves a batch with a fresh heartbeat
    # alone, and takes over one whose worker died): Job.

    # Any batch not running may be (re)started; a running one only once its worker is gone.
    CLAIMABLE_STATUSES = tuple(status for status in BatchStatus.values if status != BatchStatus.RUNNING)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("synthesis batch")
        verbose_name_plural = _("synthesis batches")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=BatchStatus.values), name="batch_status_known"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        unknown = set(self.categories or []) - set(CharacterCategory.values)
        if unknown:
            raise ValidationError({"categories": _("Unknown categories: %s") % ", ".join(sorted(unknown))})

    @property
    def progress_topic(self) -> str:
        return f"synthesis-{self.pk}"


class ItemKind(models.TextChoices):
    CHARACTER = "character", _("Character profile")
    DIALOGUE = "dialogue", _("Dialogue")


class ItemStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class SynthesisItem(models.Model):
    """One generation request in a batch; a failed item keeps the model's raw output."""

    batch = models.ForeignKey(SynthesisBatch, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(_("kind"), max_length=10, choices=ItemKind.choices)
    category = models.CharField(_("category"), max_length=20, choices=CharacterCategory.choices)
    index = models.PositiveIntegerField(_("index in category"), default=0)
    status = models.CharField(_("status"), max_length=10, choices=ItemStatus.choices, default=ItemStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    raw_output = models.TextField(_("raw output"), blank=True)
    error = models.TextField(_("error"), blank=True)
    character = models.ForeignKey(
        "roleplay.Character", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    dialogue = models.ForeignKey(
        "roleplay.Dialogue", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    prompt_tokens = models.PositiveIntegerField(default=0)
    completion_tokens = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["batch", "kind", "category", "index"]
        verbose_name = _("synthesis item")
        verbose_name_plural = _("synthesis items")
        constraints = [
            models.UniqueConstraint(fields=["batch", "kind", "category", "index"], name="synthesis_item_unique"),
            models.CheckConstraint(
                condition=~Q(kind="dialogue") | Q(character__isnull=False) | ~Q(status="done"),
                name="done_dialogue_item_names_character",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.kind}:{self.category}:{self.index}"


# --- Literary works ---------------------------------------------------------------------------


class WorkStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Uploaded")
    SCANNING = "scanning", _("Scanning")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class LiteraryWork(models.Model):
    """A novel or script that two-party dialogues are extracted from."""

    title = models.CharField(_("title"), max_length=300)
    author = models.CharField(_("author"), max_length=200, blank=True)
    language = models.CharField(_("language"), max_length=10, choices=Language.choices)
    licence_note = models.TextField(_("licence note"), blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    text = models.TextField(_("text"), blank=True)
    original_filename = models.CharField(_("file name"), max_length=300, blank=True)
    detected_encoding = models.CharField(_("detected encoding"), max_length=30, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=WorkStatus.choices, default=WorkStatus.UPLOADED)
    error = models.TextField(_("error"), blank=True)
    # When set, the scan asks this provider about the speakers the detector's rules leave uncertain.
    llm_provider = models.ForeignKey(
        LLMProvider,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("LLM for uncertain speakers"),
    )

    class Meta:
        ordering = ["title", "id"]
        verbose_name = _("literary work")
        verbose_name_plural = _("literary works")

    def __str__(self) -> str:
        return self.title


class LiteraryChapter(models.Model):
    work = models.ForeignKey(LiteraryWork, on_delete=models.CASCADE, related_name="chapters")
    index = models.PositiveIntegerField(_("index"))
    title = models.CharField(_("title"), max_length=200)
    start = models.PositiveIntegerField(_("start offset"))
    end = models.PositiveIntegerField(_("end offset"))

    class Meta:
        ordering = ["work", "index"]
        verbose_name = _("chapter")
        verbose_name_plural = _("chapters")
        constraints = [
            models.UniqueConstraint(fields=["work", "index"], name="chapter_index_unique"),
            models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="chapter_span_ordered"),
        ]

    def __str__(self) -> str:
        return self.title


class ExtractionCandidate(models.Model):
    """A passage the detector thinks holds a dialogue: ``lines`` is ``[{speaker, text}]``."""

    work = models.ForeignKey(LiteraryWork, on_delete=models.CASCADE, related_name="candidates")
    chapter = models.ForeignKey(LiteraryChapter, on_delete=models.CASCADE, related_name="candidates")
    start = models.PositiveIntegerField(_("start offset"))
    end = models.PositiveIntegerField(_("end offset"))
    lines = models.JSONField(_("lines"), default=list)

    class Meta:
        ordering = ["work", "start"]
        verbose_name = _("extraction candidate")
        verbose_name_plural = _("extraction candidates")
        constraints = [models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="candidate_span_ordered")]

    def __str__(self) -> str:
        return f"{self.work} [{self.start}:{self.end}]"

    @property
    def speakers(self) -> list[str]:
        seen: dict[str, int] = {}
        for line in self.lines:
            if line.get("speaker"):
                seen[line["speaker"]] = seen.get(line["speaker"], 0) + 1
        return sorted(seen, key=lambda name: -seen[name])


# --- Tasks and quality control ----------------------------------------------------------------


class TaskKind(models.TextChoices):
    REWRITE_REVIEW = "rewrite_review", _("Colloquial rewrite review")
    EXTRACTION = "extraction", _("Literary extraction")
    PROMPT_WRITING = "prompt_writing", _("Character-prompt writing")
    PROMPT_VARIANTS = "prompt_variants", _("Prompt variant review")
    DIALOGUE_REVIEW = "dialogue_review", _("Dialogue review")


# Reviews of a whole dialogue that settle it (accepted or rejected): LLM dialogues get a rewrite
# review (lines rewritten into spoken style); every other source a dialogue review (read, rate, decide).
REVIEW_KINDS = (TaskKind.REWRITE_REVIEW, TaskKind.DIALOGUE_REVIEW)


class TaskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLAIMED = "claimed", _("Claimed")
    SUBMITTED = "submitted", _("Submitted")
    CANCELLED = "cancelled", _("Cancelled")


class GoldStandard(models.Model):
    """A task with a known answer; copies are mixed into annotators' queues and scored."""

    kind = models.CharField(_("kind"), max_length=20, choices=TaskKind.choices)
    dialogue = models.ForeignKey("roleplay.Dialogue", null=True, blank=True, on_delete=models.CASCADE)
    candidate = models.ForeignKey(ExtractionCandidate, null=True, blank=True, on_delete=models.CASCADE)
    answer = models.JSONField(_("answer"))
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("gold standard")
        verbose_name_plural = _("gold standards")
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind__in=REVIEW_KINDS) & Q(dialogue__isnull=False))
                | (Q(kind="extraction") & Q(candidate__isnull=False)),
                name="gold_names_its_subject",
            )
        ]

    def __str__(self) -> str:
        return f"gold {self.kind} #{self.pk}"


class AnnotationTask(models.Model):
    """One unit of work in a queue. ``slot`` numbers the k independent reviews of one subject."""

    kind = models.CharField(_("kind"), max_length=20, choices=TaskKind.choices)
    status = models.CharField(_("status"), max_length=12, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    slot = models.PositiveSmallIntegerField(_("review slot"), default=1)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="annotation_tasks"
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim_expires_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    dialogue = models.ForeignKey(
        "roleplay.Dialogue", null=True, blank=True, on_delete=models.CASCADE, related_name="annotation_tasks"
    )
    candidate = models.ForeignKey(
        ExtractionCandidate, null=True, blank=True, on_delete=models.CASCADE, related_name="tasks"
    )
    character = models.ForeignKey(
        "roleplay.Character", null=True, blank=True, on_delete=models.CASCADE, related_name="annotation_tasks"
    )
    prompt = models.ForeignKey(
        "roleplay.CharacterPrompt", null=True, blank=True, on_delete=models.CASCADE, related_name="annotation_tasks"
    )
    gold = models.ForeignKey(GoldStandard, null=True, blank=True, on_delete=models.CASCADE, related_name="tasks")
    gold_score = models.FloatField(_("gold score"), null=True, blank=True)
    # The submission: decision/reason/rating for reviews, speaker assignments for extraction, ...
    result = models.JSONField(_("result"), default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("annotation task")
        verbose_name_plural = _("annotation tasks")
        indexes = [models.Index(fields=["kind", "status"])]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=TaskKind.values), name="task_kind_known"),
            models.CheckConstraint(condition=Q(status__in=TaskStatus.values), name="task_status_known"),
            models.CheckConstraint(
                condition=~Q(status="claimed") | Q(assignee__isnull=False, claim_expires_at__isnull=False),
                name="claimed_task_has_assignee",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=REVIEW_KINDS) | Q(dialogue__isnull=False), name="review_task_names_dialogue"
            ),
            models.CheckConstraint(
                condition=~Q(kind="extraction") | Q(candidate__isnull=False), name="extraction_task_names_candidate"
            ),
            models.CheckConstraint(
                condition=~Q(kind="prompt_writing") | Q(character__isnull=False), name="writing_task_names_character"
            ),
            models.CheckConstraint(
                condition=~Q(kind="prompt_variants") | Q(prompt__isnull=False), name="variant_task_names_prompt"
            ),
            # k independent reviews: one real (non-gold) task per subject and slot.
            models.UniqueConstraint(
                fields=["kind", "dialogue", "slot"],
                condition=Q(gold__isnull=True, dialogue__isnull=False),
                name="one_task_per_dialogue_slot",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def duration_s(self) -> float | None:
        if self.claimed_at and self.submitted_at:
            return (self.submitted_at - self.claimed_at).total_seconds()
        return None


class AdjudicationStatus(models.TextChoices):
    OPEN = "open", _("Open")
    RESOLVED = "resolved", _("Resolved")


class Adjudication(models.Model):
    """Reviewers of one dialogue disagreed; an admin decides."""

    dialogue = models.OneToOneField("roleplay.Dialogue", on_delete=models.CASCADE, related_name="adjudication")
    status = models.CharField(max_length=10, choices=AdjudicationStatus.choices, default=AdjudicationStatus.OPEN)
    decision = models.CharField(max_length=10, blank=True)
    chosen_task = models.ForeignKey(AnnotationTask, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    note = models.TextField(blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("adjudication")
        verbose_name_plural = _("adjudications")

    def __str__(self) -> str:
        return f"adjudication of dialogue {self.dialogue_id}"
