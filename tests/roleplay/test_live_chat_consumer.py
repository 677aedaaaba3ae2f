"""The live chat over WebSocket (WebsocketCommunicator): pairing, turns, idempotency, replay, timeouts, refusals."""

import copy
import os
import uuid

import pytest
from channels.db import database_sync_to_async

from roleplay.models import (
    Dialogue,
    DialogueStatus,
    LiveSession,
    LiveSessionStatus,
    MatchQueueEntry,
    QueueEntryStatus,
    Turn,
)
from tests.factories import CharacterFactory, PlayerPersonaFactory
from tests.roleplay.live_helpers import CHARACTER_IDENTITY, communicator, drain, make_worker, pair, receive_until
from workforce.models import EntryKind, LedgerEntry

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def live_settings(settings):
    if not os.environ.get("REDIS_URL"):
        # Settings may be read before tests/conftest.py sets TROUPE_TESTING: force the in-memory layer.
        settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    else:
        # Reassigning makes Channels build a fresh layer, bound to this test's event loop.
        settings.CHANNEL_LAYERS = copy.deepcopy(settings.CHANNEL_LAYERS)
    settings.LIVE_MIN_TURNS = 4
    settings.LIVE_IDLE_TIMEOUT_S = 60
    settings.LIVE_PARTNER_GRACE_S = 60
    settings.LIVE_QUEUE_TICK_S = 0.2
    return settings


@pytest.fixture
def character():
    return CharacterFactory(identity=CHARACTER_IDENTITY, greeting="Ahoy! Mind the fog.")


@pytest.fixture
def workers(character):
    PlayerPersonaFactory()
    return make_worker(character=True), make_worker(player=True)


@pytest.fixture
def session(workers):
    return pair(*workers)


async def open_seat(user, session_id: int):
    comm = communicator(user, f"/ws/roleplay/live/{session_id}/")
    connected, _ = await comm.connect()
    assert connected
    welcome = await receive_until(comm, "welcome")
    state = await receive_until(comm, "session")
    return comm, welcome, state


async def start_chat(session, workers):
    """Both seats open, the player proposes a topic, the character accepts; the greeting is turn 1."""
    char_comm, _, _ = await open_seat(workers[0], session.pk)
    player_comm, _, _ = await open_seat(workers[1], session.pk)
    await player_comm.send_json_to({"type": "topic.propose", "topic": "fog at sea", "kind": "chit_chat"})
    # Wait for the proposal itself, as a client does: frames of two sockets are handled in parallel,
    # so an accept sent on seeing the ``topic`` status alone may overtake the proposal.
    proposal = {"topic": "fog at sea", "kind": "chit_chat", "by": "player"}
    await receive_until(char_comm, "session", status="topic", topic_proposal=proposal)
    await char_comm.send_json_to({"type": "topic.accept"})
    greeting = await receive_until(player_comm, "turn", seq=1)
    assert greeting["speaker"] == "character"
    await receive_until(char_comm, "turn", seq=1)
    return char_comm, player_comm


async def say(comm, text: str, msg_id: uuid.UUID | None = None, **extra) -> dict:
    msg_id = msg_id or uuid.uuid4()
    await comm.send_json_to({"type": "message", "client_msg_id": str(msg_id), "text": text, **extra})
    return await receive_until(comm, "ack", client_msg_id=str(msg_id))


@database_sync_to_async
def stored_turns(session_id: int) -> list[tuple[int, str, str]]:
    dialogue_id = LiveSession.objects.get(pk=session_id).dialogue_id
    return list(Turn.objects.filter(dialogue_id=dialogue_id).order_by("seq").values_list("seq", "speaker", "text"))


@database_sync_to_async
def reload(session_id: int) -> LiveSession:
    return LiveSession.objects.select_related("dialogue").get(pk=session_id)


