"""The production channel-layer configuration against a real Redis."""

import asyncio
import os

import pytest
from channels_redis.pubsub import RedisPubSubChannelLayer

from platform_core.settings import redis_channel_layer
from tests.e2e.conftest import redis_url  # noqa: F401  (fixture: REDIS_URL, or a private redis-server)

pytestmark = pytest.mark.slow


def test_a_consumer_waiting_longer_than_redis_clients_default_timeout_still_gets_its_message(redis_url):  # noqa: F811
    layer = RedisPubSubChannelLayer(**redis_channel_layer(redis_url, f"troupe-test-idle-{os.getpid()}")["CONFIG"])

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
