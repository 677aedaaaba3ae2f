"""A build pushes live progress to its topic (what the build page's progress bar listens to)."""

import asyncio

from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer

from exports import services
from platform_core.progress import progress_group


def test_build_pushes_progress_from_start_to_published(corpus):
    spec = services.export_spec_create(data={"name": "live"})
    build = services.export_build_create(spec=spec, enqueue=False)
    layer = get_channel_layer()

    async def watch_the_build() -> list[dict]:
        # Subscribed, built and drained in one event loop, as the build page's socket is: a
        # pub/sub channel layer keeps nothing for a subscriber that is not listening yet.
        channel = await layer.new_channel()
        await layer.group_add(progress_group(build.progress_topic), channel)
        await sync_to_async(services.export_build_run)(build=build)
        events = []
        while True:
            try:
                events.append(await asyncio.wait_for(layer.receive(channel), timeout=1))
            except TimeoutError:
                return events

    events = async_to_sync(watch_the_build)()
    assert events[0]["percent"] == 0 and events[0]["message"] == "selecting dialogues"
    assert events[-1]["percent"] == 100 and events[-1]["message"] == "published"
    percents = [event["percent"] for event in events]
    assert percents == sorted(percents)
    build.refresh_from_db()
    assert build.progress == 100 and build.heartbeat_at is not None