async def test_waiting_room_pairs_a_character_side_and_a_player_side_worker(workers):
    char_worker, player_worker = workers
    a = communicator(char_worker, "/ws/roleplay/queue/")
    b = communicator(player_worker, "/ws/roleplay/queue/")
    assert (await a.connect())[0] and (await b.connect())[0]
    await receive_until(a, "queue", status="idle")
    await a.send_json_to({"type": "join", "side": "character"})
    waiting = await receive_until(a, "queue", status="waiting")
    assert waiting["position"] == 1 and waiting["waiting_s"] >= 0
    await b.send_json_to({"type": "join", "side": "player"})
    match_a = await receive_until(a, "match")
    match_b = await receive_until(b, "match")
    assert match_a["session_id"] == match_b["session_id"]
    assert match_a["url"].endswith(f"/roleplay/live/{match_a['session_id']}/")
    session = await reload(match_a["session_id"])
    assert (session.character_worker_id, session.player_worker_id) == (char_worker.pk, player_worker.pk)
    await a.disconnect()
    await b.disconnect()


async def test_waiting_room_refuses_a_side_the_worker_is_not_qualified_for(workers):
    comm = communicator(workers[1], "/ws/roleplay/queue/")
    await comm.connect()
    await comm.send_json_to({"type": "join", "side": "character"})
    error = await receive_until(comm, "error")
    assert error["code"] == "not_qualified"
    await comm.disconnect()


async def test_waiting_room_refuses_non_crowdworkers(make_user):
    from platform_core.roles import Role

    user = await database_sync_to_async(make_user)(Role.ANNOTATOR)
    comm = communicator(user, "/ws/roleplay/queue/")
    connected, _code = await comm.connect()
    assert not connected  # refused before the handshake completes: HTTP 403


async def test_full_chat_topic_greeting_turns_finish_and_ratings_submit_the_dialogue(session, workers):
    char_comm, player_comm = await start_chat(session, workers)
    ack = await say(player_comm, "Is the fog always this thick?")
    assert ack == {
        "type": "ack",
        "client_msg_id": ack["client_msg_id"],
        "seq": 2,
        "duplicate": False,
        "text": "Is the fog always this thick?",
    }
    relayed = await receive_until(char_comm, "turn", seq=2)
    assert relayed["speaker"] == "player" and relayed["text"] == "Is the fog always this thick?"
    await say(char_comm, "Only when the cape is sulking, friend.")
    unlocked_on = await receive_until(player_comm, "turn", seq=3)
    assert unlocked_on["speaker"] == "character"
    await say(player_comm, "Then I will bring it some tea.")
    state = await receive_until(char_comm, "session", finish_unlocked=True)
    assert state["turns"] == 4
    await char_comm.send_json_to({"type": "finish", "rating": 5})
    await receive_until(player_comm, "session", status="rating", finish_requested_by="character")
    await player_comm.send_json_to({"type": "finish", "rating": 4, "flag": True, "flag_reason": "test flag"})
    await receive_until(char_comm, "session", status="finished")
    final = await reload(session.pk)
    assert final.status == LiveSessionStatus.FINISHED
    dialogue = final.dialogue
    assert dialogue.status == DialogueStatus.SUBMITTED
    assert dialogue.topic == "fog at sea" and dialogue.topic_kind == "chit_chat"
    assert (dialogue.player_side_rating, dialogue.character_side_rating) == (5, 4)
    assert dialogue.flagged and "test flag" in dialogue.flag_reason
    assert [t[:2] for t in await stored_turns(session.pk)] == [
        (1, "character"),
        (2, "player"),
        (3, "character"),
        (4, "player"),
    ]
    await char_comm.disconnect()
    await player_comm.disconnect()


async def test_finish_is_locked_before_the_minimum_number_of_turns(session, workers):
    char_comm, player_comm = await start_chat(session, workers)
    await char_comm.send_json_to({"type": "finish", "rating": 5})
    error = await receive_until(char_comm, "error")
    assert error["code"] == "finish_locked"
    await char_comm.disconnect()
    await player_comm.disconnect()


