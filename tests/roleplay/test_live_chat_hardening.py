"""The live chat against hostile and faulty clients (issue 14): frames, ids, text, limits, protocol."""
# ruff: noqa: F811 - the fixtures of test_live_chat_consumer are imported, then named as arguments

import asyncio
import threading
import time
import uuid

import pytest
from channels.db import database_sync_to_async

from platform_core.models import BlockStatus, WorkerProfile
from roleplay.live import messages
from roleplay.models import LiveSession, MatchQueueEntry
from tests.roleplay.live_helpers import communicator, drain, receive_until
from tests.roleplay.test_live_chat_consumer import (  # noqa: F401 - fixtures
    character,
    live_settings,
    open_seat,
    say,
    session,
    start_chat,
    stored_turns,
    workers,
)

pytestmark = [pytest.mark.django_db(transaction=True)]


async def assert_usable(comm) -> None:
    """The socket still answers: a ping gets its pong."""
    await comm.send_json_to({"type": "ping"})
    await receive_until(comm, "pong")


async def frames_before_pong(comm) -> list[dict]:
    """Every frame the socket is sent before the pong to a ping sent now (what was on its way)."""
    await comm.send_json_to({"type": "ping"})
    before = []
    while (frame := await comm.receive_json_from(timeout=3)).get("type") != "pong":
        before.append(frame)
    return before


# --- 1. a committed turn reaches the partner whatever happens to the sender -------------------------


async def test_committed_turn_reaches_the_partner_when_the_senders_consumer_is_cancelled(session, workers, monkeypatch):
    """The sender's connection handler is cancelled while its committed message is on its way."""
    committed = threading.Event()
    real_send = messages.live_message_send

    def send_then_linger(**kwargs):
        sent = real_send(**kwargs)
        committed.set()  # committed: now the sender's socket goes away before the consumer goes on
        time.sleep(0.3)
        return sent

    monkeypatch.setattr(messages, "live_message_send", send_then_linger)
    seats = dict(zip(("character", "player"), await start_chat(session, workers), strict=True))
    users = dict(zip(("character", "player"), workers, strict=True))
    for trial in range(10):
        seq = trial + 2
        sender, partner = ("player", "character") if seq % 2 == 0 else ("character", "player")
        committed.clear()
        await seats[sender].send_json_to(
            {"type": "message", "client_msg_id": str(uuid.uuid4()), "text": f"message {seq}"}
        )
        assert await asyncio.to_thread(committed.wait, 5)
        seats[sender].future.cancel()  # the sender's handler dies with the connection
        turn = await receive_until(seats[partner], "turn", seq=seq)
        assert turn["text"] == f"message {seq}"
        state = await receive_until(seats[partner], "session")
        assert state["turns"] == seq
        seats[sender], _, _ = await open_seat(users[sender], session.pk)
    assert [seq for seq, _, _ in await stored_turns(session.pk)] == list(range(1, 12))
    for comm in seats.values():
        await comm.disconnect()


# --- 2. frames that used to end the connection ---------------------------------------------------------


@pytest.mark.parametrize(
    "send",
    [
        pytest.param(lambda c: c.send_to(bytes_data=b"\x00\x01binary"), id="binary"),
        pytest.param(lambda c: c.send_to(text_data="[" * 100_000 + "]" * 100_000), id="nested-100000"),
        pytest.param(lambda c: c.send_to(text_data="[" * 5_000 + "]" * 5_000), id="nested-5000"),
        pytest.param(lambda c: c.send_to(text_data="{not json"), id="not-json"),
        pytest.param(lambda c: c.send_to(text_data='"a string"'), id="not-an-object"),
        pytest.param(lambda c: c.send_json_to({"type": 5}), id="type-not-text"),
        pytest.param(lambda c: c.send_json_to({"type": "x\u0000\ud800"}), id="unknown-type"),
        pytest.param(lambda c: c.send_to(text_data='{"type": "ping", "pad": "' + "x" * 20_000 + '"}'), id="huge"),
    ],
)
async def test_bad_frames_get_bad_frame_and_the_connection_stays_usable(session, workers, send):
    char_comm, player_comm = await start_chat(session, workers)
    await send(player_comm)
    error = await receive_until(player_comm, "error")
    assert error["code"] == "bad_frame"
    await assert_usable(player_comm)
    await char_comm.disconnect()
    await player_comm.disconnect()


