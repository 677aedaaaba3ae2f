"""Writes for training: launch, run, cancel and resume jobs; register, deploy and roll back models."""

from __future__ import annotations

import ctypes
import json
import logging
import os
import signal
import socket
import subprocess
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from exports.models import BuildStatus, ExportBuild
from platform_core.errors import Refused
from platform_core.models import User
from platform_core.services import audit_record
from training import conf
from training.job_progress import LogWatch, job_progress_publish
from training.models import (
    Deployment,
    Hardware,
    JobStatus,
    ModelVersion,
    TrainingJob,
    TrainingMethod,
    TrainingMetric,
    validate_generation_settings,
)
from training.sft import METRICS_FILE, RESULT_FILE, last_checkpoint, read_metrics

logger = logging.getLogger(__name__)

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


def export_max_generation(build: ExportBuild) -> int:
    """The highest model generation among the turns of the build's train and validation splits (0 if none)."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from exports.selectors import build_split_path

    highest = 0
    for split in ("train", "validation"):
        try:
            path = build_split_path(build, split, "parquet")
        except ValueError:
            continue
        if not path.exists():
            continue
        column = pq.read_table(path, columns=["model_generation"]).column("model_generation")
        value = pc.max(column).as_py() if len(column) else None
        if value is not None:
            highest = max(highest, int(value))
    return highest


# --- jobs -----------------------------------------------------------------------------------------


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


def runner_command(job: TrainingJob) -> list[str]:
    """The runner invocation for ``job`` (always with ``--resume``: a fresh job has nothing to resume)."""
    build = job.export_build
    args = [
        "-m",
        "training.sft",
        "--train",
        str(export_split_file(build, "train")),
        "--base-model",
        job.base_model,
        "--out",
        job.output_dir,
        "--method",
        job.method,
        "--resume",
    ]
    validation = export_split_file(build, "validation")
    if validation.exists() and validation.stat().st_size > 0:
        args += ["--eval", str(validation)]
    for name, value in job.hyperparameters.items():
        if value is None or name not in HYPERPARAMETERS:
            continue
        flag = RUNNER_FLAGS.get(name, "--" + name.replace("_", "-"))
        if isinstance(value, bool):
            args.append(flag if value else "--no-" + flag[2:])
        else:
            args += [flag, str(value)]
    python = conf.python_executable()
    if job.hardware == Hardware.CPU:
        return [python, *args, "--cpu"]
    if job.hardware == Hardware.MULTI_GPU:
        return [python, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={job.num_gpus}", *args]
    return [python, *args]


def _die_with_parent() -> None:
    """In the runner child: get SIGKILL when the worker dies, so no orphan keeps the GPU."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    os.setsid()


def _metrics_ingest(job: TrainingJob) -> list[dict]:
    """Store metrics events appended since the last read; update the job's step and progress."""
    events, offset = read_metrics(Path(job.output_dir) / METRICS_FILE, job.metrics_offset)
    if not events and offset == job.metrics_offset:
        return []
    rows = []
    for event in events:
        kind = str(event.get("event", ""))[:20]
        step = int(event.get("step") or 0)
        rows.append(
            TrainingMetric(
                job=job,
                event=kind,
                step=step,
                loss=event.get("loss"),
                eval_loss=event.get("eval_loss"),
                tokens_per_s=event.get("tokens_per_s"),
                gpu_mem_mb=event.get("gpu_mem_mb"),
                data=event,
            )
        )
        if event.get("max_steps"):
            job.max_steps = int(event["max_steps"])
        job.current_step = max(job.current_step, step) if kind != "start" else step
    with transaction.atomic():
        TrainingMetric.objects.bulk_create(rows)
        job.metrics_offset = offset
        if job.max_steps:
            job.progress = min(100.0, 100.0 * job.current_step / job.max_steps)
        job.heartbeat_at = timezone.now()
        job.save(update_fields=["metrics_offset", "max_steps", "current_step", "progress", "heartbeat_at"])
    losses = [e for e in events if e.get("event") == "log" and e.get("loss") is not None]
    message = f"step {job.current_step}/{job.max_steps}"
    if losses:
        message += f" · loss {losses[-1]['loss']:.4f}"
    job_progress_publish(job=job, message=message)
    return events


def _log_tail(job: TrainingJob, chars: int = 2000) -> str:
    try:
        return job.log_path.read_text(encoding="utf-8", errors="replace")[-chars:]
    except FileNotFoundError:
        return ""


def _cancel_requested(job: TrainingJob) -> bool:
    return TrainingJob.objects.filter(pk=job.pk, status=JobStatus.CANCELLING).exists()


def _stop_runner(process: subprocess.Popen) -> None:
    """SIGTERM the runner's process group (torchrun and its ranks), SIGKILL after a grace period."""
    for sig, wait_s in ((signal.SIGTERM, 10), (signal.SIGKILL, 10)):
        if process.poll() is not None:
            return
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait_s)
        except subprocess.TimeoutExpired:
            continue


