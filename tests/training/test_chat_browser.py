"""A crowdworker chats with the deployed (tiny) model on the live chat page in a real browser:
topic, streamed reply, regenerate, edit, rate and finish."""

import time

import pytest
from playwright.sync_api import expect

from roleplay.live.human_machine import hm_session_start
from roleplay.models import DialogueStatus, LiveSessionStatus, Turn
from tests.factories import CharacterFactory, ModelVersionFactory
from training.models import DiscardedReply
from training.services import model_version_deploy

pytestmark = [pytest.mark.browser, pytest.mark.slow]

MARKUP = "<b>bold?</b><script>window.__pwned = 1</script>"


def test_worker_chats_with_the_model_on_the_live_chat_page_and_corrects_it(
    chromium, uvicorn_server_factory, session_cookie, crowdworker, researcher, tiny_model_dir
):
    version = ModelVersionFactory(
        base_model=str(tiny_model_dir),
        weights_path="",
        generation_settings={"temperature": 1.0, "max_new_tokens": 6, "min_new_tokens": 6},
    )
    model_version_deploy(version=version, actor=researcher)
    session = hm_session_start(worker=crowdworker, character=CharacterFactory(greeting="Ahoy! Mind the fog."))
    server = uvicorn_server_factory(env={"LIVE_MIN_TURNS": "3", "LIVE_JOIN_WINDOW_S": "120"})
    context = chromium.new_context(viewport={"width": 390, "height": 844})  # phone width
    context.add_cookies([{"name": "sessionid", "value": session_cookie(crowdworker), "url": server.url}])
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto(f"{server.url}/roleplay/live/{session.pk}/")
        expect(page.get_by_test_id("model-version")).to_contain_text(version.name)
        page.get_by_test_id("topic-input").fill("Fog at sea")
        page.get_by_test_id("topic-propose").click()  # the model accepts at once
        turns = page.get_by_test_id("turn")
        expect(turns).to_have_count(1)
        expect(turns.first).to_contain_text("Ahoy! Mind the fog.")
        expect(page.get_by_test_id("topic-line")).to_contain_text("Fog at sea")
        expect(turns.first.get_by_test_id("regenerate")).to_have_count(0)  # the greeting is no reply

        page.get_by_test_id("message-input").fill(MARKUP)
        page.get_by_test_id("message-input").press("Enter")
        # The server loads the model on the first reply: allow for it.
        expect(turns).to_have_count(3, timeout=90_000)  # greeting, the worker's message, the model's reply
        expect(turns.nth(1)).to_contain_text(MARKUP)  # shown as text, never run
        assert turns.nth(1).locator("b").count() == 0 and page.evaluate("window.__pwned") is None
        expect(page.get_by_test_id("streaming-turn")).to_have_count(0, timeout=30_000)
        expect(page.get_by_test_id("chat-error")).to_have_text("")
        first_reply = Turn.objects.get(dialogue__live_session=session, seq=3).text

        turns.nth(2).get_by_test_id("regenerate").click()
        deadline = time.monotonic() + 60
        while not DiscardedReply.objects.filter(dialogue__live_session=session, seq=3).exists():
            assert time.monotonic() < deadline, "the regenerated reply never arrived"
            time.sleep(0.2)
        expect(turns).to_have_count(3)
        expect(page.get_by_test_id("send")).to_be_enabled(timeout=30_000)  # the reply is in: the worker's turn
        expect(turns.nth(2).get_by_test_id("edit")).to_be_visible(timeout=30_000)
        assert DiscardedReply.objects.get(dialogue__live_session=session, seq=3).text == first_reply

        turns.nth(2).get_by_test_id("edit").click()
        page.get_by_test_id("edit-input").fill("The fog lifts at dawn.")
        page.get_by_test_id("edit-save").click()
        expect(turns.nth(2)).to_contain_text("The fog lifts at dawn.")

        page.get_by_test_id("rating-4").check()
        page.get_by_test_id("finish").click()
        expect(page.get_by_test_id("ended-panel")).to_be_visible()
        expect(page.get_by_test_id("back-to-queue")).to_have_attribute("href", "/training/chat/")
    finally:
        context.close()
    turn = Turn.objects.get(dialogue__live_session=session, seq=3)
    assert turn.text == "The fog lifts at dawn." and turn.original_text and turn.author_model == version
    session.refresh_from_db()
    assert session.status == LiveSessionStatus.FINISHED
    assert session.dialogue.status == DialogueStatus.SUBMITTED and session.dialogue.character_side_rating == 4
