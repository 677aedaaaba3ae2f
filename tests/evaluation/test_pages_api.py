"""Researcher pages and API, the results page with its plots, raw data downloads, and the evaluator
flow through the sessions API with two tiny local models generating the replies."""

import io
import json

import pandas as pd
import pytest
from rest_framework.test import APIClient

from evaluation import services
from evaluation.models import Assignment, Campaign, CampaignStatus, Mode, PairwiseJudgment, PointwiseRating
from evaluation.table import COLUMNS
from platform_core.roles import Role
from tests.evaluation.conftest import chat_pointwise, pairwise_turn
from tests.factories import TEST_PASSWORD, CharacterFactory, ModelVersionFactory

pytestmark = pytest.mark.django_db


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_researcher_creates_and_opens_a_campaign_from_the_page(client, researcher):
    versions = [ModelVersionFactory(), ModelVersionFactory()]
    character = CharacterFactory()
    client.login(username=researcher.username, password=TEST_PASSWORD)
    page = client.get("/evaluation/campaigns/new/")
    assert page.status_code == 200
    form = {
        "slug": "round-2",
        "title": "Round 2",
        "contestants": [v.pk for v in versions],
        "characters": [character.pk],
        "draw_per_category": 0,
        "modes": ["pointwise", "pairwise"],
        "topics": ["chit_chat", "love"],
        "min_turns": 20,
        "characters_per_evaluator": 2,
        "overlap": 0.2,
        "daily_cap": 20,
        "target_sessions": 10,
        "target_pairwise": 50,
        "attention_every": 10,
        "dimensions": page.context["form"].fields["dimensions"].initial,
        "seed": 3,
    }
    response = client.post("/evaluation/campaigns/new/", form)
    campaign = Campaign.objects.get(slug="round-2")
    assert response.status_code == 302 and response["Location"] == f"/evaluation/campaigns/{campaign.pk}/"
    assert campaign.topics == ["chit_chat", "love"] and campaign.contestants.count() == 2
    client.post(f"/evaluation/campaigns/{campaign.pk}/open/")
    assert Campaign.objects.get(pk=campaign.pk).status == CampaignStatus.OPEN


