import io

import pytest
from django.core.management import call_command

from platform_core.roles import Role
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/?next=/"


@pytest.mark.parametrize("role", Role.values)
def test_home_shows_a_section_for_the_users_role_only(client, make_user, role):
    user = make_user(role)
    client.login(username=user.username, password=TEST_PASSWORD)
    sections = client.get("/").context["sections"]
    assert [section["code"] for section in sections] == [role]
    assert sections[0]["links"], "every role has something to do"


def test_user_with_several_roles_sees_each_section(client, make_user):
    user = make_user(Role.ANNOTATOR, Role.RESEARCHER)
    client.login(username=user.username, password=TEST_PASSWORD)
    assert [s["code"] for s in client.get("/").context["sections"]] == [Role.ANNOTATOR, Role.RESEARCHER]


def test_admin_home_links_to_the_django_admin_but_crowdworker_home_does_not(client, make_user):
    admin, worker = make_user(Role.ADMIN), make_user(Role.CROWDWORKER)
    client.login(username=admin.username, password=TEST_PASSWORD)
    assert 'href="/admin/"' in client.get("/").content.decode()
    client.login(username=worker.username, password=TEST_PASSWORD)
    assert 'href="/admin/"' not in client.get("/").content.decode()


def test_login_form_signs_in_and_redirects_home(client, make_user):
    user = make_user(Role.CROWDWORKER)
    response = client.post("/accounts/login/", {"username": user.username, "password": TEST_PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"


def test_login_with_wrong_password_shows_an_error(client, make_user):
    user = make_user(Role.CROWDWORKER)
    response = client.post("/accounts/login/", {"username": user.username, "password": "wrong"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()


def test_logout_needs_post_and_ends_the_session(client, make_user):
    user = make_user(Role.CROWDWORKER)
    client.login(username=user.username, password=TEST_PASSWORD)
    assert client.get("/accounts/logout/").status_code == 405
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/").status_code == 302


def test_blocked_reason_is_required(make_user):
    from platform_core.models import BlockStatus
    from platform_core.services import worker_block

    user = make_user(Role.CROWDWORKER)
    with pytest.raises(ValueError):
        worker_block(profile=user.profile, status=BlockStatus.BLOCKED, reason="  ", actor=None)
    worker_block(profile=user.profile, status=BlockStatus.SOFT_BLOCKED, reason="3 abandoned sessions", actor=None)
    user.profile.refresh_from_db()
    assert user.profile.is_soft_blocked and user.profile.block_reason == "3 abandoned sessions"


def test_seed_demo_is_idempotent_and_covers_every_source_and_category():
    from roleplay.models import Character, Dialogue, DialogueSource, DialogueStatus

    call_command("seed_demo", stdout=io.StringIO())
    counts = (Character.objects.count(), Dialogue.objects.count())
    call_command("seed_demo", stdout=io.StringIO())
    assert (Character.objects.count(), Dialogue.objects.count()) == counts
    assert counts[0] >= 20
    assert set(Character.objects.values_list("category", flat=True)) == {
        "celebrities",
        "daily_life",
        "games_videos",
        "virtual_love",
    }
    assert set(Character.objects.values_list("language", flat=True)) == {"zh-hans", "en"}
    accepted = Dialogue.objects.filter(status=DialogueStatus.ACCEPTED)
    assert set(accepted.values_list("source", flat=True)) == set(DialogueSource.values)


def test_openapi_schema_is_valid_and_generated_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))
    assert "openapi" in (tmp_path / "schema.yml").read_text()
