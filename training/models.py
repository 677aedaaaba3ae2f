"""The model registry, training jobs and deployments.

- ``ModelVersion``: every model that can author turns in the corpus (trained here or external).
- ``TrainingJob``: one fine-tuning run of the SFT runner on an export build.
- ``TrainingMetric``: the runner's metrics stream, one row per event, for the live loss curve.
- ``Deployment``: which model version plays the character in human–machine rounds; exactly one
  is active at a time, earlier ones stay for the record and for rollback.
"""

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from platform_core.jobs import Job


class TrainingMethod(models.TextChoices):
    LORA = "lora", _("LoRA adapter")
    FULL = "full", _("Full fine-tune")


class ServingBackend(models.TextChoices):
    LOCAL = "local", _("Local transformers")
    OPENAI = "openai", _("OpenAI-compatible endpoint (e.g. vLLM)")


GENERATION_SETTING_LIMITS: dict[str, tuple[type, float, float]] = {
    "temperature": (float, 0.0, 2.0),
    "top_p": (float, 0.0, 1.0),
    "top_k": (int, 0, 1000),
    "max_new_tokens": (int, 1, 4096),
    "min_new_tokens": (int, 0, 4096),
    "repetition_penalty": (float, 0.5, 2.0),
}
# No repetition penalty: transformers' continuous batching cannot apply one, and a version that
# sets it has its replies generated one at a time (training/batching.py).
DEFAULT_GENERATION_SETTINGS = {"temperature": 0.8, "top_p": 0.9, "max_new_tokens": 256}


def validate_generation_settings(value: object) -> None:
    if not isinstance(value, dict):
        raise ValidationError(_("Generation settings are an object of name → number."), code="invalid")
    errors = []
    for name, setting in value.items():
        if name not in GENERATION_SETTING_LIMITS:
            errors.append(
                ValidationError(
                    _("Unknown generation setting %(name)s (known: %(known)s)."),
                    code="unknown_setting",
                    params={"name": name, "known": ", ".join(GENERATION_SETTING_LIMITS)},
                )
            )
            continue
        kind, low, high = GENERATION_SETTING_LIMITS[name]
        if isinstance(setting, bool) or not isinstance(setting, int | float) or not low <= setting <= high:
            errors.append(
                ValidationError(
                    _("%(name)s must be a number from %(low)s to %(high)s."),
                    code="out_of_range",
                    params={"name": name, "low": low, "high": high},
                )
            )
        elif kind is int and int(setting) != setting:
            errors.append(ValidationError(_("%(name)s must be a whole number."), params={"name": name}))
    if errors:
        raise ValidationError(errors)


def default_generation_settings() -> dict:
    return dict(DEFAULT_GENERATION_SETTINGS)


