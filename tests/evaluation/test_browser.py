"""The whole evaluation flow in real browsers: a researcher creates and opens a campaign over two tiny
local models and one loopback "reference" model; two evaluators, each in their own browser, do a
pointwise session on the live chat page (the WebSocket chat with the blind contestant, its reply
streamed, error labels, the rating form) and a pairwise session on its page (two streamed replies,
pick a side); the results page shows the tables and plots, and ``eval_report`` writes the report."""

import json
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from evaluation.models import Assignment, Campaign, ErrorLabel, PairwiseJudgment, PointwiseRating
from platform_core.roles import Role
from tests.annotation.openai_loopback import LoopbackOpenAI
from tests.factories import CharacterFactory, ModelVersionFactory
from training.models import ServingBackend

pytestmark = [pytest.mark.browser, pytest.mark.slow]
GENERATION = {"temperature": 1.0, "max_new_tokens": 4, "min_new_tokens": 4}


@pytest.fixture(autouse=True)
def patient_expect():
    expect.set_options(timeout=120_000)  # the first replies load the tiny models on a shared CPU
    yield
    expect.set_options(timeout=5_000)


@pytest.fixture
def loopback():
    server = LoopbackOpenAI()
    server.responder = lambda body: "Well met, traveller, the tide is turning."
    yield server
    server.close()


def _page(chromium, server, cookie):
    context = chromium.new_context()
    context.add_cookies([{"name": "sessionid", "value": cookie, "url": server.url}])
    page = context.new_page()
    page.set_default_timeout(120_000)
    return context, page


def _researcher_creates_campaign(chromium, server, cookie, versions, character) -> Campaign:
    context, page = _page(chromium, server, cookie)
    try:
        page.goto(f"{server.url}/evaluation/campaigns/new/")
        page.fill("#id_slug", "browser")
        page.fill("#id_title", "Browser campaign")
        page.select_option("#id_contestants", [str(v.pk) for v in versions])
        page.select_option("#id_characters", [str(character.pk)])
        page.fill("#id_min_turns", "3")
        page.fill("#id_attention_every", "0")
        page.get_by_test_id("create-campaign").click()
        expect(page.get_by_test_id("campaign-status")).to_contain_text("Draft")
        page.get_by_test_id("open-campaign").click()
        expect(page.get_by_test_id("campaign-status")).to_contain_text("Open")
    finally:
        context.close()
    return Campaign.objects.get(slug="browser")


def _pointwise(page, server, versions) -> None:
    received: list[str] = []  # every frame the chat's WebSocket brings to this browser
    page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: received.append(str(payload))))
    page.goto(f"{server.url}/evaluation/work/")
    page.get_by_test_id("start-browser-pointwise").click()
    expect(page).to_have_url(re.compile(r"/evaluation/sessions/\d+/$"))
    turns = page.get_by_test_id("history").locator("li[data-seq]")
    expect(turns).to_have_count(1)  # the greeting
    expect(page.get_by_test_id("model-blind")).to_be_visible()
    expect(page.get_by_test_id("model-version")).to_have_count(0)
    expect(page.get_by_test_id("rating-locked")).not_to_be_empty()
    expect(page.get_by_test_id("rating-form")).to_be_hidden()
    expect(page.get_by_test_id("status")).to_contain_text("Your turn")
    page.get_by_test_id("message-input").fill("Hello! What do you do here?")
    page.get_by_test_id("send").click()
    expect(turns).to_have_count(3)
    reply = turns.nth(2)
    expect(reply.get_by_test_id("regenerate")).to_have_count(0)  # off by default in evaluations
    expect(reply.get_by_test_id("edit")).to_have_count(0)
    reply.get_by_test_id("label-repetition").check()
    expect(page.get_by_test_id("evaluation-status")).to_contain_text("Labels saved")
    reply.get_by_test_id("label-ooc").check()  # several labels on one turn
    expect(page.get_by_test_id("evaluation-status")).to_contain_text("Labels saved")
    reply.get_by_test_id("label-ooc").uncheck()  # editable until submitted
    expect(page.get_by_test_id("evaluation-status")).to_contain_text("Labels saved")
    expect(page.get_by_test_id("rating-form")).to_be_visible()
    expect(page.get_by_test_id("definition-consistency")).not_to_be_empty()
    for key in ("consistency", "human_likeness", "engagement", "quality", "safety", "correctness", "overall"):
        page.get_by_test_id(f"rate-{key}-4").check()
    page.get_by_test_id("submit-rating").click()
    expect(page.get_by_test_id("evaluation-status")).to_contain_text("finished")
    expect(page.get_by_test_id("ended-panel")).to_be_visible()  # the live session ended over the socket
    expect(reply.get_by_test_id("label-repetition")).to_be_disabled()
    frames = [json.loads(text) for text in received]
    assert any(frame["type"] == "stream" for frame in frames)  # the reply streamed over the WebSocket
    html = page.content()
    for version in versions:
        assert version.name not in html and all(version.name not in text for text in received)


