"""Human–machine rounds through roleplay's live chat: the tiny deployed model plays the character.

Over WebSocket (``ws/roleplay/live/<session>/``, the same consumer as human role-play): streamed
replies stored with the model version, regenerate, edit keeping the original, replay, refusals, and
how the parts of a live session a model cannot do (agree, rate, leave) behave.
"""

import asyncio
import copy
import os
import uuid
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from roleplay.live import abandonment, matchmaking, queue, sessions
from roleplay.live.human_machine import ChatRefused, hm_session_start
from roleplay.live.model_seat import ModelPartner
from roleplay.models import (
    DialogueSource,
    DialogueStatus,
    LiveSession,
    LiveSessionStatus,
    Turn,
)
from tests.factories import CharacterFactory, ModelVersionFactory, PlayerPersonaFactory
from tests.roleplay.live_helpers import communicator, drain, make_worker, pair, receive_until
from training.models import DiscardedReply
from training.services import model_version_deploy
from workforce.models import LedgerEntry

# The consumer's database_sync_to_async closes "obsolete" connections; on PostgreSQL that would
# close the connection holding a test-wrapping transaction, so these tests commit for real.
pytestmark = pytest.mark.django_db(transaction=True)
orm = database_sync_to_async


@pytest.fixture(autouse=True)
def live_settings(settings):
    if not os.environ.get("REDIS_URL"):
        settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    else:
        # Reassigning makes Channels build a fresh layer, bound to this test's event loop.
        settings.CHANNEL_LAYERS = copy.deepcopy(settings.CHANNEL_LAYERS)
    settings.LIVE_MIN_TURNS = 3  # greeting, the worker's message, the model's reply
    settings.LIVE_IDLE_TIMEOUT_S = 60
    return settings


@pytest.fixture
def deployed(researcher, tiny_model_dir):
    version = ModelVersionFactory(
        base_model=str(tiny_model_dir),
        weights_path="",
        generation=2,
        generation_settings={"temperature": 1.0, "max_new_tokens": 6, "min_new_tokens": 6},
    )
    model_version_deploy(version=version, actor=researcher)
    return version


async def _open(user, session_id: int):
    ws = communicator(user, f"/ws/roleplay/live/{session_id}/")
    connected, _ = await ws.connect()
    assert connected
    welcome = await receive_until(ws, "welcome")
    state = await receive_until(ws, "session")
    return ws, welcome, state


async def _start(user, session_id: int):
    """Open the seat and propose a topic: the model accepts it at once and the chat starts."""
    ws, welcome, state = await _open(user, session_id)
    await ws.send_json_to({"type": "hello", "last_seq": 0})
    await receive_until(ws, "replayed")
    await ws.send_json_to({"type": "topic.propose", "topic": "the lighthouse", "kind": "chit_chat"})
    active = await receive_until(ws, "session", status="active")  # the greeting's turn comes just before
    return ws, welcome, state, active


async def _until_model_turn(ws) -> list[dict]:
    frames = []
    while True:
        frame = await ws.receive_json_from(timeout=60)
        frames.append(frame)
        assert frame["type"] != "error", frame
        if frame["type"] == "turn" and frame["speaker"] == "character" and "reply_id" in frame:
            return frames


async def _say(ws, text: str, **extra) -> dict:
    msg_id = str(uuid.uuid4())
    await ws.send_json_to({"type": "message", "client_msg_id": msg_id, "text": text, **extra})
    return await receive_until(ws, "ack", client_msg_id=msg_id)


async def _close(ws, session_id: int) -> None:
    await ModelPartner(session_id=session_id, seat="character").wait()
    await ws.disconnect()


@pytest.fixture
def start_round(crowdworker, deployed):
    """``start_round(greeting)``: a round of ``crowdworker`` with the deployed model (made before the test's loop)."""

    def start(greeting: str = "Ahoy.") -> LiveSession:
        return hm_session_start(worker=crowdworker, character=CharacterFactory(greeting=greeting))

    return start


