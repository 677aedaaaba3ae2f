"""The waiting rooms' tick (WebsocketCommunicator): one matchmaker pass and one status read per
process and period, whatever the number of waiting rooms."""

import asyncio
import copy
import os

import pytest

from roleplay.live import matchmaking
from roleplay.waiting_room_tick import waiting_room_tick
from tests.factories import CharacterFactory
from tests.roleplay.live_helpers import communicator, drain, make_worker, receive_until

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def live_settings(settings):
    if not os.environ.get("REDIS_URL"):
        settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    else:
        settings.CHANNEL_LAYERS = copy.deepcopy(settings.CHANNEL_LAYERS)
    settings.LIVE_QUEUE_TICK_S = 3600  # ticks come only from the test
    CharacterFactory()
    return settings


@pytest.fixture
def matchmaker_passes(monkeypatch):
    """The matchmaker runs as ever; the list holds one item per run."""
    runs: list[None] = []
    real = matchmaking.matchmaker_run

    def counted(**kwargs):
        runs.append(None)
        return real(**kwargs)

    monkeypatch.setattr(matchmaking, "matchmaker_run", counted)
    return runs


async def waiting_rooms(count: int) -> list:
    """``count`` workers who all want the character seat (so none pair), each in the queue."""
    rooms = []
    for _ in range(count):
        worker = await asyncio.to_thread(make_worker, character=True)
        room = communicator(worker, "/ws/roleplay/queue/")
        assert (await room.connect())[0]
        await receive_until(room, "queue", status="idle")
        await room.send_json_to({"type": "join", "side": "character"})
        await receive_until(room, "queue", status="waiting")
        rooms.append(room)
    return rooms


async def test_one_tick_runs_one_matchmaker_pass_and_shows_every_waiting_room_its_place(matchmaker_passes):
    rooms = await waiting_rooms(3)
    matchmaker_passes.clear()
    await waiting_room_tick().tick()
    assert len(matchmaker_passes) == 1
    shown = [await receive_until(room, "queue", status="waiting") for room in rooms]
    assert [status["position"] for status in shown] == [1, 2, 3]
    assert {status["waiting_total"] for status in shown} == {3}
    for room in rooms:
        await room.disconnect()


async def test_a_closed_waiting_room_gets_no_more_ticks_and_the_last_one_stops_the_tick(matchmaker_passes):
    first, second = await waiting_rooms(2)
    tick = waiting_room_tick()
    assert tick.task is not None and not tick.task.done()
    await first.disconnect()
    await tick.tick()
    status = await receive_until(second, "queue", status="waiting")
    assert (status["position"], status["waiting_total"]) == (1, 1)  # the first worker's place is kept, not counted
    await second.disconnect()
    assert tick.task is None and not tick.rooms
    assert await drain(second) == []


async def test_the_tick_runs_by_itself_every_period(settings):
    settings.LIVE_QUEUE_TICK_S = 0.1
    (room,) = await waiting_rooms(1)
    ticks = [await receive_until(room, "queue", status="waiting", timeout=1.0) for _ in range(3)]
    assert all(status["position"] == 1 for status in ticks)
    await room.disconnect()
