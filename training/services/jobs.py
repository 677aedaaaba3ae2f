"""Training job records: validate and create, cancel, resume; the hyperparameters a job may set."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from exports.models import BuildStatus, ExportBuild
from platform_core.errors import Refused
from platform_core.jobs import job_is_stale
from platform_core.models import User
from platform_core.services import audit_record
from training import conf
from training.job_progress import job_progress_publish
from training.models import Hardware, JobStatus, TrainingJob, TrainingMethod

# name -> (type, minimum, maximum, default); the runner's flag is --<name with dashes>.
HYPERPARAMETERS: dict[str, tuple[type, Any, Any, Any]] = {
    "epochs": (float, 0.01, 1000.0, 1.0),
    "max_steps": (int, -1, 10_000_000, -1),
    "learning_rate": (float, 1e-8, 1.0, None),
    "batch_size": (int, 1, 4096, 4),
    "grad_accum": (int, 1, 1024, 1),
    "max_length": (int, 16, 1_048_576, 1024),
    "packing": (bool, None, None, True),
    "lora_r": (int, 1, 1024, 16),
    "lora_alpha": (int, 1, 4096, 32),
    "lora_targets": (str, None, None, "all-linear"),
    "seed": (int, 0, 2**31 - 1, 42),
    "save_steps": (int, 1, 10_000_000, 50),
    "eval_steps": (int, 0, 10_000_000, 0),
    "liger": (bool, None, None, False),
    "torch_compile": (bool, None, None, False),
}


RUNNER_FLAGS = {"learning_rate": "--lr"}


class JobRefused(Refused):
    """An operation the job's state does not allow."""


def hyperparameters_clean(values: dict[str, Any] | None) -> dict[str, Any]:
    """Known hyperparameters, checked and completed with defaults; unknown or bad ones raise ValidationError."""
    values = dict(values or {})
    unknown = sorted(set(values) - set(HYPERPARAMETERS))
    if unknown:
        raise ValidationError(
            {"hyperparameters": _("Unknown hyperparameters: %(names)s.") % {"names": ", ".join(unknown)}}
        )
    cleaned: dict[str, Any] = {}
    for name, (kind, low, high, default) in HYPERPARAMETERS.items():
        value = values.get(name, default)
        if value is None:
            cleaned[name] = None
            continue
        if kind is bool:
            if not isinstance(value, bool):
                raise ValidationError({"hyperparameters": _("%(name)s must be true or false.") % {"name": name}})
        elif kind is str:
            if (
                not isinstance(value, str)
                or not value.strip()
                or not all(
                    part.strip().replace("_", "").replace("-", "").replace(".", "").isalnum()
                    for part in value.split(",")
                )
            ):
                raise ValidationError(
                    {"hyperparameters": _("%(name)s must be module names separated by commas.") % {"name": name}}
                )
            value = value.strip()
        else:
            if isinstance(value, bool) or not isinstance(value, int | float) or (kind is int and int(value) != value):
                raise ValidationError(
                    {"hyperparameters": _("%(name)s must be a %(kind)s.") % {"name": name, "kind": kind.__name__}}
                )
            value = kind(value)
            if not low <= value <= high:
                raise ValidationError(
                    {
                        "hyperparameters": _("%(name)s must lie between %(low)s and %(high)s.")
                        % {"name": name, "low": low, "high": high}
                    }
                )
        cleaned[name] = value
    if cleaned["max_steps"] == 0:
        raise ValidationError({"hyperparameters": _("max_steps must be positive, or -1 to train by epochs.")})
    return cleaned


def base_model_check(path: str) -> Path:
    """A local Hugging Face model directory; nothing is ever downloaded."""
    directory = Path(path).expanduser()
    if not path.strip() or not directory.is_absolute():
        raise ValidationError({"base_model": _("Give the absolute path of a local model directory.")})
    if not directory.is_dir():
        raise ValidationError({"base_model": _("No directory %(path)s on the training host.") % {"path": path}})
    if not (directory / "config.json").exists():
        raise ValidationError(
            {"base_model": _("%(path)s has no config.json: not a Hugging Face model directory.") % {"path": path}}
        )
    return directory


def export_split_file(build: ExportBuild, split: str) -> Path:
    from exports.selectors import build_split_path

    return build_split_path(build, split, "messages")