async def test_a_reply_can_be_regenerated_as_soon_as_its_turn_is_shown(start_round, crowdworker, deployed, monkeypatch):
    """The stored reply's turn reaches the worker before its task has sent the session state after
    it: a regeneration asked for at once is not refused as 'still answering'."""
    from roleplay.live import model_seat

    send = model_seat.seat_send

    async def state_late(session_id, seat, frame):
        if frame.get("type") == "session":
            await asyncio.sleep(0.5)
        await send(session_id, seat, frame)

    monkeypatch.setattr(model_seat, "seat_send", state_late)
    session = await orm(start_round)("Hello there.")
    ws, _welcome, _joined, _active = await _start(crowdworker, session.pk)
    await _say(ws, "Is the lamp lit?")
    await _until_model_turn(ws)
    await ws.send_json_to({"type": "regenerate"})
    again = await _until_model_turn(ws)
    assert again[-1]["seq"] == 3 and again[-1]["replaced"] is True
    await _close(ws, session.pk)


@orm
def _reload(session_id: int) -> tuple[LiveSession, list[Turn]]:
    session = LiveSession.objects.select_related("dialogue", "model_version").get(pk=session_id)
    turns = list(Turn.objects.filter(dialogue_id=session.dialogue_id).order_by("seq")) if session.dialogue_id else []
    return session, turns


async def test_streamed_reply_is_stored_with_the_model_version_then_regenerated_and_corrected(
    start_round, crowdworker, deployed
):
    session = await orm(start_round)("Hello there.")
    assert session.model_version_id == deployed.pk and session.character_worker_id is None

    ws, welcome, joined, active = await _start(crowdworker, session.pk)
    await ws.send_json_to({"type": "hello", "last_seq": 0})
    greeting = await receive_until(ws, "turn", seq=1)
    await _say(ws, "Is the lamp lit?")
    first = await _until_model_turn(ws)
    await ws.send_json_to({"type": "regenerate"})
    again = await _until_model_turn(ws)
    await ws.send_json_to({"type": "edit", "seq": 3, "text": "Yes, it burns all night."})
    edited = await receive_until(ws, "turn", seq=3, edited=True)
    await _close(ws, session.pk)

    assert welcome["you"] == "player" and welcome["partner"] == "model"
    assert joined["status"] == "topic" and joined["connected"]["character"] is True
    assert active["topic"] == "the lighthouse" and active["next_speaker"] == "player"
    assert greeting["speaker"] == "character" and greeting["text"] == "Hello there."

    streams = [f for f in first if f["type"] == "stream"]
    reply = first[-1]
    assert len(streams) >= 2  # token by token, not one block
    assert streams[-1]["text"].strip() == reply["text"] and reply["model"] is True and reply["seq"] == 3
    assert all(f["replace_seq"] is None for f in streams)

    regenerated = again[-1]
    restreams = [f for f in again if f["type"] == "stream"]
    assert restreams and all(f["replace_seq"] == 3 for f in restreams)
    assert regenerated["seq"] == 3 and regenerated["replaced"] is True
    assert (await orm(DiscardedReply.objects.get)(seq=3)).text == reply["text"]
    assert edited["text"] == "Yes, it burns all night."

    session, turns = await _reload(session.pk)
    dialogue = session.dialogue
    assert (dialogue.source, dialogue.model_version_id, dialogue.status) == (
        DialogueSource.HUMAN_MACHINE,
        deployed.pk,
        DialogueStatus.COLLECTING,
    )
    assert dialogue.character_worker_id is None and dialogue.player_worker_id == crowdworker.pk
    assert [(t.seq, t.speaker) for t in turns] == [(1, "character"), (2, "player"), (3, "character")]
    assert turns[0].author_model_id == deployed.pk and turns[1].author_user_id == crowdworker.pk
    assert turns[2].text == "Yes, it burns all night."
    assert turns[2].original_text == regenerated["text"]  # the model's own reply, before the correction
    assert turns[2].author_model_id == deployed.pk and turns[2].author_user_id is None


