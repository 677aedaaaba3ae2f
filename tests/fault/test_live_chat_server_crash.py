"""kill -9 the server during live pairs, restart it: clients reconnect, resend what was not
acknowledged, and the database holds every message exactly once, in gap-free order."""

import asyncio

import pytest

from roleplay.models import LiveSession, Turn
from tests.e2e.chat_client import ChatBot
from tests.factories import CharacterFactory, PlayerPersonaFactory
from tests.roleplay.live_helpers import make_worker

pytestmark = pytest.mark.slow
PAIRS = 4
TURNS = 24


def test_server_killed_mid_chat_loses_and_duplicates_nothing(uvicorn_server_factory, session_cookie):
    CharacterFactory(greeting="Ahoy!")
    PlayerPersonaFactory()
    server = uvicorn_server_factory(env={"LIVE_QUEUE_TICK_S": "0.3"})
    ws = lambda: server.url.replace("http://", "ws://")  # noqa: E731
    bots = []
    for index in range(PAIRS):
        for side in ("character", "player"):
            worker = make_worker(character=side == "character", player=side == "player")
            bots.append(ChatBot(ws, server.origin, session_cookie(worker), side, TURNS, name=f"{side}{index}"))

    async def scenario() -> None:
        await asyncio.gather(*(bot.queue() for bot in bots))
        chats = asyncio.gather(*(bot.chat(timeout_s=120) for bot in bots))
        # Kill mid-conversation, while messages are in flight.
        while min(bot.last_seq for bot in bots) < TURNS // 3:
            await asyncio.sleep(0.02)
        server.kill()
        await asyncio.sleep(0.5)
        await asyncio.to_thread(server.start)
        await chats

    asyncio.run(scenario())
    print(f"resent after restart: {sum(bot.resent for bot in bots)}, reconnects: {sum(b.reconnects for b in bots)}")
    assert sum(bot.reconnects for bot in bots) >= len(bots)  # every client lost its connection
    for session_id in {bot.session_id for bot in bots}:
        session = LiveSession.objects.get(pk=session_id)
        turns = list(Turn.objects.filter(dialogue_id=session.dialogue_id).order_by("seq"))
        assert [turn.seq for turn in turns] == list(range(1, len(turns) + 1))
        assert len(turns) >= TURNS
        stored_ids = [str(turn.client_msg_id) for turn in turns[1:]]  # turn 1 is the greeting
        assert len(stored_ids) == len(set(stored_ids))
        generated = {}
        for bot in bots:
            if bot.session_id == session_id:
                generated.update(bot.sent)
        # Every message any client wrote is stored exactly once, with its text.
        assert sorted(stored_ids) == sorted(generated)
        assert all(turn.text == generated[str(turn.client_msg_id)] for turn in turns[1:])
