"""A pointwise evaluation session is a live session of the live chat: the blinded contestant in the
character seat (here a reference model on the loopback OpenAI-compatible server), the evaluator
chatting over ``ws/roleplay/live/<id>/`` with the chat's frames and streaming, the error labels
and the rating form on the sessions API, which end the live session."""

import copy
import json
import os
import uuid
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone
from rest_framework.test import APIClient

from evaluation import services
from evaluation.models import Assignment, AssignmentStatus, Mode
from evaluation.services.assignments import assignments_release_idle
from platform_core.roles import Role
from roleplay.live import sessions
from roleplay.live.errors import LiveRefused
from roleplay.live.model_seat import ModelPartner
from roleplay.models import Dialogue, DialogueStatus, LiveSession, LiveSessionStatus, Turn
from tests.annotation.openai_loopback import LoopbackOpenAI
from tests.evaluation.conftest import chat_pointwise
from tests.factories import TEST_PASSWORD, CharacterFactory, ModelVersionFactory
from tests.roleplay.live_helpers import communicator, drain, receive_until
from training.models import ServingBackend

# The consumer's database_sync_to_async closes "obsolete" connections; on PostgreSQL that would
# close the connection holding a test-wrapping transaction, so these tests commit for real.
pytestmark = pytest.mark.django_db(transaction=True)
orm = database_sync_to_async
REPLY = "Ahoy, the fog rolls in from the cape tonight."


@pytest.fixture(autouse=True)
def layer(settings):
    if not os.environ.get("REDIS_URL"):
        settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    else:
        settings.CHANNEL_LAYERS = copy.deepcopy(settings.CHANNEL_LAYERS)


@pytest.fixture
def loopback(settings):
    server = LoopbackOpenAI()
    server.responder = lambda body: REPLY
    settings.INFERENCE_API_KEY = server.api_key
    yield server
    server.close()


@pytest.fixture
def campaign(researcher, loopback):
    """Two reference contestants on the loopback endpoint; the rating form unlocks at 3 turns."""

    def reference(name: str):
        return ModelVersionFactory(
            name=name,
            base_model="gpt-4",
            serving_backend=ServingBackend.OPENAI,
            endpoint_url=loopback.base_url,
            served_name=name,
        )

    made = services.campaign_create(
        slug="live",
        title="Live",
        contestants=[reference("secret-model-one"), reference("secret-model-two")],
        characters=[CharacterFactory(greeting="Hello, stranger.")],
        created_by=researcher,
        min_turns=3,
        min_seconds_per_turn=0.0,
        modes=[Mode.POINTWISE],
    )
    return services.campaign_open(campaign=made, actor=researcher)


@pytest.fixture
def assignment(campaign, evaluator):
    return services.assignment_next(campaign=campaign, evaluator=evaluator, mode=Mode.POINTWISE)


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


async def _open(user, session_id: int):
    ws = communicator(user, f"/ws/roleplay/live/{session_id}/")
    connected, _ = await ws.connect()
    assert connected
    frames = [await receive_until(ws, "welcome"), await receive_until(ws, "session")]
    await ws.send_json_to({"type": "hello", "last_seq": 0})
    frames.append(await receive_until(ws, "replayed"))
    return ws, frames


async def _say(ws, text: str) -> list[dict]:
    """Send a message; every frame until the model's reply is stored (its ``turn``, then ``session``)."""
    await ws.send_json_to({"type": "message", "client_msg_id": str(uuid.uuid4()), "text": text})
    frames = []
    while True:
        frame = await ws.receive_json_from(timeout=30)
        frames.append(frame)
        assert frame["type"] != "error", frame
        if frame["type"] == "session" and any(f["type"] == "turn" and f.get("model") for f in frames):
            return frames


def test_a_pointwise_session_opens_a_blind_live_session_with_the_contestant_in_the_character_seat(
    assignment, campaign
):
    session = assignment.live_session
    assert session.model_version == assignment.contestant.model_version
    assert session.player_worker == assignment.evaluator and session.dialogue == assignment.dialogue
    assert session.status == LiveSessionStatus.ACTIVE and assignment.dialogue.topic_kind == assignment.topic
    assert session.blind and session.ended_by_owner and not session.allow_edit
    assert not session.allow_regenerate  # the campaign's default
    assert session.finish_min_turns == campaign.min_turns
    assert [t.text for t in Turn.objects.filter(dialogue=assignment.dialogue)] == ["Hello, stranger."]
    body = _api(assignment.evaluator).get(f"/api/evaluation/sessions/{assignment.pk}/").json()
    assert body["live_chat"] == {"session_id": session.pk, "ws_path": f"/ws/roleplay/live/{session.pk}/"}
    assert "secret-model" not in json.dumps(body) and "Model " not in json.dumps(body)


