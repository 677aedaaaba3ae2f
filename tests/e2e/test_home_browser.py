"""A person logs in through a real browser, sees their role's home page, and switches language."""

import pytest

from platform_core.roles import Role
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    "role, expected_link",
    [
        (Role.CROWDWORKER, "Characters"),
        (Role.ANNOTATOR, "New character"),
        (Role.ADMIN, "Administration"),
        (Role.RESEARCHER, "Dialogues"),
    ],
)
def test_each_role_logs_in_and_sees_its_home(uvicorn_server, chromium, role, expected_link):
    user = UserFactory(roles=[role], username=f"browser-{role}")
    page = chromium.new_page(viewport={"width": 390, "height": 844})  # phone width
    try:
        page.goto(uvicorn_server.url + "/")
        assert "/accounts/login/" in page.url
        page.fill("#id_username", user.username)
        page.fill("#id_password", TEST_PASSWORD)
        page.click("button[type=submit].primary")
        page.wait_for_url(uvicorn_server.url + "/")
        section = page.locator(f"section[data-role='{role}']")
        assert section.count() == 1
        assert page.locator("section.role-section").count() == 1
        assert section.get_by_role("link", name=expected_link, exact=True).count() == 1
    finally:
        page.close()


def test_language_switcher_shows_the_page_in_chinese(uvicorn_server, chromium):
    user = UserFactory(roles=[Role.ANNOTATOR], username="browser-zh")
    page = chromium.new_page()
    try:
        page.goto(uvicorn_server.url + "/accounts/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", TEST_PASSWORD)
        page.click("button[type=submit].primary")
        page.wait_for_url(uvicorn_server.url + "/")
        page.select_option("select[name=language]", "zh-hans")
        page.wait_for_load_state("load")
        page.wait_for_selector("html[lang='zh-hans']")
        assert page.get_by_role("heading", name="标注员").count() == 1
        assert page.get_by_role("button", name="退出登录").count() == 1
    finally:
        page.close()
