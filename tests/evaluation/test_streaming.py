"""A pairwise turn: the evaluator's message and both replies streamed as NDJSON, with two tiny
local models. (Pointwise replies stream over the live chat: test_live_session.py.)"""

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
    assignment = services.assignment_next(campaign=campaign, evaluator=evaluator, mode=Mode.PAIRWISE)
    client.login(username=second_evaluator.username, password=TEST_PASSWORD)
    response = client.post(
        f"/evaluation/sessions/{assignment.pk}/reply/", {"text": "Hi"}, content_type="application/json"
    )
    assert response.status_code == 403 and response.json()["code"] == "not_assigned"
    assert assignment.dialogue.turns.count() == 1