async def test_rating_must_be_a_whole_number_from_one_to_five(session, workers, live_settings):
    live_settings.LIVE_MIN_TURNS = 1
    char_comm, player_comm = await start_chat(session, workers)
    for bad in (0, 6, "5", 2.5, None):
        await char_comm.send_json_to({"type": "finish", "rating": bad})
        assert (await receive_until(char_comm, "error"))["code"] == "bad_rating"
    await char_comm.disconnect()
    await player_comm.disconnect()


async def test_player_cannot_send_as_character(session, workers):
    char_comm, player_comm = await start_chat(session, workers)
    msg_id = str(uuid.uuid4())
    await player_comm.send_json_to(
        {"type": "message", "client_msg_id": msg_id, "text": "I am the keeper!", "side": "character"}
    )
    error = await receive_until(player_comm, "error")
    assert error["code"] == "wrong_side" and error["client_msg_id"] == msg_id
    assert len(await stored_turns(session.pk)) == 1
    await char_comm.disconnect()
    await player_comm.disconnect()


async def test_sides_take_turns(session, workers):
    char_comm, player_comm = await start_chat(session, workers)
    await char_comm.send_json_to({"type": "message", "client_msg_id": str(uuid.uuid4()), "text": "And another thing"})
    assert (await receive_until(char_comm, "error"))["code"] == "not_your_turn"
    await say(player_comm, "Hello keeper")
    await player_comm.send_json_to({"type": "message", "client_msg_id": str(uuid.uuid4()), "text": "Hello again"})
    assert (await receive_until(player_comm, "error"))["code"] == "not_your_turn"
    assert len(await stored_turns(session.pk)) == 2
    await char_comm.disconnect()
    await player_comm.disconnect()


async def test_repeated_client_message_id_is_acknowledged_again_and_stored_once(session, workers):
    char_comm, player_comm = await start_chat(session, workers)
    msg_id = uuid.uuid4()
    first = await say(player_comm, "Only once, please", msg_id)
    again = await say(player_comm, "Only once, please", msg_id)
    assert (first["seq"], first["duplicate"]) == (2, False)
    assert (again["seq"], again["duplicate"]) == (2, True)
    frames = await drain(char_comm)
    assert [f["seq"] for f in frames if f["type"] == "turn"] == [2]  # the partner saw it once
    assert [t[0] for t in await stored_turns(session.pk)] == [1, 2]
    await char_comm.disconnect()
    await player_comm.disconnect()


async def test_message_without_uuid_client_id_is_refused(session, workers):
    char_comm, player_comm = await start_chat(session, workers)
    await player_comm.send_json_to({"type": "message", "client_msg_id": "not-a-uuid", "text": "hi"})
    assert (await receive_until(player_comm, "error"))["code"] == "bad_client_msg_id"
    await player_comm.send_to(text_data="{not json")
    assert (await receive_until(player_comm, "error"))["code"] == "bad_frame"
    await char_comm.disconnect()
    await player_comm.disconnect()


async def test_reconnecting_client_receives_what_it_missed_after_its_last_seen_seq(session, workers):
    char_comm, player_comm = await start_chat(session, workers)
    await say(player_comm, "Back again")
    await receive_until(char_comm, "turn", seq=2)
    await player_comm.disconnect()  # the player drops; the character answers while it is away
    await say(char_comm, "Welcome back")
    player_comm, _, state = await open_seat(workers[1], session.pk)
    assert state["turns"] == 3
    await player_comm.send_json_to({"type": "hello", "last_seq": 1})
    replayed = [await receive_until(player_comm, "turn") for _ in range(2)]
    assert [(f["seq"], f["text"]) for f in replayed] == [(2, "Back again"), (3, "Welcome back")]
    assert await receive_until(player_comm, "replayed") == {"type": "replayed", "count": 2, "last_seq": 3}
    await char_comm.disconnect()
    await player_comm.disconnect()


async def test_newest_connection_of_a_seat_replaces_the_older_one(session, workers):
    old, _, _ = await open_seat(workers[0], session.pk)
    new, _, _ = await open_seat(workers[0], session.pk)
    error = await receive_until(old, "error")
    assert error["code"] == "replaced"
    assert (await old.receive_output(timeout=1))["type"] == "websocket.close"
    refreshed = await reload(session.pk)
    assert refreshed.character_channel and refreshed.character_left_at is None
    await new.disconnect()