async def test_without_a_greeting_the_model_opens_the_chat(start_round, crowdworker, deployed):
    session = await orm(start_round)("")
    ws, _, _, active = await _start(crowdworker, session.pk)
    opening = await _until_model_turn(ws)
    await _close(ws, session.pk)
    assert active["next_speaker"] == "character" and active["turns"] == 0
    assert opening[-1]["seq"] == 1 and opening[-1]["model"] is True
    _, turns = await _reload(session.pk)
    assert [(t.seq, t.author_model_id) for t in turns] == [(1, deployed.pk)]


async def test_a_reloaded_chat_still_shows_the_correction_as_edited(start_round, crowdworker):
    session = await orm(start_round)()
    ws, _, _, _ = await _start(crowdworker, session.pk)
    await _say(ws, "Does the lamp burn all night?")
    await _until_model_turn(ws)
    await ws.send_json_to({"type": "edit", "seq": 3, "text": "Yes, it burns all night."})
    await receive_until(ws, "turn", seq=3, edited=True)
    await _close(ws, session.pk)

    again, _, _ = await _open(crowdworker, session.pk)
    await again.send_json_to({"type": "hello", "last_seq": 0})
    replay = [await receive_until(again, "turn") for _ in range(3)]
    await receive_until(again, "replayed")
    await again.disconnect()
    # The greeting is the model's (the character seat's) line too; only the correction is edited.
    assert [(f["seq"], f["model"], f["edited"]) for f in replay] == [
        (1, True, False),
        (2, False, False),
        (3, True, True),
    ]
    assert replay[2]["text"] == "Yes, it burns all night."


async def test_reconnecting_worker_gets_what_they_missed_after_last_seq(start_round, crowdworker):
    session = await orm(start_round)()
    ws, _, _, _ = await _start(crowdworker, session.pk)
    await _say(ws, "Any ships tonight?")
    reply = (await _until_model_turn(ws))[-1]
    await _close(ws, session.pk)

    again, _, state = await _open(crowdworker, session.pk)
    await again.send_json_to({"type": "hello", "last_seq": 1})
    replay = [await receive_until(again, "turn") for _ in range(2)]
    done = await receive_until(again, "replayed")
    await again.disconnect()
    assert state["status"] == "active" and state["turns"] == 3
    assert [(f["seq"], f["speaker"]) for f in replay] == [(2, "player"), (3, "character")]
    assert replay[1]["text"] == reply["text"]
    assert done == {"type": "replayed", "count": 2, "last_seq": 3}


async def test_only_the_worker_rates_and_the_session_finishes_at_once(start_round, crowdworker):
    session = await orm(start_round)()
    ws, _, _, _ = await _start(crowdworker, session.pk)
    await _say(ws, "Tell me about the fog.")
    await _until_model_turn(ws)
    await ws.send_json_to({"type": "finish", "rating": 4})
    ended = await receive_until(ws, "session", status="finished")
    await _close(ws, session.pk)

    assert ended["open"] is False and ended["rated"] == {"character": False, "player": True}
    session, _ = await _reload(session.pk)
    assert session.status == LiveSessionStatus.FINISHED
    assert (session.dialogue.status, session.dialogue.character_side_rating) == (DialogueStatus.SUBMITTED, 4)
    assert session.dialogue.player_side_rating is None
    assert not await orm(LedgerEntry.objects.exists)()  # no queue to wait in, nobody stranded


async def test_refusals_sending_as_the_character_bad_frames_and_after_the_end(start_round, crowdworker):
    session = await orm(start_round)()
    ws, _, _, _ = await _start(crowdworker, session.pk)
    codes = []
    for frame in (
        {"type": "message", "client_msg_id": str(uuid.uuid4()), "text": "I am the keeper.", "side": "character"},
        {"type": "message", "client_msg_id": "not-a-uuid", "text": "hi"},
        {"type": "message", "client_msg_id": str(uuid.uuid4()), "text": "   "},
        {"type": "regenerate"},  # only the greeting so far: no reply to regenerate
        {"type": "edit", "seq": 7, "text": "x"},
        {"type": "topic.accept"},
        {"type": "finish", "rating": 4},  # before LIVE_MIN_TURNS
        {"type": "dance"},
    ):
        await ws.send_json_to(frame)
        codes.append((await receive_until(ws, "error"))["code"])
    await _say(ws, "Fine, tell me about the fog.")
    await _until_model_turn(ws)
    await ws.send_json_to({"type": "finish", "rating": 5})
    await receive_until(ws, "session", status="finished")
    after = []
    for frame in (
        {"type": "message", "client_msg_id": str(uuid.uuid4()), "text": "one more thing"},
        {"type": "regenerate"},
        {"type": "edit", "seq": 3, "text": "x"},
    ):
        await ws.send_json_to(frame)
        after.append((await receive_until(ws, "error"))["code"])
    await _close(ws, session.pk)

    assert codes == [
        "wrong_side",
        "bad_client_msg_id",
        "empty",
        "nothing_to_regenerate",
        "not_a_model_turn",
        "topic_closed",
        "finish_locked",
        "bad_frame",
    ]
    assert after == ["session_ended", "session_ended", "session_ended"]
    _, turns = await _reload(session.pk)
    assert len(turns) == 3


