"""A sender whose socket drops right after sending: the connected partner still receives the turn.

A real uvicorn server over Redis (as in production); the sender aborts its TCP connection (or
closes cleanly) immediately after sending a message. Every committed turn must reach the partner,
who stays connected the whole time.
"""

import asyncio
import json
import uuid

import pytest
import websockets

from roleplay.models import LiveSession, Turn
from tests.factories import CharacterFactory, PlayerPersonaFactory
from tests.roleplay.live_helpers import make_worker, pair

pytestmark = pytest.mark.slow

TRIALS = 10


async def _frame(socket, kind: str, timeout: float = 10.0, **match) -> dict:
    while True:
        frame = json.loads(await asyncio.wait_for(socket.recv(), timeout))
        if frame["type"] == kind and all(frame.get(k) == v for k, v in match.items()):
            return frame


def test_partner_receives_every_turn_whose_sender_dropped_right_after_sending(uvicorn_server_factory, session_cookie):
    CharacterFactory(greeting="Ahoy!")
    PlayerPersonaFactory()
    workers = {"character": make_worker(character=True), "player": make_worker(player=True)}
    session = pair(workers["character"], workers["player"])
    server = uvicorn_server_factory(redis=True, env={"LIVE_MIN_TURNS": "100"})
    cookies = {side: session_cookie(worker) for side, worker in workers.items()}
    url = server.url.replace("http://", "ws://") + f"/ws/roleplay/live/{session.pk}/"

    async def open_seat(side: str):
        socket = await websockets.connect(
            url, additional_headers={"Cookie": f"sessionid={cookies[side]}"}, origin=server.origin, open_timeout=10
        )
        await _frame(socket, "session")
        return socket

    async def scenario() -> list[tuple[int, str]]:
        seats = {side: await open_seat(side) for side in ("character", "player")}
        await seats["player"].send(json.dumps({"type": "topic.propose", "topic": "fog", "kind": "chit_chat"}))
        proposal = {"topic": "fog", "kind": "chit_chat", "by": "player"}
        await _frame(seats["character"], "session", status="topic", topic_proposal=proposal)
        await seats["character"].send(json.dumps({"type": "topic.accept"}))
        await _frame(seats["player"], "turn", seq=1)
        received = []
        for trial in range(TRIALS):
            seq = trial + 2
            sender = "player" if seq % 2 == 0 else "character"
            partner = "character" if sender == "player" else "player"
            text = f"message {seq} dropped by the {sender}"
            await seats[sender].send(json.dumps({"type": "message", "client_msg_id": str(uuid.uuid4()), "text": text}))
            if trial % 2 == 0:
                seats[sender].transport.abort()  # the connection is gone at once, no closing handshake
            else:
                await seats[sender].close()
            turn = await _frame(seats[partner], "turn", seq=seq)
            received.append((turn["seq"], turn["text"]))
            seats[sender] = await open_seat(sender)  # back for the next round (the partner writes next)
        for socket in seats.values():
            await socket.close()
        return received

    received = asyncio.run(scenario())
    stored = list(
        Turn.objects.filter(dialogue=LiveSession.objects.get(pk=session.pk).dialogue, seq__gt=1)
        .order_by("seq")
        .values_list("seq", "text")
    )
    assert len(stored) == TRIALS
    assert received == stored