async def test_a_partner_arriving_while_a_seat_connects_is_shown_to_that_seat(session, workers, monkeypatch):
    """The partner's arrival lands just after the player's connection read the session (still
    joining): the ``topic`` state it starts must still reach the player, or its chat never starts."""
    from roleplay.live import sessions

    connect = sessions.live_session_connect

    def connect_then_partner_arrives(**kwargs):
        joined = connect(**kwargs)
        if kwargs["worker"].pk == workers[1].pk:
            connect(session_id=kwargs["session_id"], worker=workers[0], channel_name="another-process")
        return joined

    monkeypatch.setattr(sessions, "live_session_connect", connect_then_partner_arrives)
    player_comm, _, state = await open_seat(workers[1], session.pk)
    assert state["status"] == "joining"
    assert (await receive_until(player_comm, "session", status="topic"))["session_id"] == session.pk
    await player_comm.disconnect()


async def test_worker_outside_the_session_is_refused(session):
    outsider = await database_sync_to_async(make_worker)(character=True, player=True)
    comm = communicator(outsider, f"/ws/roleplay/live/{session.pk}/")
    connected, _ = await comm.connect()
    assert connected
    error = await receive_until(comm, "error")
    assert error["code"] == "not_your_session"
    assert (await comm.receive_output(timeout=1)) == {"type": "websocket.close", "code": 4403}


async def test_messages_before_the_topic_is_agreed_are_refused(session, workers):
    char_comm, _, _ = await open_seat(workers[0], session.pk)
    player_comm, _, _ = await open_seat(workers[1], session.pk)
    await char_comm.send_json_to({"type": "message", "client_msg_id": str(uuid.uuid4()), "text": "Too early"})
    assert (await receive_until(char_comm, "error"))["code"] == "not_started"
    await char_comm.send_json_to({"type": "topic.accept"})
    assert (await receive_until(char_comm, "error"))["code"] == "no_proposal"
    await char_comm.send_json_to({"type": "topic.propose", "topic": "   "})
    assert (await receive_until(char_comm, "error"))["code"] == "bad_topic"
    await char_comm.disconnect()
    await player_comm.disconnect()


async def test_messages_after_the_session_ended_are_refused(session, workers, live_settings):
    live_settings.LIVE_MIN_TURNS = 1
    char_comm, player_comm = await start_chat(session, workers)
    await char_comm.send_json_to({"type": "finish", "rating": 3})
    await player_comm.send_json_to({"type": "finish", "rating": 3})
    await receive_until(player_comm, "session", status="finished")
    await player_comm.disconnect()
    await char_comm.disconnect()
    player_comm, _, state = await open_seat(workers[1], session.pk)
    assert state["status"] == "finished" and state["open"] is False
    await player_comm.send_json_to({"type": "message", "client_msg_id": str(uuid.uuid4()), "text": "One more"})
    assert (await receive_until(player_comm, "error"))["code"] == "session_ended"
    await player_comm.disconnect()


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("   ", "empty"),
        ("x" * 501, "too_long"),
        ("I keep " + CHARACTER_IDENTITY[9:60], "copies_profile"),
    ],
)
async def test_message_checks_refuse_with_a_code_and_store_nothing(session, workers, text, code):
    char_comm, player_comm = await start_chat(session, workers)
    msg_id = str(uuid.uuid4())
    await player_comm.send_json_to({"type": "message", "client_msg_id": msg_id, "text": text})
    error = await receive_until(player_comm, "error")
    assert error["code"] == code and error["message"] and error["client_msg_id"] == msg_id
    assert len(await stored_turns(session.pk)) == 1
    await char_comm.disconnect()
    await player_comm.disconnect()