def _finish(job: TrainingJob, status: str, error: str = "") -> TrainingJob:
    job.status = status
    job.error = error
    job.finished_at = timezone.now()
    job.runner_pid = None
    job.save(update_fields=["status", "error", "finished_at", "runner_pid"])
    job_progress_publish(job=job, message=job.get_status_display())
    return job


def _this_worker() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def worker_alive(job: TrainingJob) -> bool:
    """Whether the worker recorded on a running job still runs it.

    On this host: its process exists. On another host: its heartbeat is recent (the worker
    refreshes it every poll while the runner writes metrics).
    """
    if job.status != JobStatus.RUNNING or not job.worker:
        return False
    host, _sep, pid = job.worker.rpartition(":")
    if host == socket.gethostname() and pid.isdigit():
        if int(pid) == os.getpid():
            return False  # this very process: a previous call of ours that has returned
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    stale_after = timedelta(seconds=conf.stale_after_s())
    return job.heartbeat_at is not None and timezone.now() - job.heartbeat_at < stale_after


def training_job_run(*, job_id: int) -> TrainingJob:
    """Run (or resume) the job's runner to the end; what a ``training`` queue worker executes.

    Safe to call again after the worker died: the runner resumes from the newest checkpoint and
    stops at the same final step. A runner that dies on its own (killed, out of memory) is
    restarted from its checkpoint up to ``TRAINING_MAX_RESTARTS`` times.
    """
    with transaction.atomic():
        job = TrainingJob.objects.select_for_update().get(pk=job_id)
        if job.is_finished:
            return job
        if job.status == JobStatus.CANCELLING:
            return _finish(job, JobStatus.CANCELLED)
        if worker_alive(job):
            # A redelivered message while the first worker is still at it: never two runners on one job.
            logger.warning("training job %s is already running on %s", job.pk, job.worker)
            return job
        job.status = JobStatus.RUNNING
        job.worker = _this_worker()
        job.started_at = job.started_at or timezone.now()
        job.heartbeat_at = timezone.now()
        job.save(update_fields=["status", "worker", "started_at", "heartbeat_at"])
    job_progress_publish(job=job, message=job.get_status_display())
    out = Path(job.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    restarts_left = conf.max_restarts()
    log_watch = LogWatch(job)
    while True:
        command = runner_command(job)
        job.attempts += 1
        with open(job.log_path, "a", encoding="utf-8") as log:
            log.write(f"\n=== start {job.attempts} at {timezone.now().isoformat()}: {' '.join(command)}\n")
            log.flush()
            process = subprocess.Popen(
                command,
                cwd=settings.BASE_DIR,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env={**os.environ, "PYTHONUNBUFFERED": "1", "TOKENIZERS_PARALLELISM": "false"},
                preexec_fn=_die_with_parent,
            )
        job.runner_pid = process.pid
        job.save(update_fields=["attempts", "runner_pid"])
        (out / "runner.pid").write_text(str(process.pid))
        cancelled = False
        while process.poll() is None:
            ingested = _metrics_ingest(job)
            if log_watch.grew() and not ingested:
                job_progress_publish(job=job)  # the log moved without a metrics event
            if not ingested and timezone.now() - (job.heartbeat_at or job.started_at) > timedelta(seconds=30):
                job.heartbeat_at = timezone.now()  # long steps write no metrics: still alive
                job.save(update_fields=["heartbeat_at"])
            if _cancel_requested(job):
                _stop_runner(process)
                cancelled = True
                break
            time.sleep(conf.poll_interval_s())
        _metrics_ingest(job)
        if cancelled:
            return _finish(job, JobStatus.CANCELLED)
        if process.returncode == 0 and (out / RESULT_FILE).exists():
            result = json.loads((out / RESULT_FILE).read_text(encoding="utf-8"))
            return _succeed(job, result)
        if process.returncode < 0 and restarts_left > 0 and last_checkpoint(out) is not None:
            restarts_left -= 1
            logger.warning("training job %s: runner died (%s), resuming from checkpoint", job.pk, process.returncode)
            continue
        reason = _("The runner exited with code %(code)s.") % {"code": process.returncode}
        return _finish(job, JobStatus.FAILED, f"{reason}\n{_log_tail(job)}")


@transaction.atomic
def _succeed(job: TrainingJob, result: dict[str, Any]) -> TrainingJob:
    job.refresh_from_db()
    if job.is_finished:
        return job
    version = model_version_register(job=job, result=result)
    job.result = result
    job.model_version = version
    job.current_step = int(result.get("final_step", job.current_step))
    job.progress = 100.0
    job.save(update_fields=["result", "model_version", "current_step", "progress"])
    audit_record(actor=job.creator, action="training.model_register", target=version, details={"job": job.pk})
    return _finish(job, JobStatus.SUCCEEDED)


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


# --- registry ---------------------------------------------------------------------------------------


def _unique_name(base: str) -> str:
    name = slugify(base)[:180] or "model"
    candidate, number = name, 2
    while ModelVersion.objects.filter(name=candidate).exists():
        candidate, number = f"{name}-{number}", number + 1
    return candidate


def model_card_markdown(*, version: ModelVersion, job: TrainingJob | None, result: dict[str, Any]) -> str:
    build = version.export_build
    rows = [
        ("Base model", version.base_model),
        ("Method", version.get_method_display() if version.method else "—"),
        ("Generation", str(version.generation)),
        ("Training data", f"export v{build.version} ({build.spec.name})" if build else "—"),
        ("Dialogues / turns", f"{build.dialogue_count} / {build.turn_count}" if build else "—"),
        ("Weights", version.weights_path or "—"),
    ]
    metric_rows = [(key, f"{value:.4f}" if isinstance(value, float) else str(value)) for key, value in result.items()]
    lines = [f"# {version.name}", "", "Character role-play chat model fine-tuned by Troupe (CharacterGLM method).", ""]
    lines += ["| | |", "|---|---|", *[f"| {k} | {v} |" for k, v in rows], ""]
    lines += ["## Hyperparameters", "", "```json", json.dumps(version.hyperparameters, indent=2), "```", ""]
    lines += ["## Results", "", "| metric | value |", "|---|---|", *[f"| {k} | {v} |" for k, v in metric_rows], ""]
    lines += [
        "## Intended use",
        "",
        "Playing characters in human–machine collection rounds and evaluation campaigns. The loss was computed on "
        "the character's turns only; the player's turns and the character prompt are context.",
        "",
    ]
    if job is not None:
        lines += [f"Trained by training job #{job.pk} ({job.name}) on {job.get_hardware_display()}.", ""]
    return "\n".join(lines)


def model_version_register(*, job: TrainingJob, result: dict[str, Any]) -> ModelVersion:
    """Register the model a finished job produced: generation = 1 + the highest generation in its data."""
    metrics = {k: v for k, v in result.items() if k in ("final_step", "train_loss", "eval_loss", "eval_perplexity")}
    metrics.update({k: v for k, v in result.items() if k in ("tokens_seen", "train_runtime_s", "peak_gpu_mem_mb")})
    version = ModelVersion(
        name=_unique_name(job.name),
        base_model=job.base_model,
        weights_path=str(result.get("output") or Path(job.output_dir) / "final"),
        generation=export_max_generation(job.export_build) + 1,
        method=job.method,
        export_build=job.export_build,
        hyperparameters=job.hyperparameters,
        metrics=metrics,
        created_by=job.creator,
    )
    version.model_card = model_card_markdown(version=version, job=job, result=metrics)
    version.full_clean()
    version.save()
    return version


def model_version_update_serving(
    *,
    version: ModelVersion,
    actor: User | None,
    generation_settings: dict[str, Any] | None = None,
    serving_backend: str | None = None,
    endpoint_url: str | None = None,
    served_name: str | None = None,
) -> ModelVersion:
    if generation_settings is not None:
        try:
            validate_generation_settings(generation_settings)
        except ValidationError as error:
            raise ValidationError({"generation_settings": error.messages}) from None
        version.generation_settings = generation_settings
    if serving_backend is not None:
        version.serving_backend = serving_backend
    if endpoint_url is not None:
        version.endpoint_url = endpoint_url
    if served_name is not None:
        version.served_name = served_name
    version.full_clean()
    version.save()
    audit_record(
        actor=actor,
        action="training.model_serving_update",
        target=version,
        details={"generation_settings": version.generation_settings, "backend": version.serving_backend},
    )
    return version


# --- deployment -------------------------------------------------------------------------------------


@transaction.atomic
def model_version_deploy(*, version: ModelVersion, actor: User | None, note: str = "") -> Deployment:
    """Make ``version`` the model for human–machine rounds, atomically retiring the active one."""
    if version.serving_backend == "local" and version.weights_path and not Path(version.weights_path).exists():
        raise ValidationError(
            {"model_version": _("The model's weights are missing: %(p)s") % {"p": version.weights_path}}
        )
    # Lock the active row (if any) so two concurrent deploys serialise instead of both winning.
    current = Deployment.objects.select_for_update().filter(active=True).first()
    if current is not None and current.model_version_id == version.pk:
        raise JobRefused("already_active", _("This model version is already deployed."))
    if current is not None:
        current.active = False
        current.retired_at = timezone.now()
        current.save(update_fields=["active", "retired_at"])
    deployment = Deployment.objects.create(
        model_version=version, active=True, previous=current, note=note[:300], deployed_by=actor
    )
    audit_record(
        actor=actor,
        action="training.deploy",
        target=version,
        details={"deployment": deployment.pk, "replaced": current.model_version_id if current else None},
    )
    return deployment


@transaction.atomic
def deployment_rollback(*, actor: User | None) -> Deployment:
    """Put back the model the active deployment replaced."""
    current = Deployment.objects.select_for_update().filter(active=True).first()
    if current is None or current.previous is None:
        raise JobRefused("nothing_to_roll_back", _("There is no earlier deployment to roll back to."))
    return model_version_deploy(version=current.previous.model_version, actor=actor, note=_("Rollback"))