def training_job_create(
    *,
    creator: User | None,
    export_build: ExportBuild,
    base_model: str,
    method: str = TrainingMethod.LORA,
    hyperparameters: dict[str, Any] | None = None,
    hardware: str = Hardware.CPU,
    num_gpus: int = 1,
    name: str = "",
    enqueue: bool = True,
) -> TrainingJob:
    """Validate and queue a job on the ``training`` queue (enqueued once the transaction commits).

    ``enqueue=False`` stores the job without queueing it, for running it in the foreground with
    ``manage.py training_job_run``.
    """
    if method not in TrainingMethod.values:
        raise ValidationError({"method": _("Unknown method %(method)s.") % {"method": method}})
    if hardware not in Hardware.values:
        raise ValidationError({"hardware": _("Unknown hardware %(hardware)s.") % {"hardware": hardware}})
    if hardware == Hardware.MULTI_GPU and num_gpus < 2:
        raise ValidationError({"num_gpus": _("Several GPUs means at least 2.")})
    if export_build.status != BuildStatus.PUBLISHED:
        raise ValidationError({"export_build": _("Only a published export build can be trained on.")})
    if not export_split_file(export_build, "train").exists():
        raise ValidationError({"export_build": _("The build has no train/messages.jsonl.")})
    base = base_model_check(base_model)
    cleaned = hyperparameters_clean(hyperparameters)
    if cleaned["liger"] and hardware == Hardware.CPU:
        raise ValidationError({"hyperparameters": _("Liger kernels need a GPU; choose one or several GPUs.")})
    with transaction.atomic():
        job = TrainingJob.objects.create(
            name=name.strip() or f"{base.name}-v{export_build.version}-{method}",
            export_build=export_build,
            base_model=str(base),
            method=method,
            hyperparameters=cleaned,
            hardware=hardware,
            num_gpus=num_gpus if hardware == Hardware.MULTI_GPU else 1,
            creator=creator,
        )
        job.output_dir = str(conf.output_root() / f"job-{job.pk}")
        job.save(update_fields=["output_dir"])
        audit_record(actor=creator, action="training.job_create", target=job, details={"name": job.name})
        if enqueue:
            transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def _enqueue(job_id: int) -> None:
    from training.tasks import training_job_run_task

    training_job_run_task.delay(job_id)


def worker_alive(job: TrainingJob) -> bool:
    """Whether the worker recorded on a running job still runs it (``platform_core.jobs``' rule:
    on this host its process exists; on another its heartbeat is younger than
    ``TRAINING_STALE_AFTER_S``, refreshed every poll while the runner works)."""
    return job.status == JobStatus.RUNNING and not job_is_stale(job, stale_after=stale_after())


def stale_after() -> timedelta:
    return timedelta(seconds=conf.stale_after_s())


def training_job_cancel(*, job: TrainingJob, actor: User | None) -> TrainingJob:
    """Ask a queued or running job to stop; the worker stops the runner within one poll interval."""
    with transaction.atomic():
        job = TrainingJob.objects.select_for_update().get(pk=job.pk)
        if job.is_finished:
            raise JobRefused("job_finished", _("This job has already finished."))
        if job.status == JobStatus.QUEUED:
            job.status = JobStatus.CANCELLED
            job.finished_at = timezone.now()
            job.save(update_fields=["status", "finished_at"])
        else:
            job.status = JobStatus.CANCELLING
            job.save(update_fields=["status"])
        audit_record(actor=actor, action="training.job_cancel", target=job)
    job_progress_publish(job=job, message=job.get_status_display())
    return job


def training_job_resume(*, job: TrainingJob, actor: User | None) -> TrainingJob:
    """Queue a failed, cancelled or stalled (worker gone) job again; it continues from its last checkpoint."""
    with transaction.atomic():
        job = TrainingJob.objects.select_for_update().get(pk=job.pk)
        if job.status == JobStatus.SUCCEEDED:
            raise JobRefused("job_succeeded", _("This job has already succeeded."))
        if job.status == JobStatus.CANCELLING:
            raise JobRefused("job_cancelling", _("This job is being cancelled."))
        if worker_alive(job):
            raise JobRefused("job_running", _("This job is running; its worker is alive."))
        job.status = JobStatus.QUEUED
        job.error = ""
        job.finished_at = None
        job.save(update_fields=["status", "error", "finished_at"])
        audit_record(actor=actor, action="training.job_resume", target=job)
        transaction.on_commit(lambda: _enqueue(job.pk))
    return job
