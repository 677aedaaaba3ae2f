"""The persona API writes through ``persona_create`` / ``persona_update`` / ``persona_delete``."""

import pytest

from roleplay.models import PlayerPersona

URL = "/api/roleplay/personas/"


@pytest.fixture
def editor_client(client, annotator):
    client.force_login(annotator)
    return client


def test_created_persona_names_its_author(editor_client, annotator):
    response = editor_client.post(
        URL, {"name": "Traveller", "description": "Lost in the fog.", "language": "en"}, content_type="application/json"
    )
    assert response.status_code == 201
    persona = PlayerPersona.objects.get(pk=response.json()["id"])
    assert (persona.name, persona.description, persona.language, persona.author) == (
        "Traveller",
        "Lost in the fog.",
        "en",
        annotator,
    )


@pytest.mark.parametrize(
    ("payload", "field"), [({"name": ""}, "name"), ({"name": "A", "language": "klingon"}, "language")]
)
def test_bad_persona_is_refused_by_field_and_nothing_is_stored(editor_client, payload, field):
    response = editor_client.post(URL, payload, content_type="application/json")
    assert response.status_code == 400
    assert field in response.json()
    assert not PlayerPersona.objects.exists()


def test_update_changes_the_persona_and_keeps_validation(editor_client, annotator):
    persona = PlayerPersona.objects.create(name="Old", language="en", author=annotator)
    response = editor_client.patch(f"{URL}{persona.pk}/", {"name": "New"}, content_type="application/json")
    assert response.status_code == 200
    persona.refresh_from_db()
    assert persona.name == "New"
    refused = editor_client.patch(f"{URL}{persona.pk}/", {"name": ""}, content_type="application/json")
    assert refused.status_code == 400 and "name" in refused.json()
    persona.refresh_from_db()
    assert persona.name == "New"


def test_crowdworker_may_read_but_not_write_personas(client, crowdworker):
    client.force_login(crowdworker)
    assert client.get(URL).status_code == 200
    assert client.post(URL, {"name": "X"}, content_type="application/json").status_code == 403


def test_each_user_lists_only_their_own_personas_and_admins_list_all(client, make_user):
    from platform_core.roles import Role

    worker, researcher, admin = make_user(Role.CROWDWORKER), make_user(Role.RESEARCHER), make_user(Role.ADMIN)
    own = PlayerPersona.objects.create(name="Own", language="en", author=worker)
    other = PlayerPersona.objects.create(name="Someone Else", language="en", author=researcher)
    shared = PlayerPersona.objects.create(name="Unowned", language="en", author=None)
    listed = {}
    for user in (worker, researcher, admin):
        client.force_login(user)
        listed[user.pk] = {row["id"] for row in client.get(URL).json()["results"]}
    assert listed[worker.pk] == {own.pk}
    assert listed[researcher.pk] == {other.pk}
    assert listed[admin.pk] == {own.pk, other.pk, shared.pk}
    client.force_login(worker)
    assert client.get(f"{URL}{other.pk}/").status_code == 404
    client.force_login(researcher)
    assert client.patch(f"{URL}{own.pk}/", {"name": "Taken"}, content_type="application/json").status_code == 404
    own.refresh_from_db()
    assert own.name == "Own"


def test_personas_made_for_workers_are_pseudonymous(make_user):
    from platform_core.roles import Role
    from roleplay.live.human_machine import player_persona_for

    worker = make_user(Role.CROWDWORKER, username="li.xiao", profile__display_name="小李 Li")
    persona = player_persona_for(worker, "zh-hans")
    assert persona.name.startswith("玩家") and "李" not in persona.name and "li.xiao" not in persona.name
    assert persona.author == worker
    assert player_persona_for(worker, "zh-hans") == persona  # made once, then reused
    english = player_persona_for(worker, "en")
    assert english.name.startswith("Player ") and "Li" not in english.name.removeprefix("Player ")
    from roleplay.live import assignment

    PlayerPersona.objects.all().delete()
    paired = assignment.persona_pick(language="en")
    assert paired.name.startswith("Player ") and paired.author is None