class ModelVersion(models.Model):
    """A trained (or external) chat model. ``generation`` counts self-refinement rounds."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    base_model = models.CharField(_("base model"), max_length=500, help_text=_("Local path or served model name."))
    weights_path = models.CharField(_("adapter or weights path"), max_length=500, blank=True)
    generation = models.PositiveIntegerField(_("generation"), default=1)
    method = models.CharField(_("method"), max_length=10, choices=TrainingMethod.choices, blank=True)
    export_build = models.ForeignKey(
        "exports.ExportBuild",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="model_versions",
        verbose_name=_("training data"),
    )
    hyperparameters = models.JSONField(_("hyperparameters"), default=dict, blank=True)
    metrics = models.JSONField(_("metrics"), default=dict, blank=True)
    model_card = models.TextField(_("model card"), blank=True)
    serving_backend = models.CharField(
        _("serving backend"), max_length=10, choices=ServingBackend.choices, default=ServingBackend.LOCAL
    )
    endpoint_url = models.URLField(
        _("endpoint URL"), blank=True, help_text=_("Base URL of an OpenAI-compatible server, e.g. http://gpu1:8000/v1")
    )
    served_name = models.CharField(
        _("served model name"), max_length=200, blank=True, help_text=_("The LoRA adapter's name on the server.")
    )
    runtime_lora = models.BooleanField(
        _("load the adapter at deploy"),
        default=False,
        help_text=_(
            "The endpoint is a vLLM server that loads LoRA adapters at run time: deploying loads this "
            "adapter there, and replacing or rolling it back unloads it."
        ),
    )
    server_adapter_path = models.CharField(
        _("adapter path on the server"),
        max_length=500,
        blank=True,
        help_text=_("Where the serving machine finds the adapter; empty: the adapter or weights path."),
    )
    generation_settings = models.JSONField(
        _("generation settings"), default=default_generation_settings, validators=[validate_generation_settings]
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("model version")
        verbose_name_plural = _("model versions")
        constraints = [
            models.CheckConstraint(condition=Q(generation__gte=0), name="model_generation_non_negative"),
            models.CheckConstraint(
                condition=~Q(serving_backend="openai") | ~Q(endpoint_url=""), name="openai_backend_has_endpoint"
            ),
            models.CheckConstraint(
                condition=Q(runtime_lora=False) | (Q(serving_backend="openai") & ~Q(served_name="")),
                name="runtime_lora_is_served_by_name",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} (gen {self.generation})"

    def clean(self) -> None:
        if self.serving_backend == ServingBackend.OPENAI and not self.endpoint_url:
            raise ValidationError({"endpoint_url": _("An OpenAI-compatible backend needs the server's URL.")})
        if self.runtime_lora and (self.serving_backend != ServingBackend.OPENAI or not self.served_name):
            raise ValidationError(
                {"runtime_lora": _("Loading the adapter at deploy needs an OpenAI-compatible endpoint and a served name.")}
            )
        if self.runtime_lora and not (self.server_adapter_path or self.weights_path):
            raise ValidationError({"server_adapter_path": _("Say where the server finds the adapter.")})


class Hardware(models.TextChoices):
    CPU = "cpu", _("CPU")
    GPU = "gpu", _("One GPU")
    MULTI_GPU = "multi_gpu", _("Several GPUs (torchrun)")


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    CANCELLING = "cancelling", _("Cancelling")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


FINISHED_STATUSES = (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED)


class TrainingJob(Job):
    """One run of ``python -m training.sft`` on an export build; resumable from its checkpoints."""

    name = models.CharField(_("name"), max_length=200)
    export_build = models.ForeignKey(
        "exports.ExportBuild", on_delete=models.PROTECT, related_name="training_jobs", verbose_name=_("export build")
    )
    base_model = models.CharField(_("base model directory"), max_length=500)
    method = models.CharField(_("method"), max_length=10, choices=TrainingMethod.choices, default=TrainingMethod.LORA)
    hyperparameters = models.JSONField(_("hyperparameters"), default=dict, blank=True)
    hardware = models.CharField(_("hardware"), max_length=10, choices=Hardware.choices, default=Hardware.CPU)
    num_gpus = models.PositiveSmallIntegerField(_("GPUs"), default=1)
    status = models.CharField(_("status"), max_length=12, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress = models.FloatField(_("progress (%)"), default=0)
    current_step = models.PositiveIntegerField(_("step"), default=0)
    max_steps = models.PositiveIntegerField(_("total steps"), default=0)
    attempts = models.PositiveSmallIntegerField(_("runner starts"), default=0)
    runner_pid = models.PositiveIntegerField(_("runner process id"), null=True, blank=True)
    metrics_offset = models.PositiveBigIntegerField(default=0, help_text="Bytes of metrics.jsonl already read.")
    output_dir = models.CharField(_("output directory"), max_length=500, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    model_version = models.OneToOneField(
        ModelVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="training_job"
    )
    creator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="training_jobs"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # worker (host:pid), started_at, heartbeat_at, finished_at: Job.

    CLAIMABLE_STATUSES = (JobStatus.QUEUED,)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("training job")
        verbose_name_plural = _("training jobs")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=JobStatus.values), name="training_job_status_known"),
            models.CheckConstraint(condition=Q(method__in=TrainingMethod.values), name="training_job_method_known"),
            models.CheckConstraint(condition=Q(hardware__in=Hardware.values), name="training_job_hardware_known"),
            models.CheckConstraint(condition=Q(progress__gte=0, progress__lte=100), name="training_progress_in_range"),
            models.CheckConstraint(condition=Q(num_gpus__gte=1), name="training_job_has_a_gpu_count"),
            models.CheckConstraint(
                condition=~Q(status="succeeded") | Q(model_version__isnull=False),
                name="succeeded_job_registers_a_model",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.name} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED_STATUSES

    @property
    def progress_topic(self) -> str:
        return f"training-{self.pk}"

    @property
    def log_path(self) -> Path:
        return Path(self.output_dir) / "runner.log"


class TrainingMetric(models.Model):
    """One event of the runner's metrics stream (``data``, ``notice``, ``start``, ``log``, ``eval``, ``checkpoint``, ``end``)."""

    job = models.ForeignKey(TrainingJob, on_delete=models.CASCADE, related_name="metric_events")
    event = models.CharField(max_length=20)
    step = models.PositiveIntegerField(default=0)
    loss = models.FloatField(null=True, blank=True)
    eval_loss = models.FloatField(null=True, blank=True)
    tokens_per_s = models.FloatField(null=True, blank=True)
    gpu_mem_mb = models.FloatField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["job", "id"]
        indexes = [models.Index(fields=["job", "event", "step"])]
        verbose_name = _("training metric")
        verbose_name_plural = _("training metrics")

    def __str__(self) -> str:
        return f"{self.job_id}:{self.event}@{self.step}"


class Deployment(models.Model):
    """Putting a model version in the character's seat. Exactly one deployment is active."""

    model_version = models.ForeignKey(ModelVersion, on_delete=models.PROTECT, related_name="deployments")
    active = models.BooleanField(_("active"), default=True)
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("replaced")
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    deployed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    deployed_at = models.DateTimeField(auto_now_add=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-deployed_at", "-id"]
        verbose_name = _("deployment")
        verbose_name_plural = _("deployments")
        constraints = [
            models.UniqueConstraint(fields=["active"], condition=Q(active=True), name="one_active_deployment"),
        ]

    def __str__(self) -> str:
        return f"{self.model_version} ({'active' if self.active else 'retired'})"


class DiscardedReply(models.Model):
    """A model reply the worker regenerated away in a human–machine chat (kept: it is a rejected sample)."""

    dialogue = models.ForeignKey("roleplay.Dialogue", on_delete=models.CASCADE, related_name="discarded_replies")
    seq = models.PositiveIntegerField(_("turn"))
    text = models.TextField(_("text"))
    model_version = models.ForeignKey(ModelVersion, on_delete=models.PROTECT, related_name="discarded_replies")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["dialogue", "seq", "id"]
        verbose_name = _("discarded model reply")
        verbose_name_plural = _("discarded model replies")

    def __str__(self) -> str:
        return f"{self.dialogue_id}:{self.seq} {self.text[:40]}"