async def test_repeating_ones_own_message_is_refused(session, workers):
    char_comm, player_comm = await start_chat(session, workers)
    await say(player_comm, "Nice weather")
    await say(char_comm, "Indeed")
    await player_comm.send_json_to({"type": "message", "client_msg_id": str(uuid.uuid4()), "text": "nice  weather "})
    assert (await receive_until(player_comm, "error"))["code"] == "repeated"
    assert len(await stored_turns(session.pk)) == 3
    await char_comm.disconnect()
    await player_comm.disconnect()


async def test_idle_side_times_out_and_the_stranded_partner_is_credited(session, workers, live_settings):
    live_settings.LIVE_IDLE_TIMEOUT_S = 0.6
    char_comm, player_comm = await start_chat(session, workers)
    # The greeting was the character's; the player lets the turn lapse.
    ended = await receive_until(char_comm, "session", status="idle_timeout", timeout=5)
    assert ended["open"] is False
    final = await reload(session.pk)
    assert final.abandoned_by_id == workers[1].pk and final.stranded_worker_id == workers[0].pk
    assert final.dialogue.status == DialogueStatus.REJECTED  # 1 turn < the minimum
    assert await database_sync_to_async(
        LedgerEntry.objects.filter(worker=workers[0], kind=EntryKind.STRANDED).exists
    )()
    await char_comm.disconnect()
    await player_comm.disconnect()


async def test_partner_away_past_the_grace_period_ends_the_session_as_partner_left(session, workers, live_settings):
    live_settings.LIVE_PARTNER_GRACE_S = 0.5
    char_comm, player_comm = await start_chat(session, workers)
    await player_comm.disconnect()
    away = await receive_until(char_comm, "session", status="active")
    while away["connected"]["player"]:  # skip state frames sent before the player dropped
        away = await receive_until(char_comm, "session", status="active")
    assert away["deadline"] is not None
    ended = await receive_until(char_comm, "session", status="partner_left", timeout=5)
    assert ended["open"] is False
    final = await reload(session.pk)
    assert final.abandoned_by_id == workers[1].pk
    # The stranded character side goes back to the front of the queue.
    from roleplay.live import queue

    entry = await database_sync_to_async(queue.queue_join)(worker=workers[0], side="character")
    assert entry.priority == 1 and entry.status == QueueEntryStatus.WAITING
    await char_comm.disconnect()


async def test_partner_back_within_the_grace_period_keeps_the_session(session, workers, live_settings):
    live_settings.LIVE_PARTNER_GRACE_S = 1.0
    char_comm, player_comm = await start_chat(session, workers)
    await player_comm.disconnect()
    player_comm, _, state = await open_seat(workers[1], session.pk)
    assert state["status"] == "active" and state["connected"]["player"]
    await say(player_comm, "Sorry, tunnel")
    assert (await reload(session.pk)).status == LiveSessionStatus.ACTIVE
    await char_comm.disconnect()
    await player_comm.disconnect()


async def test_typing_indicator_reaches_the_partner(session, workers):
    char_comm, player_comm = await start_chat(session, workers)
    await player_comm.send_json_to({"type": "typing"})
    assert (await receive_until(char_comm, "typing")) == {"type": "typing", "side": "player"}
    await char_comm.disconnect()
    await player_comm.disconnect()


async def test_join_window_expiry_requeues_the_worker_who_came(workers, live_settings):
    live_settings.LIVE_JOIN_WINDOW_S = 0.4
    session = await database_sync_to_async(pair)(*workers)
    char_comm, _, _ = await open_seat(workers[0], session.pk)
    ended = await receive_until(char_comm, "session", status="expired", timeout=5)
    assert ended["open"] is False
    entries = await database_sync_to_async(
        lambda: list(MatchQueueEntry.objects.values_list("worker_id", "status", "priority"))
    )()
    assert (workers[0].pk, QueueEntryStatus.WAITING, 1) in entries
    assert (workers[1].pk, QueueEntryStatus.EXPIRED, 0) in entries
    assert not await database_sync_to_async(Dialogue.objects.exists)()
    await char_comm.disconnect()