def test_regenerating_is_a_campaign_setting(campaign, evaluator, researcher):
    services.campaign_update(campaign=campaign, actor=researcher, allow_regenerate=True)
    assignment = services.assignment_next(campaign=campaign, evaluator=evaluator, mode=Mode.POINTWISE)
    assert assignment.live_session.allow_regenerate and not assignment.live_session.allow_edit


async def test_the_evaluator_chats_over_the_websocket_and_the_model_never_names_itself(assignment, loopback):
    session_id = assignment.live_session_id
    ws, opening = await _open(assignment.evaluator, session_id)
    assert opening[0]["partner"] == "model" and opening[1]["min_turns"] == 3
    assert opening[1]["deadline"] is None  # the evaluation, not the chat's timers, drops the session
    frames = await _say(ws, "Who keeps the lighthouse?")
    streamed = [f for f in frames if f["type"] == "stream"]
    assert streamed and streamed[-1]["text"] == REPLY  # word by word from the loopback server
    turn = next(f for f in frames if f["type"] == "turn" and f.get("model"))
    assert turn["seq"] == 3 and turn["text"] == REPLY
    assert frames[-1]["finish_unlocked"] and frames[-1]["turns"] == 3
    seen = json.dumps(opening + frames)
    assert "secret-model" not in seen and "gpt-4" not in seen and "Model A" not in seen and "Model B" not in seen
    for frame, code in (
        ({"type": "regenerate"}, "regenerate_off"),
        ({"type": "edit", "seq": 3, "text": "Better."}, "edit_off"),
        ({"type": "finish", "rating": 5}, "finish_elsewhere"),
    ):
        await ws.send_json_to(frame)
        refused = await receive_until(ws, "error")
        assert refused["code"] == code
    await ModelPartner(session_id=session_id, seat="character").wait()
    await ws.disconnect()
    stored = await orm(lambda: list(Turn.objects.filter(dialogue=assignment.dialogue).order_by("seq")))()
    assert [(t.speaker, t.author_model_id) for t in stored] == [
        ("character", None),  # the character's greeting, not the contestant's words
        ("player", None),
        ("character", assignment.contestant.model_version_id),
    ]
    assert stored[2].text == REPLY and stored[1].author_user_id == assignment.evaluator_id
    request = loopback.requests[-1].body
    assert request["model"] == assignment.contestant.model_version.served_name and request["stream"]


async def test_labels_and_ratings_end_the_live_session_for_both_the_page_and_the_chat(assignment):
    await orm(chat_pointwise)(assignment, assignment.evaluator, 3)
    ws, _opening = await _open(assignment.evaluator, assignment.live_session_id)
    api = _api(assignment.evaluator)
    labelled = await orm(api.post)(
        f"/api/evaluation/sessions/{assignment.pk}/labels/",
        {"turn_seq": 3, "labels": ["ooc", "repetition"]},
        format="json",
    )
    assert labelled.json()["error_labels"] == {"3": ["ooc", "repetition"]}
    ratings = {k: 4 for k in assignment.campaign.dimension_keys()}
    rated = await orm(api.post)(f"/api/evaluation/sessions/{assignment.pk}/rate/", {"ratings": ratings}, format="json")
    assert rated.status_code == 200 and rated.json()["status"] == "submitted"
    ended = await receive_until(ws, "session", status="finished")
    assert ended["open"] is False
    await ws.disconnect()
    session = await orm(LiveSession.objects.get)(pk=assignment.live_session_id)
    dialogue = await orm(Dialogue.objects.get)(pk=assignment.dialogue_id)
    assert session.status == LiveSessionStatus.FINISHED and session.abandoned_by_id is None
    assert dialogue.status == DialogueStatus.SUBMITTED
    again = await orm(api.post)(
        f"/api/evaluation/sessions/{assignment.pk}/labels/", {"turn_seq": 3, "labels": []}, format="json"
    )
    assert again.status_code == 409 and again.json()["code"] == "already_submitted"


def test_the_live_chat_of_an_evaluation_is_no_live_play_unit(assignment):
    from workforce.models import WorkUnit
    from workforce.services.sync import units_sync

    chat_pointwise(assignment, assignment.evaluator, 3)
    services.rating_submit(
        assignment_id=assignment.pk,
        evaluator=assignment.evaluator,
        ratings={k: 3 for k in assignment.campaign.dimension_keys()},
    )
    units_sync(lookback=None)
    assert not WorkUnit.objects.filter(subject_id=assignment.live_session_id, kind__startswith="live_").exists()


def test_a_reply_revealing_a_model_identity_flags_the_session(assignment):
    chat_pointwise(assignment, assignment.evaluator, 3, reply="As an AI language model developed by OpenAI, I…")
    services.rating_submit(
        assignment_id=assignment.pk,
        evaluator=assignment.evaluator,
        ratings={k: 3 for k in assignment.campaign.dimension_keys()},
    )
    assert Assignment.objects.get(pk=assignment.pk).identity_leak