async def test_a_topic_with_nul_and_invisible_characters_is_stored_clean(session, workers):
    char_comm, _, _ = await open_seat(workers[0], session.pk)
    player_comm, _, _ = await open_seat(workers[1], session.pk)
    await player_comm.send_json_to({"type": "topic.propose", "topic": "fog\u0000 at\u200b sea\u202e", "kind": "love"})
    proposal = {"topic": "fog at sea", "kind": "love", "by": "player"}
    await receive_until(char_comm, "session", status="topic", topic_proposal=proposal)
    await player_comm.send_json_to({"type": "topic.propose", "topic": "\u0000\u200b", "kind": "love"})
    assert (await receive_until(player_comm, "error"))["code"] == "bad_topic"
    await player_comm.send_json_to({"type": "topic.propose", "topic": "fog", "kind": ["love"]})
    assert (await receive_until(player_comm, "error"))["code"] == "bad_topic"
    await assert_usable(player_comm)
    await char_comm.disconnect()
    await player_comm.disconnect()


async def test_a_handler_that_fails_unexpectedly_answers_server_error_and_keeps_the_socket(
    session, workers, monkeypatch
):
    def broken(**kwargs):
        raise RuntimeError("a defect")

    char_comm, player_comm = await start_chat(session, workers)
    monkeypatch.setattr(messages, "live_message_send", broken)
    msg_id = str(uuid.uuid4())
    await player_comm.send_json_to({"type": "message", "client_msg_id": msg_id, "text": "hi"})
    error = await receive_until(player_comm, "error")
    assert (error["code"], error["client_msg_id"]) == ("server_error", msg_id)
    await assert_usable(player_comm)
    await char_comm.disconnect()
    await player_comm.disconnect()


# --- 3. idempotency is per sender -------------------------------------------------------------------------


async def test_a_client_msg_id_of_the_other_seat_is_refused_and_nothing_is_stored(session, workers):
    char_comm, player_comm = await start_chat(session, workers)
    msg_id = uuid.uuid4()
    await say(player_comm, "Is the fog always this thick?", msg_id)
    await receive_until(char_comm, "turn", seq=2)
    await char_comm.send_json_to({"type": "message", "client_msg_id": str(msg_id), "text": "Only on Sundays."})
    error = await receive_until(char_comm, "error")
    assert (error["code"], error["client_msg_id"]) == ("client_msg_id_taken", str(msg_id))
    again = await say(player_comm, "Is the fog always this thick?", msg_id)
    assert (again["duplicate"], again["seq"], again["text"]) == (True, 2, "Is the fog always this thick?")
    assert [(seq, speaker) for seq, speaker, _ in await stored_turns(session.pk)] == [(1, "character"), (2, "player")]
    await char_comm.disconnect()
    await player_comm.disconnect()


# --- 4. invisible text ------------------------------------------------------------------------------------


async def test_message_text_is_normalised_and_the_stored_text_is_sent_back(session, workers):
    char_comm, player_comm = await start_chat(session, workers)
    ack = await say(player_comm, "  e\u0301t\u00e9\u200b \u202eevil\u202c\u0085next line\ufeff\u0000 ")
    stored = "\u00e9t\u00e9 evil\nnext line"
    assert ack["text"] == stored
    assert (await receive_until(char_comm, "turn", seq=2))["text"] == stored
    assert (await receive_until(player_comm, "turn", seq=2))["text"] == stored
    assert (await stored_turns(session.pk))[-1][2] == stored
    await char_comm.disconnect()
    await player_comm.disconnect()


@pytest.mark.parametrize("text", ["\u200b\u200b\u200b", "\ufeff", "\u202e", "\u0000\ud800", "\u3164", " \u200d "])
async def test_a_message_of_invisible_characters_only_is_refused_as_empty(session, workers, text):
    char_comm, player_comm = await start_chat(session, workers)
    await player_comm.send_json_to({"type": "message", "client_msg_id": str(uuid.uuid4()), "text": text})
    assert (await receive_until(player_comm, "error"))["code"] == "empty"
    assert len(await stored_turns(session.pk)) == 1
    await char_comm.disconnect()
    await player_comm.disconnect()


# --- 5. limits ---------------------------------------------------------------------------------------------


async def test_frames_over_the_per_socket_rate_are_ignored_with_one_rate_limited_error(session, workers, settings):
    settings.WS_MAX_FRAMES_PER_S = 5
    settings.WS_FRAME_BURST = 10
    char_comm, player_comm = await start_chat(session, workers)
    await asyncio.sleep(2.1)  # the bucket refills after the start
    for _ in range(100):
        await player_comm.send_json_to({"type": "ping"})
    frames = await drain(player_comm, timeout=0.5)
    pongs = [f for f in frames if f["type"] == "pong"]
    limited = [f for f in frames if f["type"] == "error" and f["code"] == "rate_limited"]
    assert 10 <= len(pongs) <= 13 and len(limited) == 1
    await asyncio.sleep(1.1)
    await assert_usable(player_comm)  # the limit is a rate, not a ban
    await char_comm.disconnect()
    await player_comm.disconnect()


