"""Failed sign-ins are throttled per account and per client address, on every way in."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.test import RequestFactory
from django.urls import reverse

from platform_core.login_throttle import client_ip
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _small_limit(settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = 0.25


def _page_login(client, username: str, password: str, address: str = "10.0.0.1"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def _token(client, username: str, password: str, address: str = "10.0.0.1"):
    return client.post(
        reverse("api-token"), {"username": username, "password": password}, REMOTE_ADDR=address, content_type="application/json"
    )


def test_the_login_page_refuses_even_the_right_password_after_too_many_wrong_ones(client):
    user = UserFactory(roles=["crowdworker"])
    for _ in range(2):
        assert _page_login(client, user.username, "wrong-password").status_code == 200  # the form, with its error
    assert _page_login(client, user.username, "wrong-password").status_code == 429  # the failure that reaches the limit
    response = _page_login(client, user.username, TEST_PASSWORD)
    assert response.status_code == 429
    assert "Too many failed sign-in attempts. Try again in 15 minutes." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_api_token_endpoint_answers_429_with_a_reason_after_too_many_wrong_passwords(client):
    user = UserFactory(roles=["researcher"])
    for _ in range(2):
        assert _token(client, user.username, "wrong-password").status_code == 400
    assert _token(client, user.username, "wrong-password").status_code == 429
    response = _token(client, user.username, TEST_PASSWORD)
    assert response.status_code == 429
    assert response.json()["code"] == "locked_out"
    assert "Try again in 15 minutes" in response.json()["detail"]


def test_the_admin_login_is_throttled_too(client):
    admin = UserFactory(roles=["admin"])
    url = reverse("admin:login")
    for _ in range(3):
        client.post(url, {"username": admin.username, "password": "wrong-password"}, REMOTE_ADDR="10.0.0.2")
    response = client.post(url, {"username": admin.username, "password": TEST_PASSWORD}, REMOTE_ADDR="10.0.0.2")
    assert response.status_code == 429


def test_an_account_is_locked_whatever_address_the_guesses_come_from(client):
    user = UserFactory(roles=["crowdworker"])
    for index in range(3):
        _token(client, user.username, "wrong-password", address=f"10.0.1.{index}")
    assert _token(client, user.username, TEST_PASSWORD, address="10.0.1.99").status_code == 429


def test_an_address_is_locked_whatever_accounts_it_guesses(client):
    victims = [UserFactory(roles=["crowdworker"]) for _ in range(3)]
    for victim in victims:
        _token(client, victim.username, "wrong-password", address="10.0.2.1")
    fresh = UserFactory(roles=["crowdworker"])
    assert _token(client, fresh.username, TEST_PASSWORD, address="10.0.2.1").status_code == 429
    assert _token(client, fresh.username, TEST_PASSWORD, address="10.0.2.2").status_code == 200


def test_after_the_cool_off_the_right_password_works_again(client):
    user = UserFactory(roles=["crowdworker"])
    for _ in range(3):
        _token(client, user.username, "wrong-password")
    assert _token(client, user.username, TEST_PASSWORD).status_code == 429
    for attempt in AccessAttempt.objects.all():
        attempt.attempt_time -= timedelta(hours=1)
        attempt.save()
    assert _token(client, user.username, TEST_PASSWORD).status_code == 200


def test_a_successful_sign_in_clears_the_accounts_failures(client):
    user = UserFactory(roles=["crowdworker"])
    for _ in range(2):
        _token(client, user.username, "wrong-password")
    assert _token(client, user.username, TEST_PASSWORD).status_code == 200
    # Two more from elsewhere would make four on the account without the reset. (The first
    # address keeps its own count: one valid account must not wipe an address's guesses.)
    for _ in range(2):
        _token(client, user.username, "wrong-password", address="10.0.3.1")
    assert _token(client, user.username, TEST_PASSWORD, address="10.0.3.1").status_code == 200


def test_the_lockout_page_is_translated(client):
    user = UserFactory(roles=["crowdworker"])
    client.cookies["django_language"] = "zh-hans"
    for _ in range(3):
        _page_login(client, user.username, "wrong-password")
    response = _page_login(client, user.username, TEST_PASSWORD)
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "203.0.113.9", "10.9.9.9"),  # no trusted proxy: the header is the client's own say
        (1, "198.51.100.7, 203.0.113.9", "203.0.113.9"),  # what our proxy saw, not what the client wrote
        (2, "198.51.100.7, 203.0.113.9, 10.0.0.5", "203.0.113.9"),
        (2, "203.0.113.9", "10.9.9.9"),  # fewer hops than proxies: the header is not ours
    ],
)
def test_the_client_address_is_the_one_the_trusted_proxies_vouch_for(settings, proxies, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="10.9.9.9", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected
