"""Two crowdworkers in two real browsers (Chromium) get paired, chat 20 turns, rate; the dialogue is stored."""

import re

import pytest
from playwright.sync_api import expect

from roleplay.models import Dialogue, DialogueStatus, Turn
from tests.factories import CharacterFactory, PlayerPersonaFactory
from tests.roleplay.live_helpers import make_worker

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SCRIPT_MESSAGE = "<script>window.__pwned = 1</script><b>bold?</b>"


def _signed_in_page(chromium, server, cookie: str, **context_options):
    context = chromium.new_context(**context_options)
    context.add_cookies([{"name": "sessionid", "value": cookie, "url": server.url}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def test_two_browsers_pair_chat_twenty_turns_rate_and_the_dialogue_is_stored(
    chromium, uvicorn_server_factory, session_cookie
):
    CharacterFactory(name="Keeper Lin", greeting="Ahoy! Mind the fog.", identity="Keeps the northern light.")
    PlayerPersonaFactory(name="Visitor")
    char_worker, player_worker = make_worker(character=True), make_worker(player=True)
    server = uvicorn_server_factory(env={"LIVE_QUEUE_TICK_S": "0.5"})
    char_ctx, char_page = _signed_in_page(chromium, server, session_cookie(char_worker))
    # The player uses a phone-width screen.
    player_ctx, player_page = _signed_in_page(
        chromium, server, session_cookie(player_worker), viewport={"width": 390, "height": 844}
    )
    try:
        char_page.goto(server.url + "/roleplay/live/")
        char_page.get_by_test_id("join-character").click()
        expect(char_page.get_by_test_id("queue-status")).to_contain_text("1")
        player_page.goto(server.url + "/roleplay/live/")
        player_page.get_by_test_id("join-player").click()
        chat_url = re.compile(r"/roleplay/live/\d+/$")
        char_page.wait_for_url(chat_url)
        player_page.wait_for_url(chat_url)
        assert char_page.url == player_page.url

        # The character side sees the whole profile; the player side the public card and its persona.
        expect(char_page.get_by_test_id("character-profile")).to_contain_text("Keeps the northern light.")
        expect(player_page.get_by_test_id("public-card")).to_contain_text("Keeper Lin")
        expect(player_page.get_by_test_id("persona-card")).to_contain_text("Visitor")
        assert player_page.get_by_test_id("character-profile").count() == 0

        player_page.get_by_test_id("topic-input").fill("Fog and tea")
        player_page.get_by_test_id("topic-propose").click()
        char_page.get_by_test_id("topic-accept").click()
        for page in (char_page, player_page):
            expect(page.get_by_test_id("turn")).to_have_count(1)  # the character's greeting
            expect(page.get_by_test_id("topic-line")).to_contain_text("Fog and tea")

        player_page.get_by_test_id("message-input").fill("typing…")
        expect(char_page.get_by_test_id("typing")).to_contain_text("Visitor")
        for seq in range(2, 21):
            sender, receiver = (player_page, char_page) if seq % 2 == 0 else (char_page, player_page)
            text = (
                SCRIPT_MESSAGE if seq == 4 else f"line number {seq} from the {'player' if seq % 2 == 0 else 'keeper'}"
            )
            expect(sender.get_by_test_id("send")).to_be_enabled()
            sender.get_by_test_id("message-input").fill(text)
            sender.get_by_test_id("message-input").press("Enter")
            expect(receiver.get_by_test_id("turn")).to_have_count(seq)
            expect(receiver.get_by_test_id("turn-counter")).to_have_text(str(seq))

        # Markup in a message is shown as text, never run.
        shown = char_page.get_by_test_id("turn").nth(3)
        expect(shown).to_contain_text(SCRIPT_MESSAGE)
        assert shown.locator("b").count() == 0
        assert char_page.evaluate("window.__pwned") is None

        char_page.get_by_test_id("rating-5").check()
        char_page.get_by_test_id("finish").click()
        player_page.get_by_test_id("rating-4").check()
        player_page.get_by_test_id("finish").click()
        for page in (char_page, player_page):
            expect(page.get_by_test_id("ended-panel")).to_be_visible()
    finally:
        char_ctx.close()
        player_ctx.close()

    dialogue = Dialogue.objects.get(character__name="Keeper Lin")
    assert dialogue.status == DialogueStatus.SUBMITTED
    assert (dialogue.player_side_rating, dialogue.character_side_rating) == (5, 4)
    assert list(Turn.objects.filter(dialogue=dialogue).values_list("seq", flat=True)) == list(range(1, 21))
    assert Turn.objects.get(dialogue=dialogue, seq=4).text == SCRIPT_MESSAGE
