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
