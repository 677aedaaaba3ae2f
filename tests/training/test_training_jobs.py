"""Training jobs: launch, run to a registered model, bad input, cancel, resume after the worker dies."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from tests.training.conftest import make_published_build
from training.models import Hardware, JobStatus, ModelVersion, TrainingJob, TrainingMetric
from training.services import (
    JobRefused,
    runner_command,
    training_job_cancel,
    training_job_create,
    training_job_resume,
    training_job_run,
)
from training.sft import build_parser

REPO_ROOT = Path(__file__).resolve().parents[2]
FEW_STEPS = {"max_steps": 3, "batch_size": 2, "max_length": 128, "save_steps": 2, "lora_r": 4, "lora_alpha": 8}


def test_job_refuses_a_base_model_that_is_not_a_local_model_directory(researcher, published_build, tmp_path):
    for path, fragment in (("Qwen/Qwen2-0.5B", "absolute path"), (str(tmp_path / "missing"), "No directory")):
        with pytest.raises(ValidationError) as caught:
            training_job_create(creator=researcher, export_build=published_build, base_model=path)
        assert fragment in str(caught.value.message_dict["base_model"])
    assert not TrainingJob.objects.exists()


def test_job_refuses_unknown_or_out_of_range_hyperparameters(researcher, published_build, tiny_model_dir):
    for bad in ({"learning_rate": 5}, {"epochs": "many"}, {"dropout_everywhere": 1}, {"packing": "yes"}):
        with pytest.raises(ValidationError) as caught:
            training_job_create(
                creator=researcher, export_build=published_build, base_model=str(tiny_model_dir), hyperparameters=bad
            )
        assert "hyperparameters" in caught.value.message_dict
    assert not TrainingJob.objects.exists()


def test_job_refuses_liger_kernels_on_the_cpu_and_passes_them_to_a_gpu_runner(
    researcher, published_build, tiny_model_dir
):
    with pytest.raises(ValidationError) as caught:
        training_job_create(
            creator=researcher,
            export_build=published_build,
            base_model=str(tiny_model_dir),
            hyperparameters={"liger": True},
            hardware=Hardware.CPU,
        )
    assert "need a GPU" in str(caught.value.message_dict["hyperparameters"])
    assert not TrainingJob.objects.exists()
    command = _gpu_runner_command(researcher, published_build, tiny_model_dir, {"liger": True})
    assert "--liger" in command and "--cpu" not in command


def _gpu_runner_command(researcher, build, model_dir, hyperparameters: dict) -> list[str]:
    job = training_job_create(
        creator=researcher,
        export_build=build,
        base_model=str(model_dir),
        hyperparameters=hyperparameters,
        hardware=Hardware.GPU,
        enqueue=False,
    )
    return runner_command(job)


def test_job_passes_torch_compile_to_the_runner(researcher, published_build, tiny_model_dir):
    compiled = _gpu_runner_command(researcher, published_build, tiny_model_dir, {"torch_compile": True})
    assert "--torch-compile" in compiled
    plain = _gpu_runner_command(researcher, published_build, tiny_model_dir, {})
    assert "--no-torch-compile" in plain
    assert build_parser().parse_args(plain[3:]).torch_compile is False


def _worker(live_db: str, job_id: int, tmp_path: Path) -> subprocess.Popen:
    """A foreground ``training`` worker in its own process, sharing the test's database."""
    env = {**os.environ, "DATABASE_URL": live_db, "TROUPE_TESTING": "1", "TROUPE_VAR_DIR": str(tmp_path / "var")}
    log = open(tmp_path / f"worker-{job_id}.log", "ab")
    return subprocess.Popen(
        [sys.executable, "manage.py", "training_job_run", str(job_id)],
        cwd=REPO_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def _wait_for(condition, timeout_s: float = 120.0, what: str = "condition"):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped by its dead parent's reaper) counts as gone.
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ")[1][0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.slow
def test_cancel_stops_the_runner_and_registers_nothing(live_db, researcher, tiny_model_dir, tmp_path, settings):
    settings.TRAINING_OUTPUT_DIR = tmp_path / "jobs"
    build = make_published_build(tmp_path / "export")
    job = training_job_create(
        creator=researcher,
        export_build=build,
        base_model=str(tiny_model_dir),
        hyperparameters={**FEW_STEPS, "max_steps": 200, "save_steps": 100},
        enqueue=False,
    )
    worker = _worker(live_db, job.pk, tmp_path)
    try:
        _wait_for(lambda: TrainingMetric.objects.filter(job=job, event="log").exists(), what="first loss")
        runner_pid = TrainingJob.objects.get(pk=job.pk).runner_pid
        training_job_cancel(job=job, actor=researcher)
        assert worker.wait(timeout=60) == 0
    finally:
        if worker.poll() is None:
            worker.kill()
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED
    assert job.current_step < 200
    assert not _alive(runner_pid)
    assert job.model_version is None and not ModelVersion.objects.exists()


@pytest.mark.slow
def test_job_whose_worker_is_killed_resumes_from_its_checkpoint_to_the_same_final_step(
    live_db, researcher, tiny_model_dir, tmp_path, settings
):
    settings.TRAINING_OUTPUT_DIR = tmp_path / "jobs"
    settings.TRAINING_POLL_INTERVAL_S = 0.2
    build = make_published_build(tmp_path / "export")
    job = training_job_create(
        creator=researcher,
        export_build=build,
        base_model=str(tiny_model_dir),
        # Enough steps after the first checkpoint that the worker is always killed mid-run.
        hyperparameters={**FEW_STEPS, "max_steps": 60, "save_steps": 2},
        enqueue=False,
    )
    checkpoints = Path(job.output_dir, "checkpoints")
    worker = _worker(live_db, job.pk, tmp_path)
    try:
        # Any checkpoint: older ones are rotated away (save_total_limit) while the test polls.
        _wait_for(lambda: any(checkpoints.glob("checkpoint-*/trainer_state.json")), what="the first checkpoint")
        runner_pid = TrainingJob.objects.get(pk=job.pk).runner_pid
        worker.send_signal(signal.SIGKILL)  # the worker machine dies: no cleanup at all
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
    # The runner goes down with its worker instead of training on as an orphan.
    _wait_for(lambda: not _alive(runner_pid), timeout_s=20, what="the runner to die")
    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING and job.current_step < 60

    # The broker redelivers the task (acks_late); here the test plays the next worker.
    training_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.result["final_step"] == 60 == job.current_step
    assert "/checkpoint-" in job.result["resumed_from"]
    assert job.attempts == 2
    steps = list(TrainingMetric.objects.filter(job=job, event="log").values_list("step", flat=True))
    assert max(steps) == 60 and steps.count(1) == 1  # the resumed run did not start again from step 1


def test_a_redelivered_job_whose_worker_is_alive_is_not_started_twice(researcher, published_build, tiny_model_dir):
    import socket

    job = training_job_create(
        creator=researcher, export_build=published_build, base_model=str(tiny_model_dir), enqueue=False
    )
    alive = f"{socket.gethostname()}:{os.getppid()}"  # a process that certainly runs: pytest's parent
    TrainingJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, worker=alive)
    returned = training_job_run(job_id=job.pk)
    assert returned.attempts == 0 and returned.worker == alive
    with pytest.raises(JobRefused, match="running"):
        training_job_resume(job=job, actor=researcher)
    assert not Path(job.output_dir).exists()  # no runner was started


