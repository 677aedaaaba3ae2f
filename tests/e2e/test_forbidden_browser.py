"""A signed-in user who opens a page of another role sees a 403 page naming the role (no redirect loop)."""

import pytest

from platform_core.roles import Role
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.browser


def _log_in(page, server, user) -> None:
    page.goto(server.url + "/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url(server.url + "/")


def test_an_admin_following_new_training_job_gets_a_page_saying_researchers_launch_jobs(uvicorn_server, chromium):
    admin = UserFactory(roles=[Role.ADMIN], username="browser-admin-403")
    page = chromium.new_page()
    try:
        _log_in(page, uvicorn_server, admin)
        page.goto(uvicorn_server.url + "/training/jobs/")
        with page.expect_navigation() as navigation:
            page.get_by_test_id("new-job").click()
        assert navigation.value.status == 403
        assert page.url == uvicorn_server.url + "/training/jobs/new/"  # no hop through the login page
        assert page.get_by_test_id("required-roles").inner_text() == "It needs the role Researcher."
        assert "Admin" in page.get_by_test_id("held-roles").inner_text()
    finally:
        page.close()


def test_a_crowdworker_opening_quality_control_gets_a_chinese_403_page(uvicorn_server, chromium):
    worker = UserFactory(roles=[Role.CROWDWORKER], username="browser-crowd-403")
    context = chromium.new_context(locale="zh-CN")
    page = context.new_page()
    try:
        _log_in(page, uvicorn_server, worker)
        response = page.goto(uvicorn_server.url + "/annotation/quality/")
        assert response.status == 403
        assert page.url == uvicorn_server.url + "/annotation/quality/"
        page.wait_for_selector("html[lang='zh-hans']")
        assert page.get_by_test_id("required-roles").inner_text() == "需要角色：管理员。"
        assert page.get_by_role("heading", name="您的账号无权打开此页面").count() == 1
    finally:
        context.close()


def test_a_signed_out_visitor_still_lands_on_the_login_page_and_comes_back(uvicorn_server, chromium):
    admin = UserFactory(roles=[Role.ADMIN], username="browser-admin-next")
    page = chromium.new_page()
    try:
        page.goto(uvicorn_server.url + "/annotation/quality/")
        assert "/accounts/login/?next=/annotation/quality/" in page.url
        page.fill("#id_username", admin.username)
        page.fill("#id_password", TEST_PASSWORD)
        page.click("button[type=submit].primary")
        page.wait_for_url(uvicorn_server.url + "/annotation/quality/")
        assert page.get_by_role("heading", name="Quality control").count() == 1
    finally:
        page.close()
