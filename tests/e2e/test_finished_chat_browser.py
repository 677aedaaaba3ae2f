"""A finished live chat, reopened in a real browser, shows its stored transcript."""

import uuid

import pytest
from playwright.sync_api import expect

from roleplay.live import messages, sessions
from roleplay.models import LiveSession, LiveSessionStatus
from tests.e2e.conftest import in_a_thread_on
from tests.factories import CharacterFactory, PlayerPersonaFactory
from tests.roleplay.live_helpers import make_worker, pair

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LINES = ("Is the lamp lit tonight?", "Always, since the storm of '82.", "Then I will sail by it.")


def _finished_session(settings) -> LiveSession:
    settings.LIVE_MIN_TURNS = 4
    CharacterFactory(name="Keeper Lin", greeting="Ahoy! Mind the fog.")
    PlayerPersonaFactory(name="Visitor")
    character, player = make_worker(character=True), make_worker(player=True)
    session = pair(character, player)
    for worker, channel in ((character, "c"), (player, "p")):
        sessions.live_session_connect(session_id=session.pk, worker=worker, channel_name=channel)
    sessions.live_topic_propose(session_id=session.pk, worker=player, topic="Fog")
    sessions.live_topic_accept(session_id=session.pk, worker=character)
    for index, text in enumerate(LINES):
        writer = player if index % 2 == 0 else character
        messages.live_message_send(session_id=session.pk, worker=writer, client_msg_id=str(uuid.uuid4()), text=text)
    for worker in (character, player):
        sessions.live_finish(session_id=session.pk, worker=worker, rating=5)
    session.refresh_from_db()
    assert session.status == LiveSessionStatus.FINISHED
    return session


def test_reopening_a_finished_chat_shows_every_stored_turn(chromium, live_db, uvicorn_server, session_cookie, settings):
    session = in_a_thread_on(live_db, lambda: _finished_session(settings))
    context = chromium.new_context()
    context.add_cookies([{"name": "sessionid", "value": session_cookie(session.player_worker), "url": uvicorn_server.url}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(f"{uvicorn_server.url}/roleplay/live/{session.pk}/")
        turns = page.get_by_test_id("turn")
        expect(turns).to_have_count(1 + len(LINES))  # the greeting, then the three messages
        expect(turns.first).to_contain_text("Ahoy! Mind the fog.")
        for index, text in enumerate(LINES):
            expect(turns.nth(index + 1)).to_contain_text(text)
        expect(page.get_by_test_id("ended-panel")).to_be_visible()
        expect(page.get_by_test_id("message-input")).to_be_disabled()
    finally:
        context.close()