async def test_typing_is_relayed_at_most_once_per_interval(session, workers, settings):
    settings.LIVE_TYPING_INTERVAL_S = 1.0
    char_comm, player_comm = await start_chat(session, workers)
    await drain(char_comm)
    for _ in range(15):
        await player_comm.send_json_to({"type": "typing"})
    relayed = [f for f in await drain(char_comm, timeout=0.5) if f["type"] == "typing"]
    assert relayed == [{"type": "typing", "side": "player"}]
    await asyncio.sleep(1.05)
    await player_comm.send_json_to({"type": "typing"})
    await receive_until(char_comm, "typing")
    await char_comm.disconnect()
    await player_comm.disconnect()


# --- 6. the protocol as documented ----------------------------------------------------------------------


async def test_the_waiting_room_sends_match_once(workers):
    comms = [communicator(worker, "/ws/roleplay/queue/") for worker in workers]
    for comm, side in zip(comms, ("character", "player"), strict=True):
        assert (await comm.connect())[0]
        await comm.send_json_to({"type": "join", "side": side})
    await asyncio.sleep(1.0)  # several ticks (LIVE_QUEUE_TICK_S = 0.2) after the match
    for comm in comms:
        matches = [f for f in await drain(comm) if f["type"] == "match"]
        assert len(matches) == 1
        await comm.disconnect()
    assert await database_sync_to_async(MatchQueueEntry.objects.filter(status="matched").count)() == 2


async def test_every_turn_is_followed_by_a_session_frame_counting_it(session, workers, live_settings):
    live_settings.LIVE_MIN_TURNS = 6
    char_comm, player_comm = await start_chat(session, workers)
    seats = {"character": char_comm, "player": player_comm}
    for seq in range(2, 8):
        sender = "player" if seq % 2 == 0 else "character"
        await say(seats[sender], f"line number {seq}")
        for comm in seats.values():
            await receive_until(comm, "turn", seq=seq)
            state = await comm.receive_json_from(timeout=3)
            assert (state["type"], state["turns"], state["finish_unlocked"]) == ("session", seq, seq >= 6)
            assert state["next_speaker"] == ("character" if sender == "player" else "player")
            assert state["topic"] == "fog at sea" and state["deadline"] > time.time()
    await char_comm.disconnect()
    await player_comm.disconnect()


async def test_hello_past_the_end_answers_the_last_stored_seq(session, workers):
    char_comm, player_comm = await start_chat(session, workers)
    await player_comm.send_json_to({"type": "hello", "last_seq": 999})
    assert await receive_until(player_comm, "replayed") == {"type": "replayed", "count": 0, "last_seq": 1}
    await char_comm.disconnect()
    await player_comm.disconnect()


async def test_a_message_while_the_partner_rates_is_refused_as_rating_only(session, workers, live_settings):
    live_settings.LIVE_MIN_TURNS = 2
    char_comm, player_comm = await start_chat(session, workers)
    await say(player_comm, "Hello there.")
    await char_comm.send_json_to({"type": "finish", "rating": 5})
    await receive_until(player_comm, "session", status="rating")
    await player_comm.send_json_to({"type": "message", "client_msg_id": str(uuid.uuid4()), "text": "wait!"})
    assert (await receive_until(player_comm, "error"))["code"] == "rating_only"
    await char_comm.disconnect()
    await player_comm.disconnect()


@pytest.mark.parametrize(("side", "code"), [("narrator", "bad_side"), (5, "bad_side"), ("character", "wrong_side")])
async def test_side_naming_no_seat_is_bad_side_and_the_other_seat_wrong_side(session, workers, side, code):
    char_comm, player_comm = await start_chat(session, workers)
    await player_comm.send_json_to({"type": "message", "client_msg_id": str(uuid.uuid4()), "text": "hi", "side": side})
    assert (await receive_until(player_comm, "error"))["code"] == code
    await char_comm.disconnect()
    await player_comm.disconnect()


async def test_a_worker_blocked_during_a_session_cannot_reopen_it(session, workers):
    char_comm, player_comm = await start_chat(session, workers)
    await player_comm.disconnect()
    await database_sync_to_async(WorkerProfile.objects.filter(user=workers[1]).update)(
        block_status=BlockStatus.BLOCKED, block_reason="abuse"
    )
    comm = communicator(workers[1], f"/ws/roleplay/live/{session.pk}/")
    assert (await comm.connect())[0]
    error = await comm.receive_json_from()
    assert error["code"] == "blocked"
    assert await comm.receive_output() == {"type": "websocket.close", "code": 4403}
    state = await database_sync_to_async(LiveSession.objects.get)(pk=session.pk)
    assert state.player_channel == ""  # the seat was not taken
    await char_comm.disconnect()


