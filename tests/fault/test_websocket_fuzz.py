"""WebSocket fuzzing: random and hostile frames against both consumers (live chat, progress).

A seeded generator (reproducible: ``FUZZ_SEED``) sends valid, malformed and hostile frames from
both seats of a live session and to a progress socket. Checked: no connection ever dies (a crash
is a 1006 for a real client), every socket still answers ``ping`` afterwards, and everything
stored is valid (turn texts normalised and within limits, seqs gap-free, sides alternating, topic
clean). The counts are printed (``-s``) for the CI note.
"""

from __future__ import annotations

import itertools
import json
import random
import uuid
from collections import Counter

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from exports.services import export_build_create
from platform_core.asgi import application
from platform_core.roles import Role
from platform_core.text import user_text_clean
from roleplay.models import LiveSession, Turn
from tests.factories import CharacterFactory, ExportSpecFactory, PlayerPersonaFactory, UserFactory
from tests.roleplay.live_helpers import communicator, make_worker, pair, receive_until
from tests.roleplay.test_live_chat_consumer import live_settings  # noqa: F401 - fixture

pytestmark = [pytest.mark.django_db(transaction=True)]

FUZZ_SEED = 14
FRAMES_PER_SOCKET = 150

HOSTILE_TEXT = [
    "",
    " ",
    "\u0000",
    "a\u0000b",
    "\ud800",
    "\udfff\ud800x",
    "\u202eevil",
    "\u200b\u200b",
    "\ufeff",
    "\u0085",
    "e\u0301",
    "\u3164",
    "<script>alert(1)</script>",
    "' OR 1=1; --",
    "%s%s%n",
    "{{7*7}}",
    "\U0001f468\u200d\U0001f469",
    "x" * 501,
    "長" * 500,
    "\r\n\t",
]
TYPES = ["message", "hello", "typing", "topic.propose", "topic.accept", "finish", "ping", "regenerate", "edit"]


