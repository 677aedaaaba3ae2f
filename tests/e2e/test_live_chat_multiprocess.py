"""Two ASGI server processes sharing Redis: workers connected to different processes are paired and chat."""

import asyncio

import pytest

from roleplay.models import Dialogue, DialogueStatus, LiveSession, Turn
from tests.e2e.chat_client import ChatBot
from tests.factories import CharacterFactory, PlayerPersonaFactory
from tests.roleplay.live_helpers import make_worker

pytestmark = pytest.mark.slow


def test_workers_on_two_server_processes_are_paired_and_chat(uvicorn_server_factory, session_cookie):
    CharacterFactory(greeting="Ahoy!")
    PlayerPersonaFactory()
    char_worker, player_worker = make_worker(character=True), make_worker(player=True)
    env = {"LIVE_MIN_TURNS": "6", "LIVE_QUEUE_TICK_S": "0.3"}
    first = uvicorn_server_factory(redis=True, env=env)
    second = uvicorn_server_factory(redis=True, env=env)
    ws = lambda server: lambda: server.url.replace("http://", "ws://")  # noqa: E731
    keeper = ChatBot(ws(first), first.origin, session_cookie(char_worker), "character", 6, rating=5, name="keeper")
    visitor = ChatBot(ws(second), second.origin, session_cookie(player_worker), "player", 6, rating=4, name="visitor")

    async def scenario() -> None:
        sessions = await asyncio.gather(keeper.queue(), visitor.queue())
        assert sessions[0] == sessions[1]
        await asyncio.gather(keeper.chat(timeout_s=60), visitor.chat(timeout_s=60))

    asyncio.run(scenario())
    session = LiveSession.objects.get(pk=keeper.session_id)
    assert (session.character_worker, session.player_worker) == (char_worker, player_worker)
    dialogue = Dialogue.objects.get(pk=session.dialogue_id)
    assert dialogue.status == DialogueStatus.SUBMITTED
    assert (dialogue.player_side_rating, dialogue.character_side_rating) == (5, 4)
    stored = list(Turn.objects.filter(dialogue=dialogue).order_by("seq").values_list("seq", "speaker", "text"))
    assert [seq for seq, _, _ in stored] == [1, 2, 3, 4, 5, 6]
    # Each side saw the other's words, relayed across the two processes through Redis.
    assert {seq: (speaker, text) for seq, speaker, text in stored} == keeper.turns == visitor.turns
    assert not keeper.errors and not visitor.errors
