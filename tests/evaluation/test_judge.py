"""The LLM judge against the loopback OpenAI-compatible server: both orders, agreement with humans."""

import json
import re

import pytest
from rest_framework.test import APIClient

from evaluation import services
from evaluation.models import JudgeRun, JudgeScore, Mode
from evaluation.reports import campaign_report
from tests.annotation.conftest import llm_settings, openai_server  # noqa: F401  (fixtures)
from tests.evaluation.conftest import chat_pointwise, say_pointwise

pytestmark = pytest.mark.django_db


def _judge_answers(body: dict) -> str:
    """Rates 'overall' as the human did (read back from the transcript's marker), prefers the reply
    containing 'good' in pairs."""
    prompt = body["messages"][0]["content"]
    if "Reply A:" in prompt:
        a = prompt.split("Reply A:")[1].split("Reply B:")[0]
        return json.dumps({"choice": "A" if "good" in a else "B"})
    score = int(re.search(r"score-(\d)", prompt).group(1))
    return json.dumps({"consistency": score, "overall": score, "safety": 9})


@pytest.fixture
def judged(make_campaign, evaluator, openai_server, llm_settings, django_capture_on_commit_callbacks):  # noqa: F811
    openai_server.responder = _judge_answers
    campaign = make_campaign(contestants=2, characters=3)
    for overall in (2, 4, 5):
        assignment = services.assignment_next(campaign=campaign, evaluator=evaluator, mode=Mode.POINTWISE)
        say_pointwise(assignment, evaluator, f"score-{overall}")
        chat_pointwise(assignment, evaluator, 3)
        ratings = {k: 3 for k in campaign.dimension_keys()} | {"overall": overall, "consistency": overall}
        services.rating_submit(assignment_id=assignment.pk, evaluator=evaluator, ratings=ratings)
    pairing = services.assignment_next(campaign=campaign, evaluator=evaluator, mode=Mode.PAIRWISE)
    for _ in range(3):
        services.player_turn_append(assignment_id=pairing.pk, evaluator=evaluator, text="go on")
        pair = services.pairwise_pair_store(
            assignment_id=pairing.pk,
            evaluator=evaluator,
            replies={pairing.contestant_id: "a good reply", pairing.opponent_id: "a dull reply"},
        )
        good_side = "left" if "good" in pair.left_text else "right"
        services.pairwise_judge(assignment_id=pairing.pk, evaluator=evaluator, turn_seq=pair.turn_seq, choice=good_side)
    return campaign


def test_judge_scores_sessions_and_pairs_in_both_orders(judged, researcher, django_capture_on_commit_callbacks):
    client = APIClient()
    client.force_authenticate(researcher)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/evaluation/campaigns/{judged.pk}/judge/")
    assert response.status_code == 202
    run = JudgeRun.objects.get()
    assert run.status == "succeeded", run.error
    # out-of-range "safety": 9 is not stored; consistency and overall are, for each of 3 sessions
    assert JudgeScore.objects.filter(dimension="safety").count() == 0
    assert JudgeScore.objects.filter(dimension="overall").count() == 3
    assert (
        sorted(JudgeScore.objects.filter(judgment__isnull=False).values_list("swapped", flat=True))
        == [False] * 3 + [True] * 3
    )
    judge = campaign_report(judged, resamples=50)["agreement"]["judge"]
    assert judge["spearman"]["overall"] == pytest.approx(1.0)
    assert judge["pairwise_agreement"] == 1.0 and judge["pairwise_compared"] == 6
    assert judge["position_consistency"] == 1.0


def test_judge_run_fails_clearly_when_the_provider_refuses_the_key(
    judged, researcher, settings, django_capture_on_commit_callbacks
):
    settings.LLM_API_KEY = "wrong"
    with django_capture_on_commit_callbacks(execute=True):
        services.judge.judge_run_start(campaign=judged, actor=researcher)
    run = JudgeRun.objects.get()
    assert run.status == "failed" and "API key" in run.error
    assert not JudgeScore.objects.exists()
