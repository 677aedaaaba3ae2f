"""The production channel-layer configuration against a real Redis."""

import asyncio
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from channels_redis.core import RedisChannelLayer

from platform_core.embedded_redis import start_embedded_redis
from platform_core.settings import redis_channel_layer

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def redis_address():
    if os.environ.get("REDIS_URL"):
        yield os.environ["REDIS_URL"]
        return
    directory = Path(tempfile.mkdtemp(prefix="troupe-layer-"))
    process = start_embedded_redis(directory / "redis.sock")
    try:
        yield f"unix://{directory / 'redis.sock'}"
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(directory, ignore_errors=True)


def test_a_consumer_waiting_longer_than_redis_clients_default_timeout_still_gets_its_message(redis_address):
    layer = RedisChannelLayer(**redis_channel_layer(redis_address, f"troupe-test-idle-{os.getpid()}")["CONFIG"])

    async def wait_idle_then_receive():
        channel = await layer.new_channel()

        async def send_later():
            await asyncio.sleep(7)  # past redis-py's default 5 s socket timeout
            await layer.send(channel, {"type": "chat.message", "text": "still there?"})

        sender = asyncio.create_task(send_later())
        message = await asyncio.wait_for(layer.receive(channel), timeout=20)
        await sender
        await layer.flush()
        return message

    assert asyncio.run(wait_idle_then_receive()) == {"type": "chat.message", "text": "still there?"}