def _pairwise(page, server, choice: str):
    page.goto(f"{server.url}/evaluation/work/")
    page.get_by_test_id("start-browser-pairwise").click()
    expect(page.get_by_test_id("turns").locator("li")).to_have_count(1)  # the greeting: the page has loaded
    page.get_by_test_id("message-input").fill("Tell me about the sea.")
    page.get_by_test_id("send").click()
    expect(page.get_by_test_id("pair")).to_be_visible()
    expect(page.get_by_test_id("pair")).not_to_have_class(re.compile("streaming"))  # both replies are in
    expect(page.get_by_test_id("left-reply")).not_to_be_empty()
    expect(page.get_by_test_id("right-reply")).not_to_be_empty()
    chosen = page.get_by_test_id(f"{choice}-reply").inner_text()
    page.get_by_test_id(f"choose-{choice}").click()
    expect(page.get_by_test_id("pair")).to_be_hidden()
    expect(page.get_by_test_id("turns").locator("li").last).to_contain_text(chosen.strip())
    page.get_by_test_id("finish").click()
    expect(page.get_by_test_id("status")).to_contain_text("finished")


def test_two_evaluators_judge_in_real_browsers_and_the_results_show(
    chromium, uvicorn_server_factory, session_cookie, make_user, tiny_model_dir, loopback, tmp_path
):
    researcher = make_user(Role.RESEARCHER)
    evaluators = [make_user(Role.CROWDWORKER, profile__can_evaluate=True) for _ in range(2)]
    versions = [
        ModelVersionFactory(name="tiny-alpha", base_model=str(tiny_model_dir), generation_settings=GENERATION),
        ModelVersionFactory(name="tiny-beta", base_model=str(tiny_model_dir), generation_settings=GENERATION),
        ModelVersionFactory(
            name="ref-omega",
            base_model="gpt-4",
            serving_backend=ServingBackend.OPENAI,
            endpoint_url=loopback.base_url,
            served_name="gpt-4",
            generation_settings=GENERATION,
        ),
    ]
    character = CharacterFactory(greeting="Ahoy! Mind the fog.")
    server = uvicorn_server_factory(env={"INFERENCE_API_KEY": loopback.api_key})
    campaign = _researcher_creates_campaign(chromium, server, session_cookie(researcher), versions, character)
    Campaign.objects.filter(pk=campaign.pk).update(min_seconds_per_turn=0.0)  # a test judges in milliseconds

    for evaluator, choice in zip(evaluators, ("left", "right"), strict=True):
        context, page = _page(chromium, server, session_cookie(evaluator))
        try:
            _pointwise(page, server, versions)
            _pairwise(page, server, choice)
        finally:
            context.close()

    assert PointwiseRating.objects.filter(assignment__campaign=campaign).count() == 14
    labels = ErrorLabel.objects.filter(assignment__campaign=campaign)
    assert sorted(labels.values_list("label", flat=True)) == ["repetition", "repetition"]
    for assignment in Assignment.objects.filter(campaign=campaign, mode="pointwise"):
        assert assignment.live_session.status == "finished"
        model_turns = assignment.dialogue.turns.filter(author_model=assignment.contestant.model_version)
        assert model_turns.count() == 1  # the contestant's streamed reply, stored in the assignment's dialogue
    assert PairwiseJudgment.objects.filter(assignment__campaign=campaign).exclude(choice="").count() == 2
    contestants_met = set(
        Assignment.objects.filter(campaign=campaign, mode="pointwise").values_list("contestant", flat=True)
    )
    assert len(contestants_met) == 2  # the Latin square starts the two evaluators on different models
    assert any(r.path == "/v1/chat/completions" for r in loopback.requests)

    context, page = _page(chromium, server, session_cookie(researcher))
    try:
        page.goto(f"{server.url}/evaluation/campaigns/{campaign.pk}/results/")
        for table in ("pointwise-table", "errors-table", "pairwise-table", "bt-table", "agreement-table"):
            expect(page.get_by_test_id(table)).to_be_visible()
        for plot in ("plot-pointwise", "plot-pairwise", "plot-bt"):
            expect(page.get_by_test_id(plot)).to_be_visible()
            assert page.get_by_test_id(plot).evaluate("img => img.naturalWidth") > 100
    finally:
        context.close()

    call_command("eval_report", "browser", "--json", str(tmp_path / "report.json"), "--csv", str(tmp_path))
    report = json.loads((tmp_path / "report.json").read_text())
    assert len(report["pointwise"]) == 2 and len(report["pairwise"]) == 2
    assert (tmp_path / "judgments.csv").read_text().splitlines()[0].startswith("campaign,mode,contestant")
