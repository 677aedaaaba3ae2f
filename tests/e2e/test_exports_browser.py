"""A researcher on a phone-width screen defines an export, watches it publish, and downloads a file."""

import json

import pytest
from playwright.sync_api import expect

from exports.models import BuildStatus, ExportBuild
from platform_core.roles import Role
from tests.exports.conftest import make_corpus
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_researcher_builds_and_downloads_an_export_at_phone_width(chromium, uvicorn_server, session_cookie):
    make_corpus(characters=10, per_character=2)
    researcher = UserFactory(roles=[Role.RESEARCHER])
    context = chromium.new_context(viewport={"width": 390, "height": 844}, accept_downloads=True)
    context.add_cookies([{"name": "sessionid", "value": session_cookie(researcher), "url": uvicorn_server.url}])
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        page.goto(uvicorn_server.url + "/")
        page.get_by_role("link", name="New export").click()
        page.locator("#id_name").fill("phone export <b>v1</b>")
        page.locator("#id_seed").fill("3")
        page.get_by_role("button", name="Build").click()
        # Celery runs eagerly in the test server: the build is published when the page loads.
        expect(page.get_by_test_id("status")).to_have_text("Published")
        expect(page.locator("h1")).to_contain_text("phone export <b>v1</b>")  # shown as text
        assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling

        with page.expect_download() as download_info:
            page.get_by_role("link", name="train/messages.jsonl").click()
        lines = open(download_info.value.path(), encoding="utf-8").read().splitlines()
        assert lines and json.loads(lines[0])["messages"][0]["role"] == "system"

        page.goto(uvicorn_server.url + "/exports/?status=published")
        expect(page.get_by_test_id("builds")).to_contain_text("phone export <b>v1</b>")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        context.close()
    build = ExportBuild.objects.get()
    assert build.status == BuildStatus.PUBLISHED and build.creator == researcher