async def test_worker_cannot_open_another_workers_round(start_round, make_user):
    session = await orm(start_round)()
    other = await orm(make_user)("crowdworker")
    ws = communicator(other, f"/ws/roleplay/live/{session.pk}/")
    await ws.connect()
    frame = await ws.receive_json_from()
    closed = await ws.receive_output()
    assert frame == {"type": "error", "code": "not_your_session", "message": frame["message"]}
    assert closed == {"type": "websocket.close", "code": 4403}


async def test_annotator_cannot_open_a_workers_round(start_round, annotator):
    # Annotators reach the chat socket (as evaluators of pointwise sessions), never others' seats.
    session = await orm(start_round)()
    ws = communicator(annotator, f"/ws/roleplay/live/{session.pk}/")
    await ws.connect()
    frame = await ws.receive_json_from()
    assert frame["code"] == "not_your_session"
    assert await ws.receive_output() == {"type": "websocket.close", "code": 4403}


async def test_a_backend_error_is_logged_but_its_text_never_reaches_the_worker(
    start_round, crowdworker, monkeypatch, caplog
):
    from roleplay.live import model_seat
    from training.inference import InferenceError

    secret = "The endpoint answered 500: <internal admin page, token=hunter2>"

    async def failing_stream(backend, request):
        raise InferenceError(secret)
        yield ""  # pragma: no cover - makes this an async generator

    monkeypatch.setattr(model_seat, "astream", failing_stream)
    session = await orm(start_round)()
    ws, _, _, _ = await _start(crowdworker, session.pk)
    await _say(ws, "Tell me about the fog.")
    error = await receive_until(ws, "error", code="model_unavailable")
    await _close(ws, session.pk)
    assert "hunter2" not in str(error) and "500" not in error["message"]
    assert error["message"] == "The character could not answer."
    assert any("hunter2" in record.getMessage() for record in caplog.records)


@pytest.mark.parametrize(
    ("grace_s", "ended_as"),
    [(600, LiveSessionStatus.IDLE_TIMEOUT), (30, LiveSessionStatus.PARTNER_LEFT)],
    ids=["idle", "worker-gone"],
)
async def test_a_round_the_worker_lets_lapse_ends_and_nobody_is_credited(
    start_round, crowdworker, settings, grace_s, ended_as
):
    settings.LIVE_PARTNER_GRACE_S = grace_s
    session = await orm(start_round)()
    ws, _, _, _ = await _start(crowdworker, session.pk)
    await _close(ws, session.pk)

    await orm(sessions.live_session_check)(session_id=session.pk, now=timezone.now() + timedelta(seconds=61))
    session, _ = await _reload(session.pk)
    # The model never leaves: the worker's seat lapsed. Nobody is stranded, so nothing is credited,
    # and leaving a model is no abandonment that counts towards a soft block.
    assert session.status == ended_as and session.abandoned_by_id == crowdworker.pk
    assert session.stranded_worker_id is None and not await orm(LedgerEntry.objects.exists)()
    assert await orm(abandonment.abandonments_recent)(worker_id=crowdworker.pk) == 0
    assert session.dialogue.status == DialogueStatus.REJECTED  # only the greeting: too short


