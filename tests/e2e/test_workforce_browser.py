"""The paid round end to end in real browsers: a study link, onboarding, a live session with a
second worker, an admin's review (approve one side with a bonus, reject the other), a payout batch
exported as Prolific CSV twice (byte-identical), and the worker's earnings page."""

import re
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from platform_core.roles import Role
from tests.factories import CharacterFactory, PlayerPersonaFactory, UserFactory
from tests.roleplay.live_helpers import make_worker
from workforce.models import LedgerEntry, Onboarding, QuizQuestion, Study, UnitKind, UnitState, WorkUnit
from workforce.services.ledger import piece_rate_set

pytestmark = [pytest.mark.browser, pytest.mark.slow]
TURNS = 4


def _page(chromium, server, cookie: str | None = None):
    context = chromium.new_context()
    if cookie:
        context.add_cookies([{"name": "sessionid", "value": cookie, "url": server.url}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def _round_setup():
    CharacterFactory(name="Keeper Lin", greeting="Ahoy! Mind the fog.")
    PlayerPersonaFactory(name="Visitor")
    piece_rate_set(kind=UnitKind.LIVE_PLAYER, amount="1.50", effective_from=date(2020, 1, 1), currency="GBP")
    piece_rate_set(kind=UnitKind.LIVE_CHARACTER, amount="1.80", effective_from=date(2020, 1, 1), currency="GBP")
    quiz = Onboarding.objects.create(qualification="play_player", title_en="Playing the player",
                                     instructions_en="Chat freely with the character.", pass_threshold="1.00")
    QuizQuestion.objects.create(onboarding=quiz, text_en="Who chooses the topic?", choices_en=["Nobody", "Both"],
                                correct_index=1, explanation_en="You agree on it together.")
    Study.objects.create(slug="e2e", name="E2E round", qualifications=["play_player"], required_units=1,
                         completion_code="E2E-DONE", failed_attention_code="E2E-FAIL")


def _chat(char_page, player_page):
    player_page.get_by_test_id("topic-input").fill("Fog and tea")
    player_page.get_by_test_id("topic-propose").click()
    char_page.get_by_test_id("topic-accept").click()
    for seq in range(2, TURNS + 1):
        sender, receiver = (player_page, char_page) if seq % 2 == 0 else (char_page, player_page)
        expect(sender.get_by_test_id("send")).to_be_enabled()
        sender.get_by_test_id("message-input").fill(f"line {seq}")
        sender.get_by_test_id("message-input").press("Enter")
        expect(receiver.get_by_test_id("turn")).to_have_count(seq)
    char_page.get_by_test_id("rating-5").check()
    char_page.get_by_test_id("finish").click()
    player_page.get_by_test_id("rating-4").check()
    player_page.get_by_test_id("finish").click()
    for page in (char_page, player_page):
        expect(page.get_by_test_id("ended-panel")).to_be_visible()


def test_study_link_to_payout_and_earnings(chromium, uvicorn_server_factory, session_cookie, tmp_path):
    _round_setup()
    char_worker = make_worker(character=True)
    admin = UserFactory(roles=[Role.ADMIN])
    server = uvicorn_server_factory(env={"LIVE_QUEUE_TICK_S": "0.5", "LIVE_MIN_TURNS": str(TURNS)})
    player_ctx, player = _page(chromium, server)
    char_ctx, char_page = _page(chromium, server, session_cookie(char_worker))
    admin_ctx, admin_page = _page(chromium, server, session_cookie(admin))
    try:
        # Arrival through the study link, onboarding, then the work.
        player.goto(server.url + "/workforce/study/e2e/?PROLIFIC_PID=PIDE2E01&STUDY_ID=ST1&SESSION_ID=SE1")
        player.get_by_test_id("onboarding-link").click()
        player.get_by_test_id("start-quiz").click()
        player.locator("input[type=radio][value='1']").check()
        player.get_by_test_id("submit-quiz").click()
        expect(player.get_by_test_id("onboarding-done")).to_be_visible()
        player.get_by_test_id("work-link").click()
        char_page.goto(server.url + "/roleplay/live/")
        char_page.get_by_test_id("join-character").click()
        player.get_by_test_id("join-player").click()
        chat_url = re.compile(r"/roleplay/live/\d+/$")
        char_page.wait_for_url(chat_url)
        player.wait_for_url(chat_url)
        _chat(char_page, player)
        player.goto(server.url + "/workforce/study/e2e/home/")
        player.get_by_test_id("finish-study").click()
        expect(player.get_by_test_id("completion-code")).to_have_text("E2E-DONE")

        # The admin approves the player's side with a bonus (keyboard) and rejects the character's.
        admin_page.goto(server.url + "/workforce/review/?kind=live_player")
        admin_page.get_by_test_id("review-link").click()
        expect(admin_page.get_by_test_id("the-work")).to_contain_text("line 2")
        admin_page.locator("[data-bonus]").fill("0.25")
        admin_page.locator("[data-message]").fill("Thanks, lively chat.")
        admin_page.locator("h1").click()
        with admin_page.expect_navigation():
            admin_page.keyboard.press("a")  # keyboard-driven: "a" approves
        expect(admin_page.locator(".messages")).to_contain_text("Saved")
        admin_page.goto(server.url + "/workforce/review/?kind=live_character")
        admin_page.get_by_test_id("review-link").click()
        admin_page.locator("[data-reason]").select_option("out_of_character")
        admin_page.locator("[data-message]").fill("Broke character twice.")
        admin_page.get_by_test_id("reject").click()
        expect(admin_page.locator(".messages")).to_contain_text("Saved")

        # A payout batch, exported twice.
        admin_page.goto(server.url + "/workforce/payouts/")
        admin_page.get_by_test_id("cutoff").fill((timezone.localdate() + timedelta(days=1)).isoformat())
        admin_page.locator("select[name=platform]").select_option("prolific")
        admin_page.get_by_test_id("build-batch").click()
        files = []
        for name in ("first.csv", "second.csv"):
            with admin_page.expect_download() as download:
                admin_page.get_by_test_id("download-prolific").click()
            download.value.save_as(tmp_path / name)
            files.append((tmp_path / name).read_bytes())
        admin_page.reload()  # the batch is exported now
        admin_page.get_by_test_id("mark-paid").click()
        expect(admin_page.get_by_test_id("batches")).to_contain_text("Paid")

        player.goto(server.url + "/workforce/me/earnings/")
        paid_text = player.get_by_test_id("paid").inner_text()
        player.goto(server.url + "/workforce/me/work/")
        expect(player.get_by_test_id("units")).to_contain_text("Thanks, lively chat.")
    finally:
        for context in (player_ctx, char_ctx, admin_ctx):
            context.close()

    states = dict(WorkUnit.objects.values_list("kind", "state"))
    assert states == {UnitKind.LIVE_PLAYER: UnitState.APPROVED, UnitKind.LIVE_CHARACTER: UnitState.REJECTED}
    player_rows = LedgerEntry.objects.filter(worker__external_ids__external_id="PIDE2E01")
    assert sorted(player_rows.values_list("kind", flat=True)) in (["bonus", "piece_rate"],
                                                                  ["bonus", "piece_rate", "waiting"])
    owed = sum(player_rows.values_list("amount", flat=True)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    assert files[0] == files[1] == f"PIDE2E01,{owed:.2f}\n".encode()
    assert paid_text.startswith(f"{owed:.2f}")
    assert not LedgerEntry.objects.filter(worker=char_worker, kind="piece_rate").exists()
