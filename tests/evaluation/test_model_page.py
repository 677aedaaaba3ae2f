"""The loop: a model's page and card show its latest campaign results; deploying a version that
lost its last campaign to the deployed one asks for confirmation."""

import pytest

from evaluation import services
from evaluation.models import Mode
from tests.factories import TEST_PASSWORD
from training.models import Deployment
from training.services import model_version_deploy

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed_campaign(make_campaign, evaluator, researcher):
    """Two contestants; the second (challenger) loses three of four pairs to the first (deployed)."""
    campaign = make_campaign(contestants=2)
    deployed, challenger = [c.model_version for c in campaign.contestants.all()]
    assignment = services.assignment_next(campaign=campaign, evaluator=evaluator, mode=Mode.PAIRWISE)
    for outcome in ("deployed", "deployed", "deployed", "challenger"):
        services.player_turn_append(assignment_id=assignment.pk, evaluator=evaluator, text="Hi")
        pair = services.pairwise_pair_store(
            assignment_id=assignment.pk,
            evaluator=evaluator,
            replies={assignment.contestant_id: "x", assignment.opponent_id: "y"},
        )
        winner = deployed if outcome == "deployed" else challenger
        side = "left" if pair.left.model_version == winner else "right"
        services.pairwise_judge(assignment_id=assignment.pk, evaluator=evaluator, turn_seq=pair.turn_seq, choice=side)
    services.campaign_close(campaign=campaign, actor=researcher)
    model_version_deploy(version=deployed, actor=researcher)
    return campaign, deployed, challenger


def test_closing_a_campaign_writes_its_results_into_the_model_cards(closed_campaign):
    campaign, deployed, challenger = closed_campaign
    challenger.refresh_from_db()
    assert f"## Latest evaluation: {campaign.slug}" in challenger.model_card
    assert f"vs {deployed.name}: win 25% / tie 0% / lose 75%" in challenger.model_card
    assert "Bradley–Terry:" in challenger.model_card


def test_model_page_shows_the_latest_campaign(client, researcher, closed_campaign):
    campaign, _deployed, challenger = closed_campaign
    client.login(username=researcher.username, password=TEST_PASSWORD)
    html = client.get(f"/training/models/{challenger.pk}/").content.decode()
    assert 'data-testid="model-evaluation"' in html and campaign.slug in html


def test_deploying_a_version_that_lost_asks_for_confirmation(client, researcher, closed_campaign):
    _campaign, deployed, challenger = closed_campaign
    client.login(username=researcher.username, password=TEST_PASSWORD)
    response = client.post(f"/training/models/{challenger.pk}/deploy/")
    assert response.status_code == 200 and 'data-testid="deploy-warning"' in response.content.decode()
    assert Deployment.objects.get(active=True).model_version == deployed
    client.post(f"/training/models/{challenger.pk}/deploy/", {"confirm": "1"})
    assert Deployment.objects.get(active=True).model_version == challenger
    # the winner goes back without a question
    response = client.post(f"/training/models/{deployed.pk}/deploy/")
    assert response.status_code == 302
    assert Deployment.objects.get(active=True).model_version == deployed
