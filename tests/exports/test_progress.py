"""A build pushes live progress to its topic (what the build page's progress bar listens to)."""

import asyncio

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from exports import services
from platform_core.progress import progress_group


def test_build_pushes_progress_from_start_to_published(corpus):
    spec = services.export_spec_create(data={"name": "live"})
    build = services.export_build_create(spec=spec, enqueue=False)
    layer = get_channel_layer()

    async def subscribe() -> str:
        channel = await layer.new_channel()
        await layer.group_add(progress_group(build.progress_topic), channel)
        return channel

    channel = async_to_sync(subscribe)()
    services.export_build_run(build=build)

    async def drain() -> list[dict]:
        events = []
        while True:
            try:
                events.append(await asyncio.wait_for(layer.receive(channel), timeout=1))
            except TimeoutError:
                return events

    events = async_to_sync(drain)()
    assert events[0]["percent"] == 0 and events[0]["message"] == "selecting dialogues"
    assert events[-1]["percent"] == 100 and events[-1]["message"] == "published"
    percents = [event["percent"] for event in events]
    assert percents == sorted(percents)
    build.refresh_from_db()
    assert build.progress == 100 and build.heartbeat_at is not None