def test_campaign_form_rejects_bad_dimensions_with_a_field_error(client, researcher):
    client.login(username=researcher.username, password=TEST_PASSWORD)
    response = client.post(
        "/evaluation/campaigns/new/",
        {"slug": "x", "title": "X", "contestants": [ModelVersionFactory().pk], "dimensions": '[{"key": 1}]'},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["dimensions"]
    assert not Campaign.objects.exists()


def test_api_creates_a_campaign_and_refuses_bad_input(researcher):
    api = _api(researcher)
    versions = [ModelVersionFactory().pk, ModelVersionFactory().pk]
    bad = api.post(
        "/api/evaluation/campaigns/", {"slug": "a", "title": "A", "contestants": versions, "overlap": 2}, format="json"
    )
    assert bad.status_code == 400 and "overlap" in bad.json()
    good = api.post(
        "/api/evaluation/campaigns/",
        {"slug": "a", "title": "A", "contestants": versions, "characters": [CharacterFactory().pk], "min_turns": 4},
        format="json",
    )
    assert good.status_code == 201, good.json()
    assert [c["alias"] for c in good.json()["contestants"]] == ["Model A", "Model B"]
    opened = api.post(f"/api/evaluation/campaigns/{good.json()['id']}/open/")
    assert opened.json()["status"] == "open"
    again = api.post(f"/api/evaluation/campaigns/{good.json()['id']}/open/")
    assert again.status_code == 409 and again.json()["code"] == "not_draft"


@pytest.fixture
def results_campaign(make_campaign, evaluator, second_evaluator):
    campaign = make_campaign(contestants=3)
    for judge in (evaluator, second_evaluator):
        assignment = services.assignment_next(campaign=campaign, evaluator=judge, mode=Mode.POINTWISE)
        chat_pointwise(assignment, judge, 3)
        services.rating_submit(
            assignment_id=assignment.pk, evaluator=judge, ratings={k: 4 for k in campaign.dimension_keys()}
        )
        pairing = services.assignment_next(campaign=campaign, evaluator=judge, mode=Mode.PAIRWISE)
        pairwise_turn(pairing, judge, "left")
        pairwise_turn(pairing, judge, "tie")
    return campaign


def test_results_page_shows_tables_and_plots(client, researcher, results_campaign):
    client.login(username=researcher.username, password=TEST_PASSWORD)
    response = client.get(f"/evaluation/campaigns/{results_campaign.pk}/results/")
    assert response.status_code == 200
    html = response.content.decode()
    for marker in (
        "pointwise-table",
        "errors-table",
        "pairwise-table",
        "bt-table",
        "agreement-table",
        "plot-pointwise",
        "plot-pairwise",
        "plot-bt",
    ):
        assert f'data-testid="{marker}"' in html
    assert html.count("data:image/png;base64,") == 5


def test_results_api_has_the_report_keys(researcher, results_campaign):
    response = _api(researcher).get(f"/api/evaluation/campaigns/{results_campaign.pk}/results/")
    assert response.status_code == 200
    assert set(response.json()) >= {"pointwise", "errors", "pairwise", "bradley_terry", "agreement"}


@pytest.mark.parametrize(
    "role, allowed", [(Role.RESEARCHER, True), (Role.ADMIN, True), (Role.CROWDWORKER, False), (Role.ANNOTATOR, False)]
)
def test_results_are_for_researchers_and_admins(make_user, results_campaign, role, allowed):
    response = _api(make_user(role)).get(f"/api/evaluation/campaigns/{results_campaign.pk}/results/")
    assert response.status_code == (200 if allowed else 403)


def test_raw_data_downloads_in_three_formats(client, researcher, results_campaign):
    client.login(username=researcher.username, password=TEST_PASSWORD)
    base = f"/evaluation/campaigns/{results_campaign.pk}/download"
    csv = client.get(f"{base}/csv/")
    assert list(pd.read_csv(io.BytesIO(csv.content)).columns) == COLUMNS
    lines = client.get(f"{base}/jsonl/").content.decode().splitlines()
    records = [json.loads(line) for line in lines]
    pairwise = [r for r in records if r["mode"] == "pairwise"]
    assert pairwise and all(len(r["pairs"]) == 2 and r["pairs"][0]["left_text"] for r in pairwise)
    assert all(r["transcript"] for r in records)
    parquet = pd.read_parquet(io.BytesIO(client.get(f"{base}/parquet/").content))
    assert len(parquet) == len(records)
    assert client.get(f"{base}/xlsx/").status_code == 404


@pytest.fixture
def tiny_campaign(make_campaign, tiny_model_dir, researcher):
    settings = {"temperature": 1.0, "max_new_tokens": 4, "min_new_tokens": 4}
    versions = [
        ModelVersionFactory(base_model=str(tiny_model_dir), generation_settings=settings),
        ModelVersionFactory(base_model=str(tiny_model_dir), generation_settings={**settings, "temperature": 0.7}),
    ]
    campaign = services.campaign_create(
        slug="tiny",
        title="Tiny",
        contestants=versions,
        characters=[CharacterFactory(greeting="Hello.")],
        created_by=researcher,
        min_turns=3,
        min_seconds_per_turn=0.0,
    )
    return services.campaign_open(campaign=campaign, actor=researcher)


def test_evaluator_does_pointwise_and_pairwise_through_the_api(evaluator, tiny_campaign):
    api = _api(evaluator)
    session = api.post(
        "/api/evaluation/sessions/next/", {"campaign": tiny_campaign.pk, "mode": "pointwise"}, format="json"
    )
    assert session.status_code == 200
    body = session.json()
    assert "contestant" not in json.dumps(body) and body["character"]["name"]
    assert body["live_chat"]["ws_path"].startswith("/ws/roleplay/live/")
    sid = body["id"]
    # The chat itself runs over the live chat's WebSocket (test_live_session.py); its services here.
    chat_pointwise(Assignment.objects.get(pk=sid), evaluator, 3)
    after = api.get(f"/api/evaluation/sessions/{sid}/").json()
    assert [t["speaker"] for t in after["turns"]] == ["character", "player", "character"]
    assert after["turns"][-1]["by_model"]
    labelled = api.post(
        f"/api/evaluation/sessions/{sid}/labels/", {"turn_seq": 3, "labels": ["repetition"]}, format="json"
    )
    assert labelled.json()["error_labels"] == {"3": ["repetition"]}
    bad = api.post(
        f"/api/evaluation/sessions/{sid}/rate/",
        {"ratings": {k: 9 for k in tiny_campaign.dimension_keys()}},
        format="json",
    )
    assert bad.status_code == 400 and bad.json()["code"] == "out_of_range"
    rated = api.post(
        f"/api/evaluation/sessions/{sid}/rate/",
        {"ratings": {k: 3 for k in tiny_campaign.dimension_keys()}},
        format="json",
    )
    assert rated.json()["status"] == "submitted"
    assert PointwiseRating.objects.count() == 7

    pair_session = api.post(
        "/api/evaluation/sessions/next/", {"campaign": tiny_campaign.pk, "mode": "pairwise"}, format="json"
    ).json()
    pid = pair_session["id"]
    shown = api.post(f"/api/evaluation/sessions/{pid}/message/", {"text": "Tell me a story"}, format="json").json()
    pair = shown["pending_pair"]
    assert pair["left_text"] and pair["right_text"]
    judged = api.post(
        f"/api/evaluation/sessions/{pid}/judge/", {"turn_seq": pair["turn_seq"], "choice": "right"}, format="json"
    ).json()
    assert judged["pending_pair"] is None and judged["turns"][-1]["text"] == pair["right_text"]
    twice = api.post(
        f"/api/evaluation/sessions/{pid}/judge/", {"turn_seq": pair["turn_seq"], "choice": "left"}, format="json"
    )
    assert twice.status_code == 400 and twice.json()["code"] == "already_judged"
    assert PairwiseJudgment.objects.get().choice == "right"


def test_someone_elses_session_is_not_found(evaluator, second_evaluator, tiny_campaign):
    sid = (
        _api(evaluator)
        .post("/api/evaluation/sessions/next/", {"campaign": tiny_campaign.pk, "mode": "pairwise"}, format="json")
        .json()["id"]
    )
    response = _api(second_evaluator).post(f"/api/evaluation/sessions/{sid}/message/", {"text": "hi"}, format="json")
    assert response.status_code == 403 and response.json()["code"] == "not_assigned"


def test_api_edits_a_campaign_until_judgments_freeze_its_dimensions(researcher, results_campaign):
    api = _api(researcher)
    url = f"/api/evaluation/campaigns/{results_campaign.pk}/"
    renamed = api.patch(url, {"title": "Renamed", "daily_cap": 5}, format="json")
    assert renamed.status_code == 200 and renamed.json()["title"] == "Renamed"
    frozen = api.patch(url, {"dimensions": results_campaign.dimensions[:2]}, format="json")
    assert frozen.status_code == 400 and frozen.json() == {
        "code": "frozen",
        "detail": "dimensions cannot change once judgments exist.",
        "field": "dimensions",
    }
    results_campaign.refresh_from_db()
    assert len(results_campaign.dimensions) == 7


def test_admin_freezes_contestants_and_dimensions_once_judged(client, make_user, results_campaign):
    admin = make_user(Role.ADMIN)
    client.login(username=admin.username, password=TEST_PASSWORD)
    page = client.get(f"/admin/evaluation/campaign/{results_campaign.pk}/change/")
    assert page.status_code == 200
    form = page.context["adminform"].form
    assert "dimensions" not in form.fields and "modes" not in form.fields
    assert "title" in form.fields
    inline = page.context["inline_admin_formsets"][0]
    assert not inline.has_add_permission and not inline.has_change_permission