def _value(rng: random.Random, depth: int = 0):
    kind = rng.randrange(9 if depth < 3 else 6)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice([True, False])
    if kind == 2:
        return rng.choice([0, -1, 1, 2, 5, 2**63, -(2**70), 10**30])
    if kind == 3:
        return rng.choice([0.5, -0.0, 1e308, 3.0])
    if kind in (4, 5):
        return rng.choice(HOSTILE_TEXT) + "".join(
            rng.choice("ab \u200b\u0000\u202e\u00e9") for _ in range(rng.randrange(6))
        )
    if kind == 6:
        return [_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    if kind == 7:
        return {rng.choice(["type", "text", "x", ""]): _value(rng, depth + 1) for _ in range(rng.randrange(4))}
    return str(uuid.UUID(int=rng.getrandbits(128)))


def _frame(rng: random.Random, seat_turn: bool) -> dict:
    """One frame to send: text (JSON or not) or bytes."""
    roll = rng.random()
    if roll < 0.05:
        return {"bytes_data": bytes(rng.getrandbits(8) for _ in range(rng.randrange(1, 40)))}
    if roll < 0.10:
        depth = rng.choice([10, 1000, 100_000])
        return {"text_data": "[" * depth + "]" * depth}
    if roll < 0.15:
        return {"text_data": rng.choice(["{", "nul\u0000", "[1,", '{"type":', "\ud800", "null", "1e999999", "[]"])}
    if roll < 0.18:
        return {"text_data": json.dumps({"type": "ping", "pad": "x" * rng.choice([100, 20_000, 70_000])})}
    kind = rng.choice([*TYPES, _value(rng)])
    frame: dict = {"type": kind}
    if kind == "message" or (seat_turn and rng.random() < 0.3):
        frame["type"] = "message"
        frame["client_msg_id"] = str(uuid.UUID(int=rng.getrandbits(128))) if rng.random() < 0.8 else _value(rng)
        frame["text"] = rng.choice([f"line {rng.random()}", _value(rng), rng.choice(HOSTILE_TEXT) + "ok"])
        if rng.random() < 0.3:
            frame["side"] = _value(rng) if rng.random() < 0.5 else rng.choice(["character", "player"])
    else:
        for field in rng.sample(["text", "topic", "kind", "rating", "flag", "flag_reason", "last_seq", "seq"], 3):
            frame[field] = _value(rng) if rng.random() < 0.7 else rng.choice(["love", 3, "fog", 0])
    return {"text_data": json.dumps(frame)}


async def _send(comm: WebsocketCommunicator, frame: dict) -> None:
    if "bytes_data" in frame:
        await comm.send_input({"type": "websocket.receive", "bytes": frame["bytes_data"]})
    else:
        await comm.send_input({"type": "websocket.receive", "text": frame["text_data"]})


async def _drain(comm: WebsocketCommunicator, seen: Counter, quiet_s: float = 0.02) -> None:
    while not await comm.receive_nothing(timeout=quiet_s):
        output = await comm.receive_output()  # raises the consumer's exception if it crashed
        assert output["type"] == "websocket.send", output  # never closed
        frame = json.loads(output["text"])
        seen[frame["type"] if frame["type"] != "error" else "error:" + frame["code"]] += 1


async def _alive(comm: WebsocketCommunicator, seen: Counter) -> None:
    await comm.send_json_to({"type": "ping"})
    while True:
        frame = await comm.receive_json_from(timeout=5)
        seen[frame["type"] if frame["type"] != "error" else "error:" + frame["code"]] += 1
        if frame["type"] == "pong":
            return


def _live_session() -> tuple[LiveSession, tuple]:
    CharacterFactory(greeting="Ahoy! Mind the fog.")
    PlayerPersonaFactory()
    workers = make_worker(character=True), make_worker(player=True)
    return pair(*workers), workers


@database_sync_to_async
def _stored(session_id: int) -> tuple[LiveSession, list[Turn]]:
    session = LiveSession.objects.select_related("dialogue").get(pk=session_id)
    return session, list(Turn.objects.filter(dialogue_id=session.dialogue_id).order_by("seq"))


async def test_fuzzed_frames_never_kill_a_socket_and_store_nothing_invalid(live_settings, settings):  # noqa: F811
    live_settings.LIVE_MIN_TURNS = 1000  # keep the chat open for the whole run
    settings.WS_MAX_FRAMES_PER_S = 0  # every frame reaches its handler (the limit has its own run below)
    rng = random.Random(FUZZ_SEED)
    session, workers = await database_sync_to_async(_live_session)()
    seats = {}
    for side, worker in zip(("character", "player"), workers, strict=True):
        seats[side] = communicator(worker, f"/ws/roleplay/live/{session.pk}/")
        assert (await seats[side].connect())[0]
    await seats["player"].send_json_to({"type": "topic.propose", "topic": "fog\u0000\u202e at sea", "kind": "love"})
    await receive_until(
        seats["character"],
        "session",
        status="topic",
        topic_proposal={"topic": "fog at sea", "kind": "love", "by": "player"},
    )
    await seats["character"].send_json_to({"type": "topic.accept"})
    await receive_until(seats["player"], "turn", seq=1)

    seen: Counter = Counter()
    sent = 0
    for index in range(2 * FRAMES_PER_SOCKET):
        side = rng.choice(["character", "player"])
        await _send(seats[side], _frame(rng, seat_turn=True))
        sent += 1
        for comm in seats.values():
            await _drain(comm, seen)
        if index % 50 == 49:
            for comm in seats.values():
                await _alive(comm, seen)
    for comm in seats.values():
        await _drain(comm, seen, quiet_s=0.5)  # all answers read: any crash has surfaced
        await _alive(comm, seen)

    final, turns = await _stored(session.pk)
    assert final.status == "active" and final.dialogue.topic == "fog at sea"
    assert [turn.seq for turn in turns] == list(range(1, len(turns) + 1))
    assert all(a.speaker != b.speaker for a, b in itertools.pairwise(turns))
    for turn in turns:
        assert turn.text and turn.text == user_text_clean(turn.text) and len(turn.text) <= 500
    assert len({turn.client_msg_id for turn in turns}) == len(turns)
    assert seen["ack"] >= len(turns) - 1
    print(f"\nfuzz chat: seed {FUZZ_SEED}, {sent} frames, {len(turns) - 1} turns stored, answers {dict(seen)}")
    for comm in seats.values():
        await comm.disconnect()


def _progress_socket():
    admin = UserFactory(roles=[Role.ADMIN])
    build = export_build_create(spec=ExportSpecFactory(), enqueue=False)
    from django.test import Client

    client = Client()
    client.force_login(admin)
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
    headers = [(b"host", b"localhost:8000"), (b"origin", b"http://localhost:8000"), (b"cookie", cookie)]
    return WebsocketCommunicator(application, f"/ws/progress/{build.progress_topic}/", headers=headers)


async def test_fuzzed_frames_never_kill_a_progress_socket(settings):
    settings.WS_MAX_FRAMES_PER_S = 0
    rng = random.Random(FUZZ_SEED + 1)
    comm = await sync_to_async(_progress_socket)()
    assert (await comm.connect())[0]
    seen: Counter = Counter()
    for index in range(FRAMES_PER_SOCKET):
        await _send(comm, _frame(rng, seat_turn=False))
        await _drain(comm, seen)
        if index % 50 == 49:
            await _alive(comm, seen)
    await _drain(comm, seen, quiet_s=0.5)
    await _alive(comm, seen)
    assert set(seen) <= {"pong", "error:bad_frame"}
    print(f"\nfuzz progress: seed {FUZZ_SEED + 1}, {FRAMES_PER_SOCKET} frames, answers {dict(seen)}")
    await comm.disconnect()


async def test_a_flood_is_rate_limited_and_the_socket_survives(live_settings, settings):  # noqa: F811
    settings.WS_MAX_FRAMES_PER_S = 10
    settings.WS_FRAME_BURST = 20
    rng = random.Random(FUZZ_SEED + 2)
    session, workers = await database_sync_to_async(_live_session)()
    comm = communicator(workers[1], f"/ws/roleplay/live/{session.pk}/")
    assert (await comm.connect())[0]
    seen: Counter = Counter()
    cheap = [  # frames that need no database: the flood measures the limit, not the database
        {"text_data": json.dumps({"type": "ping"})},
        {"text_data": json.dumps({"type": "typing"})},
        {"text_data": "{not json"},
        {"bytes_data": b"\x00\x01"},
        {"text_data": json.dumps({"type": "dance"})},
    ]
    for _ in range(300):
        await _send(comm, rng.choice(cheap))
    await _drain(comm, seen, quiet_s=1.0)  # everything the flood got back (the socket goes quiet)
    await _alive(comm, seen)
    assert seen["error:rate_limited"] >= 1
    answered = sum(count for kind, count in seen.items() if kind not in ("error:rate_limited", "welcome", "session"))
    assert answered <= 20 + 10 + 1  # the burst, at most a second of refill, and the final ping
    print(f"\nfuzz flood: 300 frames, answers {dict(seen)}")
    await comm.disconnect()