async def test_a_message_over_the_rate_is_refused_by_its_client_msg_id_and_not_stored(session, workers, settings):
    settings.WS_MAX_FRAMES_PER_S = 1
    settings.WS_FRAME_BURST = 1
    char_comm, player_comm = await start_chat(session, workers)
    await asyncio.sleep(1.1)
    await player_comm.send_json_to({"type": "ping"})  # uses the one frame of the bucket
    msg_id = str(uuid.uuid4())
    await player_comm.send_json_to({"type": "message", "client_msg_id": msg_id, "text": "too soon"})
    error = await receive_until(player_comm, "error")
    assert (error["code"], error["client_msg_id"]) == ("rate_limited", msg_id)
    assert len(await stored_turns(session.pk)) == 1
    await asyncio.sleep(1.1)
    assert (await say(player_comm, "too soon", uuid.UUID(msg_id)))["seq"] == 2  # the resend is stored
    await char_comm.disconnect()
    await player_comm.disconnect()


@pytest.fixture
def closed_queue_consumer(workers, monkeypatch):
    """A waiting-room consumer whose client has closed the socket: every send raises uvicorn's
    ``ClientDisconnected``."""
    from uvicorn.protocols.utils import ClientDisconnected

    from roleplay.consumers import LiveQueueConsumer

    consumer = LiveQueueConsumer()
    consumer.user = workers[0]

    async def closed_socket(frame: dict) -> None:
        raise ClientDisconnected()

    monkeypatch.setattr(consumer, "send_json", closed_socket)
    return consumer


async def test_the_waiting_rooms_tick_ends_quietly_once_the_workers_socket_has_closed(closed_queue_consumer, caplog):
    """A worker who closed the tab between two ticks: the status has nowhere to go; the tick stops
    without logging a failure."""
    await asyncio.wait_for(closed_queue_consumer._tick(), timeout=5)
    assert "waiting-room tick failed" not in caplog.text


async def test_a_frame_whose_client_left_before_the_answer_is_dropped_without_a_failure_log(
    closed_queue_consumer, caplog
):
    """The answer to a frame cannot be sent because the client has closed the socket: nothing is
    logged as a server failure (a reconnecting client's old socket, a closed tab)."""
    await closed_queue_consumer.receive_json({"type": "status"})
    assert "failed" not in caplog.text


async def test_a_state_older_than_the_one_a_seat_was_sent_is_not_shown_to_it(session, workers):
    """The character's arrival ('joining', published before the player joined) can reach the player
    after the player's own welcome ('topic'): the older state is dropped, the newer ones pass."""
    from roleplay.live import frames
    from roleplay.live.partners import seats_send_sync

    char_comm, _, _ = await open_seat(workers[0], session.pk)
    stale = await database_sync_to_async(lambda: frames.session_frame(LiveSession.objects.get(pk=session.pk)))()
    assert stale["status"] == "joining"
    player_comm, _, state = await open_seat(workers[1], session.pk)
    assert state["status"] == "topic"
    await drain(player_comm)

    await database_sync_to_async(seats_send_sync)(session.pk, stale, ("player",))
    assert not [f for f in await frames_before_pong(player_comm) if f.get("type") == "session"]

    # A newer state still reaches it: the character proposes a topic.
    await char_comm.send_json_to({"type": "topic.propose", "topic": "fog at sea", "kind": "chit_chat"})
    proposal = {"topic": "fog at sea", "kind": "chit_chat", "by": "character"}
    await receive_until(player_comm, "session", status="topic", topic_proposal=proposal)
    await char_comm.disconnect()
    await player_comm.disconnect()


async def test_an_older_state_of_the_same_status_and_turns_is_not_shown(session, workers):
    """A state from before a topic proposal has the status and turns of the state after it: arriving
    late from another process, it is still dropped (by its version), so the proposal stays shown."""
    from roleplay.live import frames
    from roleplay.live.partners import seats_send_sync

    char_comm, _, _ = await open_seat(workers[0], session.pk)
    player_comm, _, state = await open_seat(workers[1], session.pk)
    assert state["status"] == "topic"
    before = await database_sync_to_async(lambda: frames.session_frame(LiveSession.objects.get(pk=session.pk)))()
    await char_comm.send_json_to({"type": "topic.propose", "topic": "fog at sea", "kind": "chit_chat"})
    proposal = {"topic": "fog at sea", "kind": "chit_chat", "by": "character"}
    after = await receive_until(player_comm, "session", status="topic", topic_proposal=proposal)
    assert (after["status"], after["turns"]) == (before["status"], before["turns"])
    assert after["version"] > before["version"]

    await database_sync_to_async(seats_send_sync)(session.pk, before, ("player",))
    assert not [f for f in await frames_before_pong(player_comm) if f.get("type") == "session"]
    await char_comm.disconnect()
    await player_comm.disconnect()