def test_a_session_that_names_no_model_is_not_flagged(assignment):
    chat_pointwise(assignment, assignment.evaluator, 3)
    services.rating_submit(
        assignment_id=assignment.pk,
        evaluator=assignment.evaluator,
        ratings={k: 3 for k in assignment.campaign.dimension_keys()},
    )
    assert not Assignment.objects.get(pk=assignment.pk).identity_leak


def test_abandoning_ends_the_live_session_and_the_chat_takes_no_more_messages(assignment, campaign):
    services.assignment_abandon(assignment=assignment, evaluator=assignment.evaluator)
    session = LiveSession.objects.get(pk=assignment.live_session_id)
    assert session.status == LiveSessionStatus.PARTNER_LEFT and session.abandoned_by == assignment.evaluator
    assert Assignment.objects.get(pk=assignment.pk).dialogue.status == DialogueStatus.REJECTED
    with pytest.raises(LiveRefused) as refused:
        chat_pointwise(assignment, assignment.evaluator, 3)
    assert refused.value.code == "session_ended"
    again = services.assignment_next(campaign=campaign, evaluator=assignment.evaluator, mode=Mode.POINTWISE)
    assert again.live_session_id != assignment.live_session_id and again.live_session.is_open


def test_only_the_evaluation_drops_an_idle_session(assignment, settings):
    settings.EVALUATION_SESSION_IDLE_S = 3600
    later = timezone.now() + timedelta(hours=2)
    # The chat's own deadlines never end it: no idle timeout, no absence grace.
    assert sessions.live_session_check(session_id=assignment.live_session_id, now=later).is_open
    assert sessions.live_sessions_sweep(now=later) == 0
    assert assignments_release_idle(now=later) == 1
    assert Assignment.objects.get(pk=assignment.pk).status == AssignmentStatus.ABANDONED
    assert not LiveSession.objects.get(pk=assignment.live_session_id).is_open


def test_the_api_and_the_streamed_endpoint_send_pointwise_chat_to_the_live_chat(assignment, client):
    response = _api(assignment.evaluator).post(
        f"/api/evaluation/sessions/{assignment.pk}/message/", {"text": "Hi"}, format="json"
    )
    assert response.status_code == 409 and response.json()["code"] == "live_chat_only"
    client.login(username=assignment.evaluator.username, password=TEST_PASSWORD)
    streamed = client.post(
        f"/evaluation/sessions/{assignment.pk}/reply/", {"text": "Hi"}, content_type="application/json"
    )
    assert streamed.status_code == 409 and streamed.json()["code"] == "live_chat_only"
    assert Turn.objects.filter(dialogue=assignment.dialogue).count() == 1


def test_the_session_page_is_the_live_chat_page_without_the_model_name(assignment, client):
    client.login(username=assignment.evaluator.username, password=TEST_PASSWORD)
    page = client.get(f"/evaluation/sessions/{assignment.pk}/")
    html = page.content.decode()
    assert page.status_code == 200 and "roleplay/live_chat.js" in html and 'id="live-config"' in html
    assert 'data-testid="rating-form"' in html and "evaluation/live_session.js" in html
    assert 'data-testid="finish-panel"' not in html  # the rating form replaces the chat's finish
    contestant = assignment.contestant
    assert contestant.model_version.name not in html and contestant.alias not in html
    config = page.context["config"]
    assert config["wsPath"] == f"/ws/roleplay/live/{assignment.live_session_id}/"
    assert config["modelActions"] == {"regenerate": False, "edit": False} and not config["finishInChat"]
    assert config["minTurns"] == 3
    definitions = {d["key"]: d["definition"] for d in page.context["dimensions"]}
    assert definitions["consistency"] and len(definitions) == 7
    # roleplay's own chat page does not serve it: one page per session
    assert client.get(f"/roleplay/live/{assignment.live_session_id}/").status_code == 404


async def test_an_annotator_evaluator_holds_their_seat_and_nobody_else_does(campaign, make_user):
    annotator = await orm(make_user)(Role.ANNOTATOR, profile__can_evaluate=True)
    mine = await orm(services.assignment_next)(campaign=campaign, evaluator=annotator, mode=Mode.POINTWISE)
    ws, opening = await _open(annotator, mine.live_session_id)
    assert opening[0]["you"] == "player"
    await drain(ws)
    await ws.disconnect()
    stranger = await orm(make_user)(Role.CROWDWORKER, profile__can_evaluate=True)
    other = communicator(stranger, f"/ws/roleplay/live/{mine.live_session_id}/")
    await other.connect()
    refused = await other.receive_json_from()
    assert refused["code"] == "not_your_session"
    assert (await other.receive_output())["code"] == 4403
