"""A live page whose worker has been signed out stops reconnecting and says why, in a real browser.

The server refuses such a WebSocket at the handshake (HTTP 403), which a browser reports exactly as
a lost connection; the page must tell the two apart instead of retrying forever.
"""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import in_a_thread_on
from tests.factories import CharacterFactory, PlayerPersonaFactory
from tests.roleplay.live_helpers import make_worker, pair

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SIGNED_OUT = "You are signed out, or no longer allowed on this page."

# Keeps every WebSocket the page opens, so that the test can close one and count the attempts.
RECORD_SOCKETS = """
(() => {
  const Native = window.WebSocket;
  window.__sockets = [];
  window.WebSocket = function (url, protocols) {
    const socket = protocols === undefined ? new Native(url) : new Native(url, protocols);
    window.__sockets.push(socket);
    return socket;
  };
  window.WebSocket.prototype = Native.prototype;
  for (const name of ["CONNECTING", "OPEN", "CLOSING", "CLOSED"]) window.WebSocket[name] = Native[name];
})();
"""
SOCKET_OPEN = "() => window.__sockets.length > 0 && window.__sockets[window.__sockets.length - 1].readyState === 1"


def _page_for(chromium, server, cookie: str):
    context = chromium.new_context()
    context.add_cookies([{"name": "sessionid", "value": cookie, "url": server.url}])
    context.add_init_script(RECORD_SOCKETS)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def _sign_out_and_drop_the_socket(context, page) -> int:
    """Clear the browser's cookies, close the open socket; the number of sockets opened so far."""
    page.wait_for_function(SOCKET_OPEN)
    context.clear_cookies()
    page.evaluate("() => window.__sockets[window.__sockets.length - 1].close()")
    return page.evaluate("() => window.__sockets.length")


def _active_session():
    CharacterFactory(name="Keeper Lin", greeting="Ahoy! Mind the fog.")
    PlayerPersonaFactory(name="Visitor")
    return pair(make_worker(character=True), make_worker(player=True))


def test_a_chat_page_stops_reconnecting_once_its_worker_is_signed_out(
    chromium, live_db, uvicorn_server, session_cookie
):
    session = in_a_thread_on(live_db, _active_session)
    context, page = _page_for(chromium, uvicorn_server, session_cookie(session.player_worker))
    try:
        page.goto(f"{uvicorn_server.url}/roleplay/live/{session.pk}/")
        before = _sign_out_and_drop_the_socket(context, page)
        expect(page.get_by_test_id("status")).to_contain_text(SIGNED_OUT)
        expect(page.get_by_test_id("message-input")).to_be_disabled()
        page.wait_for_timeout(3_000)  # at the first retry's 0.5 s and doubling, several tries
        assert page.evaluate("() => window.__sockets.length") == before + 1  # the refused one only
    finally:
        context.close()


def test_a_chat_page_reconnects_after_a_drop_while_signed_in(chromium, live_db, uvicorn_server, session_cookie):
    session = in_a_thread_on(live_db, _active_session)
    context, page = _page_for(chromium, uvicorn_server, session_cookie(session.player_worker))
    try:
        page.goto(f"{uvicorn_server.url}/roleplay/live/{session.pk}/")
        page.wait_for_function(SOCKET_OPEN)
        page.evaluate("() => window.__sockets[window.__sockets.length - 1].close()")
        page.wait_for_function("() => window.__sockets.length === 2 && window.__sockets[1].readyState === 1")
        expect(page.get_by_test_id("status")).not_to_contain_text(SIGNED_OUT)
    finally:
        context.close()


def test_the_waiting_room_stops_reconnecting_once_its_worker_is_signed_out(
    chromium, live_db, uvicorn_server, session_cookie
):
    worker = make_worker(character=True)
    context, page = _page_for(chromium, uvicorn_server, session_cookie(worker))
    try:
        page.goto(f"{uvicorn_server.url}/roleplay/live/")
        before = _sign_out_and_drop_the_socket(context, page)
        expect(page.get_by_test_id("queue-status")).to_contain_text(SIGNED_OUT)
        expect(page.get_by_test_id("join-character")).to_be_disabled()
        page.wait_for_timeout(3_000)
        assert page.evaluate("() => window.__sockets.length") == before + 1
    finally:
        context.close()
