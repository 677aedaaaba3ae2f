"""The training job page in a real browser: status pill, step and log follow the job's progress frames
while it runs (not only after a reload), and the finished job's page shows its end state."""

import os
from concurrent.futures import ThreadPoolExecutor

import pytest
from playwright.sync_api import expect

from tests.training.conftest import make_published_build
from training.job_progress import job_progress_publish
from training.models import JobStatus
from training.services import training_job_create

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _publish(job, message: str) -> None:
    """``job_progress_publish`` from another thread: Playwright's event loop runs in this one."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(job_progress_publish, job=job, message=message).result()


def test_job_page_follows_status_step_and_log_live(
    chromium, uvicorn_server_factory, session_cookie, researcher, redis_url, settings, tmp_path
):
    from platform_core.settings import redis_channel_layer

    # The test publishes as a training worker would: through the Redis layer the server listens to.
    settings.CHANNEL_LAYERS = {
        "default": redis_channel_layer(redis_url, os.environ.get("CHANNEL_LAYER_PREFIX", "troupe"))
    }
    # Channels keeps the layer an earlier test built (in memory); this test needs the Redis one.
    from channels.layers import channel_layers

    channel_layers.backends.clear()
    settings.TRAINING_OUTPUT_DIR = tmp_path / "jobs"
    base = tmp_path / "base"
    base.mkdir()
    (base / "config.json").write_text("{}", encoding="utf-8")
    job = training_job_create(
        creator=researcher,
        export_build=make_published_build(tmp_path / "export"),
        base_model=str(base),
        enqueue=False,
    )
    server = uvicorn_server_factory(redis=True)
    context = chromium.new_context()
    context.add_cookies([{"name": "sessionid", "value": session_cookie(researcher), "url": server.url}])
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        page.goto(f"{server.url}/training/jobs/{job.pk}/")
        expect(page.get_by_test_id("status")).to_have_text("Queued")

        job.log_path.parent.mkdir(parents=True, exist_ok=True)
        job.status, job.current_step, job.max_steps, job.progress = JobStatus.RUNNING, 3, 10, 30.0
        job.save()
        job.log_path.write_text("loading the model\nstep 3 of 10 <b>not markup</b>\n", encoding="utf-8")
        # Publish until the page has subscribed (pub/sub keeps nothing for a socket not yet open).
        for _attempt in range(40):
            _publish(job, "step 3/10")
            try:
                expect(page.get_by_test_id("status")).to_have_text("Running", timeout=500)
                break
            except AssertionError:
                continue
        expect(page.get_by_test_id("status")).to_have_text("Running")
        expect(page.get_by_test_id("step")).to_have_text("3/10")
        expect(page.get_by_test_id("log")).to_contain_text("step 3 of 10 <b>not markup</b>")
        assert page.get_by_test_id("log").locator("b").count() == 0

        job.status, job.error = JobStatus.FAILED, "The runner exited with code 3."
        job.save()
        _publish(job, "Failed")
        expect(page.get_by_test_id("status")).to_have_text("Failed")
        expect(page.locator("pre.errorlist")).to_contain_text("exited with code 3")  # the page reloaded
    finally:
        context.close()
        channel_layers.backends.clear()