@pytest.mark.slow
def test_a_runner_killed_mid_run_is_restarted_from_its_checkpoint_by_the_same_worker(
    researcher, published_build, tiny_model_dir, training_output
):
    import threading

    job = training_job_create(
        creator=researcher,
        export_build=published_build,
        base_model=str(tiny_model_dir),
        # Enough steps after the first checkpoint that the killer always finds the runner alive.
        hyperparameters={**FEW_STEPS, "max_steps": 60, "save_steps": 2},
        enqueue=False,
    )
    out = Path(job.output_dir)
    killed: list[int] = []

    def kill_after_first_checkpoint() -> None:  # files only: this thread never touches the database
        checkpoints = out / "checkpoints"  # any checkpoint: older ones are rotated away while this polls
        _wait_for(lambda: any(checkpoints.glob("checkpoint-*/trainer_state.json")), what="the first checkpoint")
        pid = int((out / "runner.pid").read_text())
        os.kill(pid, signal.SIGKILL)  # e.g. the kernel's OOM killer
        killed.append(pid)

    killer = threading.Thread(target=kill_after_first_checkpoint, daemon=True)
    killer.start()
    job = training_job_run(job_id=job.pk)
    killer.join(timeout=5)
    assert killed, "the runner finished before it could be killed"
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.attempts == 2 and job.result["final_step"] == 60
    assert job.result["resumed_from"] is not None
    assert "=== start 2" in (out / "runner.log").read_text()
