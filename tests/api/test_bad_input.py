"""Bad ids, NUL bytes, lone surrogates and referenced deletes get a 4xx that names the problem, never a 500."""

import json

import pytest

from exports.models import ExportBuild, ExportSpec
from roleplay.models import Character, PlayerPersona
from tests.factories import DialogueFactory


@pytest.fixture
def as_admin(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def as_researcher(client, researcher):
    client.force_login(researcher)
    return client


def test_a_non_integer_id_in_an_api_path_is_not_found(as_admin):
    assert as_admin.post("/api/annotation/tasks/abc/release/").status_code == 404
    assert as_admin.get("/api/roleplay/characters/abc/").status_code == 404


@pytest.mark.parametrize(
    ("url", "parameter"),
    [
        ("/api/roleplay/prompts/?character=abc", "character"),
        ("/api/roleplay/dialogues/?character=abc", "character"),
        ("/api/roleplay/characters/?category=sci-fi", "category"),
        ("/api/exports/builds/?spec=-3", "spec"),
        ("/api/annotation/tasks/?kind=nonsense", "kind"),
    ],
)
def test_a_bad_query_filter_is_refused_naming_the_parameter(as_admin, url, parameter):
    response = as_admin.get(url)
    assert response.status_code == 400
    assert parameter in response.json()


@pytest.mark.parametrize(
    "url",
    [
        "/api/roleplay/characters/?category=a%00b",
        "/api/exports/builds/?q=a%00b",
        "/roleplay/characters/?q=a%00b",
        "/exports/?q=a%00b",
    ],
)
def test_nul_in_a_query_string_is_refused_before_any_query(as_admin, url):
    response = as_admin.get(url)
    assert response.status_code == 400
    assert "NUL" in response.content.decode()


def test_nul_in_a_json_field_is_refused_naming_the_field_and_nothing_is_stored(as_researcher):
    response = as_researcher.post("/api/exports/specs/", {"name": "a\x00b"}, content_type="application/json")
    assert response.status_code == 400
    assert "name" in response.json()
    nested = as_researcher.post(
        "/api/exports/builds/", {"spec_data": {"name": "ok", "description": "x\x00"}}, content_type="application/json"
    )
    assert nested.status_code == 400
    assert "spec_data.description" in nested.json()
    assert not ExportSpec.objects.exists() and not ExportBuild.objects.exists()


def test_a_lone_surrogate_in_json_is_refused(as_researcher):
    body = '{"name": "bad \\ud800 text"}'
    response = as_researcher.post("/api/exports/specs/", body, content_type="application/json")
    assert response.status_code == 400
    assert "surrogate" in response.json()["name"][0]
    assert not ExportSpec.objects.exists()


def test_json_nested_too_deep_is_refused(as_researcher):
    body = "[" * 100_000 + "]" * 100_000
    response = as_researcher.post("/api/exports/specs/", body, content_type="application/json")
    assert response.status_code == 400
    shallow_enough = json.dumps({"name": "deep", "description": "x", "seed": 1})
    assert as_researcher.post("/api/exports/specs/", shallow_enough, content_type="application/json").status_code == 201


def test_a_deploy_note_that_is_not_an_object_is_refused(as_researcher):
    from tests.factories import ModelVersionFactory

    version = ModelVersionFactory()
    response = as_researcher.post(f"/api/training/models/{version.pk}/deploy/", [1, 2], content_type="application/json")
    assert response.status_code == 400


def test_an_empty_post_creates_no_spec(as_researcher):
    response = as_researcher.post("/api/exports/specs/", {}, content_type="application/json")
    assert response.status_code == 400
    assert "name" in response.json()
    assert not ExportSpec.objects.exists()


def test_deleting_a_referenced_character_or_persona_is_a_conflict_with_a_reason(as_admin):
    dialogue = DialogueFactory()
    for url, model, pk in (
        ("/api/roleplay/characters/", Character, dialogue.character_id),
        ("/api/roleplay/personas/", PlayerPersona, dialogue.player_persona_id),
    ):
        response = as_admin.delete(f"{url}{pk}/")
        assert response.status_code == 409
        body = response.json()
        assert body["code"] == "protected"
        assert "1 dialogues" in body["detail"]
        assert model.objects.filter(pk=pk).exists()


def test_profile_text_over_the_limit_is_refused_by_field_and_nothing_is_stored(as_admin, settings):
    payload = {"name": "Long", "category": "daily_life", "language": "en", "identity": "x" * 2_000_000}
    response = as_admin.post("/api/roleplay/characters/", payload, content_type="application/json")
    assert response.status_code == 400
    assert "identity" in response.json()
    settings.CHARACTER_TEXT_MAX_CHARS = 10
    payload["identity"] = "x" * 11
    response = as_admin.post("/api/roleplay/characters/", payload, content_type="application/json")
    assert response.status_code == 400 and "identity" in response.json()
    assert not Character.objects.exists()
    persona = as_admin.post("/api/roleplay/personas/", {"name": "P", "description": "y" * 11}, content_type="application/json")
    assert persona.status_code == 400 and "description" in persona.json()


def test_phrase_lists_are_bounded_in_count_and_length(as_admin, settings):
    settings.CHARACTER_PHRASES_MAX = 2
    payload = {"name": "Many", "category": "daily_life", "language": "en", "catchphrases": ["a", "b", "c"]}
    response = as_admin.post("/api/roleplay/characters/", payload, content_type="application/json")
    assert response.status_code == 400 and "catchphrases" in response.json()
    assert not Character.objects.exists()


def test_the_schema_documents_query_filters_and_limits(client):
    schema = client.get("/api/schema/?format=json").json()
    parameters = {p["name"]: p for p in schema["paths"]["/api/roleplay/dialogues/"]["get"]["parameters"]}
    assert parameters["character"]["schema"]["type"] == "integer"
    assert "human_roleplay" in parameters["source"]["schema"]["enum"]
    builds = {p["name"] for p in schema["paths"]["/api/exports/builds/"]["get"]["parameters"]}
    assert {"q", "status", "spec"} <= builds
    identity = schema["components"]["schemas"]["Character"]["properties"]["identity"]
    assert identity["maxLength"] == 2000
    method = schema["components"]["schemas"]["ModelVersion"]["properties"]["method"]
    allowed = {v for ref in method["oneOf"] for v in schema["components"]["schemas"][ref["$ref"].split("/")[-1]]["enum"]}
    assert allowed == {"", "lora", "full"}
    assert schema["components"]["schemas"]["TrainingJob"]["properties"]["model_version"]["nullable"] is True
    def request_schema(path: str) -> dict:
        ref = schema["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        return schema["components"]["schemas"][ref.split("/")[-1]]

    assert {"name", "categories", "characters_per_category"} <= set(request_schema("/api/annotation/batches/")["required"])
    assert request_schema("/api/annotation/tasks/claim/")["required"] == ["kind"]
    download = schema["paths"]["/api/exports/builds/{id}/download/"]["get"]["responses"]["200"]["content"]
    assert {"application/x-tar", "application/octet-stream"} <= set(download)


def _api_patterns(patterns, prefix=""):
    from django.urls import URLPattern, URLResolver

    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _api_patterns(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern) and route.lstrip("^").startswith("api/"):
            yield route


def test_every_api_route_takes_only_whole_number_ids():
    from django.urls import get_resolver

    routes = list(_api_patterns(get_resolver().url_patterns))
    with_ids = [route for route in routes if "pk>" in route]
    assert len(with_ids) > 20
    assert [r for r in with_ids if "(?P<pk>[0-9]+)" not in r and "<int:pk>" not in r] == []
