"""The job page's live state: status, step and log tail go out on the job's progress topic while the
runner runs, and the page shows what happened to the training data."""

import asyncio
import json
import stat
import sys

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.urls import reverse

from platform_core.progress import progress_group
from training.models import JobStatus, TrainingMetric
from training.services import training_job_create, training_job_run

# Stands in for ``python -m training.sft``: logs a line, then one metrics event per step, then fails.
FAKE_RUNNER = """#!{python}
import json, sys, time
from pathlib import Path

out = Path(sys.argv[sys.argv.index("--out") + 1])
out.mkdir(parents=True, exist_ok=True)

def event(**fields):
    with open(out / "metrics.jsonl", "a") as handle:
        handle.write(json.dumps(fields) + "\\n")

print("fake runner: loading the model", flush=True)
time.sleep(1.0)
event(event="data", split="train", examples=10, kept=9, truncated=3, dropped=1)
event(event="start", step=0, max_steps=2)
for step in (1, 2):
    time.sleep(1.0)
    print(f"fake runner: step {{step}} done", flush=True)
    event(event="log", step=step, max_steps=2, loss=1.0 / step)
    time.sleep(1.0)
sys.exit(3)
"""


@pytest.fixture
def fake_runner(settings, tmp_path):
    path = tmp_path / "fake-python"
    path.write_text(FAKE_RUNNER.format(python=sys.executable), encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    settings.TRAINING_PYTHON = str(path)
    settings.TRAINING_MAX_RESTARTS = 0
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    return path


def _base_model(tmp_path):
    directory = tmp_path / "base"
    directory.mkdir()
    (directory / "config.json").write_text("{}", encoding="utf-8")
    return str(directory)


def _drain(layer, channel: str) -> list[dict]:
    async def read() -> list[dict]:
        frames = []
        while True:
            try:
                frames.append(await asyncio.wait_for(layer.receive(channel), timeout=0.2))
            except TimeoutError:
                return frames

    return async_to_sync(read)()


def test_status_step_and_log_tail_are_published_while_the_runner_runs(
    researcher, published_build, training_output, fake_runner, tmp_path
):
    job = training_job_create(
        creator=researcher, export_build=published_build, base_model=_base_model(tmp_path), enqueue=False
    )
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(progress_group(job.progress_topic), channel)

    job = training_job_run(job_id=job.pk)

    assert job.status == JobStatus.FAILED
    details = [frame["detail"] for frame in _drain(layer, channel)]
    # The pill leaves "queued" as soon as the worker takes the job, before any step.
    assert details[0]["status"] == "running" and details[0]["current_step"] == 0
    running = [d for d in details if d["status"] == "running"]
    # The log reaches the page before the first metrics event and with every step, not at the end.
    assert any("loading the model" in d["log_tail"] and d["current_step"] == 0 for d in running[1:])
    for step in (1, 2):
        assert any(d["current_step"] == step and f"step {step} done" in d["log_tail"] for d in running)
    steps = [d["current_step"] for d in running]
    assert steps == sorted(steps) and all(d["max_steps"] in (0, 2) for d in running)
    assert (details[-1]["status"], details[-1]["finished"]) == ("failed", True)


def test_job_page_shows_the_data_counts_and_notices_and_the_api_relays_them(
    client, researcher, published_build, tmp_path
):
    job = training_job_create(
        creator=researcher, export_build=published_build, base_model=_base_model(tmp_path), enqueue=False
    )
    report = {"event": "data", "split": "train", "examples": 312, "kept": 300, "truncated": 41, "dropped": 12}
    notice = {"event": "notice", "message": "evaluation file v.jsonl is empty: training without evaluation"}
    for data in (report, notice):
        TrainingMetric.objects.create(job=job, event=data["event"], step=0, data=data)
    client.force_login(researcher)
    page = client.get(reverse("training:job-detail", args=[job.pk])).content.decode()
    assert 'data-status="queued"' in page
    row = page.split('<tr data-split="train">')[1].split("</tr>")[0]
    assert [cell.split("</td>")[0] for cell in row.split("<td>")[1:5]] == ["train", "312", "300", "41"]
    assert "training without evaluation" in page
    labels = json.loads(page.split('id="job-status-labels" type="application/json">')[1].split("</script>")[0])
    assert set(labels) == set(JobStatus.values)
    events = client.get(reverse("training-job-metrics", args=[job.pk]), {"after": 0}).json()["events"]
    assert [e["detail"] for e in events] == [
        {**{k: v for k, v in report.items() if k != "event"}, "supervised_tokens": None, "mask_source": None},
        {"message": notice["message"]},
    ]
