"""The evaluator's message and the model side streamed as NDJSON, with two tiny local models."""

import itertools
import json

import pytest
from asgiref.sync import async_to_sync

from evaluation import services
from evaluation.models import Mode, PairwiseJudgment
from tests.factories import TEST_PASSWORD, CharacterFactory, ModelVersionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(tiny_model_dir, researcher):
    settings = {"temperature": 1.0, "max_new_tokens": 5, "min_new_tokens": 5}
    versions = [
        ModelVersionFactory(base_model=str(tiny_model_dir), generation_settings=settings),
        ModelVersionFactory(base_model=str(tiny_model_dir), generation_settings={**settings, "temperature": 0.9}),
    ]
    campaign = services.campaign_create(
        slug="stream",
        title="Stream",
        contestants=versions,
        characters=[CharacterFactory(greeting="Hello.")],
        created_by=researcher,
        min_turns=3,
        min_seconds_per_turn=0.0,
    )
    return services.campaign_open(campaign=campaign, actor=researcher)


async def _collect(chunks) -> bytes:
    return b"".join([chunk async for chunk in chunks])


def _frames(response) -> list[dict]:
    """The NDJSON frames of a streamed response (an async iterator, as the ASGI server reads it)."""
    body = async_to_sync(_collect)(response.streaming_content)
    return [json.loads(line) for line in body.decode().splitlines()]


def test_pointwise_reply_streams_then_is_stored(client, evaluator, campaign):
    assignment = services.assignment_next(campaign=campaign, evaluator=evaluator, mode=Mode.POINTWISE)
    client.login(username=evaluator.username, password=TEST_PASSWORD)
    response = client.post(
        f"/evaluation/sessions/{assignment.pk}/reply/", {"text": "Hi!"}, content_type="application/json"
    )
    assert response["Content-Type"] == "application/x-ndjson"
    frames = _frames(response)
    assert frames[0] == {"type": "turn", "turn": {"seq": 2, "speaker": "player", "text": "Hi!", "by_model": False}}
    streamed = [f["text"] for f in frames if f["type"] == "stream"]
    assert streamed and all(f["side"] == "reply" for f in frames if f["type"] == "stream")
    assert all(later.startswith(earlier) for earlier, later in itertools.pairwise(streamed))  # text grows
    state = frames[-1]["state"]
    assert frames[-1]["type"] == "state" and state["turns"][-1]["text"] == streamed[-1].strip()
    assert state["turns"][-1]["by_model"]


def test_pairwise_replies_stream_on_their_sides(client, evaluator, campaign):
    assignment = services.assignment_next(campaign=campaign, evaluator=evaluator, mode=Mode.PAIRWISE)
    client.login(username=evaluator.username, password=TEST_PASSWORD)
    frames = _frames(
        client.post(f"/evaluation/sessions/{assignment.pk}/reply/", {"text": "Go"}, content_type="application/json")
    )
    last_by_side = {f["side"]: f["text"] for f in frames if f["type"] == "stream"}
    assert set(last_by_side) == {"left", "right"}
    pair = PairwiseJudgment.objects.get()
    assert pair.left_text == last_by_side["left"].strip() and pair.right_text == last_by_side["right"].strip()
    assert frames[-1]["state"]["pending_pair"]["turn_seq"] == pair.turn_seq
    again = client.post(
        f"/evaluation/sessions/{assignment.pk}/reply/", {"text": "More"}, content_type="application/json"
    )
    assert again.status_code == 409 and again.json()["code"] == "pair_pending"


def test_reply_refused_for_someone_elses_session(client, evaluator, second_evaluator, campaign):
    assignment = services.assignment_next(campaign=campaign, evaluator=evaluator, mode=Mode.POINTWISE)
    client.login(username=second_evaluator.username, password=TEST_PASSWORD)
    response = client.post(
        f"/evaluation/sessions/{assignment.pk}/reply/", {"text": "Hi"}, content_type="application/json"
    )
    assert response.status_code == 403 and response.json()["code"] == "not_assigned"
    assert assignment.dialogue.turns.count() == 1
