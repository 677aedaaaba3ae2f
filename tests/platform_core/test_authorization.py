"""Walks every page and API route as every role (and as an anonymous visitor).

A view that declares no roles fails here, so no route can be added without a permission decision.
"""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from platform_core.permissions import PUBLIC, allows, view_required_roles
from platform_core.roles import Role
from tests.factories import TEST_PASSWORD, CharacterFactory, DialogueFactory

# Routes whose permission lives elsewhere: the Django admin (its site checks the admin role) and
# static/media helpers.
EXEMPT_PREFIXES = ("admin/",)
# Routes that do real work on GET (a live Celery broadcast); their permission is checked on a
# stubbed call below instead of walking them here.
NOT_WALKED = {"api-celery-ping"}


def _walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


def _routes():
    for route, pattern in _walk(get_resolver().url_patterns):
        if route.startswith(EXEMPT_PREFIXES):
            continue
        yield route, pattern


def _concrete(route: str, pk: int) -> str:
    path = re.sub(r"\(\?P<pk>[^)]*\)", str(pk), route)
    path = re.sub(r"<(?:int:)?pk>|<int:[a-z_]+>", str(pk), path)
    path = re.sub(r"<(?:str|slug):[a-z_]+>", "x", path)
    path = path.replace("^", "").replace("$", "").replace("\\.(?P<format>[a-z0-9]+)/?", "")
    return "/" + path


def test_every_route_declares_its_roles():
    undeclared = [
        route
        for route, pattern in _routes()
        if view_required_roles(pattern.callback, "list") is None
        and view_required_roles(pattern.callback, "retrieve") is None
    ]
    assert undeclared == []


def _expected_allowed(pattern: URLPattern, user, path: str) -> bool:
    actions = getattr(pattern.callback, "actions", None) or {}
    action = actions.get("get")
    return allows(user, view_required_roles(pattern.callback, action))


@pytest.mark.django_db
@pytest.mark.parametrize("role", [None, *Role.values])
def test_each_role_reaches_exactly_the_routes_it_holds(client, make_user, role):
    user = make_user(role) if role else None
    if user:
        client.login(username=user.username, password=TEST_PASSWORD)
    dialogue = DialogueFactory(character=CharacterFactory())
    wrong = []
    for route, pattern in _routes():
        if pattern.name in NOT_WALKED or "(?P<format>" in route:
            continue
        path = _concrete(route, dialogue.pk if "dialogue" in route else dialogue.character.pk)
        response = client.get(path)
        allowed = _expected_allowed(pattern, user, path)
        is_api = path.startswith("/api/")
        if allowed:
            refused = response.status_code in (401, 403) or (
                response.status_code == 302 and "/accounts/login/" in response["Location"]
            )
            if refused:
                wrong.append((path, "refused", response.status_code))
        else:
            if is_api and response.status_code not in (401, 403):
                wrong.append((path, "API not refused", response.status_code))
            sent_to_login = response.status_code == 302 and "/accounts/login/" in response["Location"]
            if not is_api and user is None and not sent_to_login:
                wrong.append((path, "page not sent to login", response.status_code))
            if not is_api and user is not None and response.status_code != 403:
                # Sending a signed-in user to the login page loops: login sends them straight back.
                wrong.append((path, "page not refused with 403", response.status_code))
    assert wrong == []


@pytest.mark.django_db
@pytest.mark.parametrize("role", [None, *Role.values])
def test_django_admin_is_for_admins_only(client, make_user, role):
    if role:
        user = make_user(role)
        client.login(username=user.username, password=TEST_PASSWORD)
    response = client.get("/admin/")
    if role == Role.ADMIN:
        assert response.status_code == 200
    else:
        assert response.status_code == 302 and "/admin/login/" in response["Location"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "role, allowed", [(Role.CROWDWORKER, False), (Role.ANNOTATOR, False), (Role.ADMIN, True), (Role.RESEARCHER, True)]
)
def test_celery_ping_is_for_admins_and_researchers(client, make_user, monkeypatch, role, allowed):
    monkeypatch.setattr("platform_core.api.celery_ping", lambda timeout: ["default@test"])
    user = make_user(role)
    client.login(username=user.username, password=TEST_PASSWORD)
    response = client.get("/api/celery/ping/")
    assert response.status_code == (200 if allowed else 403)
    if allowed:
        assert response.json() == {"workers": ["default@test"]}


def test_public_marker_is_not_a_role():
    assert PUBLIC[0] not in Role.values


@pytest.mark.django_db
@pytest.mark.parametrize("language, needs", [("en", "It needs the role Admin."), ("zh-hans", "管理员")])
def test_a_signed_in_user_without_the_role_gets_a_403_page_naming_the_role(client, make_user, language, needs):
    user = make_user(Role.CROWDWORKER)
    client.login(username=user.username, password=TEST_PASSWORD)
    response = client.get("/annotation/quality/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 403
    assert needs in response.content.decode()
    # The login page sends a signed-in user on to ``next``, so 403 (not a redirect) ends the chain.
    assert not response.has_header("Location")


@pytest.mark.django_db
def test_a_signed_out_visitor_is_still_sent_to_login(client):
    response = client.get("/annotation/quality/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=")


# --- Evaluation routes, walked with a real campaign and session -------------------------------------


def _evaluation_routes():
    for route, pattern in _routes():
        if route.startswith(("evaluation/", "api/evaluation/")) and "(?P<format>" not in route:
            yield route, pattern


@pytest.mark.django_db
@pytest.mark.parametrize("role", [None, *Role.values])
def test_every_evaluation_route_admits_exactly_its_roles(client, make_user, role):
    from evaluation import services
    from tests.factories import ModelVersionFactory

    researcher = make_user(Role.RESEARCHER)
    campaign = services.campaign_create(
        slug="auth",
        title="Auth",
        contestants=[ModelVersionFactory(), ModelVersionFactory()],
        characters=[CharacterFactory()],
        created_by=researcher,
    )
    services.campaign_open(campaign=campaign, actor=researcher)
    user = make_user(role, profile__can_evaluate=True) if role else None
    session_pk = None
    if user is not None and Role.CROWDWORKER in user.role_codes:
        session_pk = services.assignment_next(campaign=campaign, evaluator=user, mode="pointwise").pk
        client.login(username=user.username, password=TEST_PASSWORD)
    elif user is not None:
        client.login(username=user.username, password=TEST_PASSWORD)
    wrong, walked = [], 0
    for route, pattern in _evaluation_routes():
        pk = session_pk if ("sessions" in route and session_pk) else campaign.pk
        path = _concrete(route, pk).replace("/x/", "/csv/" if "download" in route else "/pointwise/")
        response = client.get(path)
        walked += 1
        allowed = _expected_allowed(pattern, user, path)
        refused = response.status_code in (401, 403) or (
            response.status_code == 302 and "/accounts/login/" in response.get("Location", "")
        )
        if allowed == refused:
            wrong.append((path, role, response.status_code))
    assert walked >= 15
    assert wrong == []
