"""The ``demo`` campaign of ``seed_demo``: its pointwise sessions are chatted through the live chat's
services like real ones, and its report is filled for every contestant."""

import pytest

from evaluation.demo import DEMO_CONTESTANTS, demo_campaign_seed
from evaluation.models import Mode
from evaluation.reports import campaign_report
from platform_core.roles import Role
from roleplay.models import CharacterCategory, LiveSessionStatus, Speaker, Turn
from tests.factories import CharacterFactory

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_demo_campaign_fills_the_report_through_live_sessions(make_user, researcher):
    for category in CharacterCategory.values:
        CharacterFactory(category=category)
    evaluators = [make_user(Role.CROWDWORKER, profile__can_evaluate=True) for _ in range(3)]
    campaign = demo_campaign_seed(researcher=researcher, evaluators=evaluators)
    pointwise = campaign.assignments.filter(mode=Mode.POINTWISE)
    assert pointwise.count() == 3 * 2 * 3  # evaluators × characters each × contestants
    for assignment in pointwise.select_related("live_session", "dialogue"):
        assert assignment.live_session.status == LiveSessionStatus.FINISHED
        turns = Turn.objects.filter(dialogue=assignment.dialogue)
        assert turns.filter(speaker=Speaker.PLAYER, author_user=assignment.evaluator).exists()
        assert turns.filter(author_model=assignment.contestant.model_version).exists()
    report = campaign_report(campaign, resamples=20)
    assert set(report["pointwise"]) == {name for name, *_rest in DEMO_CONTESTANTS}
    assert report["pairwise"] and report["errors"]
    assert demo_campaign_seed(researcher=researcher, evaluators=evaluators) is None  # once
