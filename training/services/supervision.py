"""Supervising a job's runner subprocess: its command, the run loop, metrics ingest, stopping it."""

from __future__ import annotations

import ctypes
import json
import logging
import os
import signal
import subprocess
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from platform_core.jobs import job_claim, job_heartbeat
from platform_core.services import audit_record
from training import conf
from training.job_progress import LogWatch, job_progress_publish
from training.models import Hardware, JobStatus, TrainingJob, TrainingMetric
from training.services.jobs import HYPERPARAMETERS, RUNNER_FLAGS, export_split_file, stale_after
from training.services.registry import model_version_register
from training.sft import METRICS_FILE, RESULT_FILE, last_checkpoint, read_metrics

logger = logging.getLogger(__name__)


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
        job.heartbeat_at = job_heartbeat(
            TrainingJob,
            job.pk,
            metrics_offset=offset,
            max_steps=job.max_steps,
            current_step=job.current_step,
            progress=job.progress,
        )
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


def _claim(job_id: int) -> TrainingJob | None:
    """The job, claimed for this worker; ``None`` when there is nothing to run (finished,
    cancelled, or running on a live worker: never two runners on one job)."""
    with transaction.atomic():
        job = TrainingJob.objects.select_for_update().get(pk=job_id)
        if job.is_finished:
            return None
        if job.status == JobStatus.CANCELLING:
            _finish(job, JobStatus.CANCELLED)
            return None
        claimed = job_claim(TrainingJob, job.pk, stale_after=stale_after())
        if claimed is None:
            logger.warning("training job %s is already running on %s", job.pk, job.worker)
        return claimed


def _runner_start(job: TrainingJob) -> subprocess.Popen:
    """Start the runner once more (``job.attempts`` counts the starts), its output appended to the log."""
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
    (Path(job.output_dir) / "runner.pid").write_text(str(process.pid))
    return process


def _runner_watch(job: TrainingJob, process: subprocess.Popen) -> bool:
    """Ingest metrics and keep the heartbeat until the runner exits; ``True`` when cancelled (runner stopped)."""
    log_watch = LogWatch(job)
    while process.poll() is None:
        ingested = _metrics_ingest(job)
        if log_watch.grew() and not ingested:
            job_progress_publish(job=job)  # the log moved without a metrics event
        if not ingested and timezone.now() - (job.heartbeat_at or job.started_at) > timedelta(seconds=30):
            job.heartbeat_at = job_heartbeat(TrainingJob, job.pk)  # long steps write no metrics: still alive
        if _cancel_requested(job):
            _stop_runner(process)
            _metrics_ingest(job)
            return True
        time.sleep(conf.poll_interval_s())
    _metrics_ingest(job)
    return False


def training_job_run(*, job_id: int) -> TrainingJob:
    """Run (or resume) the job's runner to the end; what a ``training`` queue worker executes.

    Safe to call again after the worker died: the runner resumes from the newest checkpoint and
    stops at the same final step. A runner that dies on its own (killed, out of memory) is
    restarted from its checkpoint up to ``TRAINING_MAX_RESTARTS`` times.
    """
    job = _claim(job_id)
    if job is None:
        return TrainingJob.objects.get(pk=job_id)
    job_progress_publish(job=job, message=job.get_status_display())  # the page leaves "queued" at once
    out = Path(job.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    restarts_left = conf.max_restarts()
    while True:
        process = _runner_start(job)
        if _runner_watch(job, process):
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