def test_unopened_round_expires_without_a_dialogue(start_round):
    session = start_round()
    sessions.live_session_check(session_id=session.pk, now=session.join_deadline + timedelta(seconds=1))
    session.refresh_from_db()
    assert session.status == LiveSessionStatus.EXPIRED and session.dialogue is None


def test_the_character_seat_holds_a_worker_or_a_model_never_both_nor_neither(crowdworker, make_user, deployed):
    character, persona = CharacterFactory(), PlayerPersonaFactory()
    fields = {"character": character, "player_persona": persona, "player_worker": crowdworker}
    deadline = timezone.now() + timedelta(seconds=30)
    both = LiveSession(
        **fields, character_worker=make_user("crowdworker"), model_version=deployed, join_deadline=deadline
    )
    neither = LiveSession(**fields, join_deadline=deadline)
    for session in (both, neither):
        with pytest.raises(ValidationError):
            session.full_clean()
        with pytest.raises(IntegrityError), transaction.atomic():
            session.save()


def test_matchmaking_never_sees_model_rounds(start_round, crowdworker):
    start_round()
    assert queue.queue_status(worker=crowdworker)["status"] == "idle"
    assert matchmaking.matchmaker_run() == []


def test_no_round_opens_while_no_model_is_deployed(client, crowdworker):
    with pytest.raises(ChatRefused) as refused:
        hm_session_start(worker=crowdworker, character=CharacterFactory())
    assert refused.value.code == "no_model_deployed"
    client.force_login(crowdworker)
    assert b'data-testid="no-model"' in client.get(reverse("training:chat-start")).content


def test_chat_start_opens_the_live_chat_page_with_the_model_in_the_character_seat(client, crowdworker, deployed):
    character = CharacterFactory()
    client.force_login(crowdworker)
    response = client.post(reverse("training:chat-start"), {"character": character.pk})
    session = LiveSession.objects.get(player_worker=crowdworker)
    assert response["Location"] == reverse("roleplay:live-chat", args=[session.pk])
    page = client.get(response["Location"]).content.decode()
    assert f"/ws/roleplay/live/{session.pk}/" in page and deployed.name in page
    assert '"modelSeat": "character"' in page and reverse("training:chat-start") in page


@pytest.fixture
def human_pair():
    CharacterFactory(greeting="Ahoy.")
    PlayerPersonaFactory()
    player = make_worker(player=True)
    return pair(make_worker(character=True), player), player


async def test_a_human_pairing_has_no_model_seat_and_takes_no_model_frames(human_pair):
    session, player = human_pair
    ws, welcome, _ = await _open(player, session.pk)
    await drain(ws)
    await ws.send_json_to({"type": "regenerate"})  # not a frame of human role-play
    error = await receive_until(ws, "error")
    await ws.disconnect()
    assert welcome["partner"] == "human" and error["code"] == "bad_frame"


def test_api_starts_a_round_and_refuses_without_a_deployed_model_or_the_role(
    client, crowdworker, annotator, researcher
):
    character = CharacterFactory()
    client.force_login(crowdworker)
    refused = client.post("/api/training/chat-rounds/", {"character": character.pk}, content_type="application/json")
    assert refused.status_code == 409 and refused.json()["code"] == "no_model_deployed"
    version = ModelVersionFactory()
    model_version_deploy(version=version, actor=researcher)
    bad = client.post("/api/training/chat-rounds/", {"character": 0}, content_type="application/json")
    assert bad.status_code == 400 and "character" in bad.json()
    started = client.post("/api/training/chat-rounds/", {"character": character.pk}, content_type="application/json")
    assert started.status_code == 201, started.content
    session = LiveSession.objects.get(player_worker=crowdworker)
    assert started.json() == {
        "session_id": session.pk,
        "character": character.pk,
        "model_version": version.name,
        "status": "joining",
        "join_deadline": started.json()["join_deadline"],
        "url": f"/roleplay/live/{session.pk}/",
        "ws_path": f"/ws/roleplay/live/{session.pk}/",
    }
    client.force_login(annotator)
    assert client.post("/api/training/chat-rounds/", {"character": character.pk}).status_code == 403
