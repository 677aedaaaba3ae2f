import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from roleplay.character_fields import CHARACTER_FIELDS, PROFILE_FIELDS
from roleplay.models import Character, CharacterPrompt, PromptKind, ReviewStatus
from roleplay.services import character_create, character_update
from tests.factories import TEST_PASSWORD, CharacterFactory

pytestmark = pytest.mark.django_db

VALID = {
    "name": "王阿姨",
    "category": "daily_life",
    "language": "zh-hans",
    "identity": "早餐店老板娘",
    "personality": "热心肠",
    "catchphrases": ["吃了没"],
    "greeting": "来啦？",
}


def test_creating_a_character_renders_its_profile_prompt(admin_user):
    character = character_create(author=admin_user, **VALID)
    prompt = CharacterPrompt.objects.get(character=character, kind=PromptKind.PROFILE)
    assert prompt.text == "身份：早餐店老板娘。性格：热心肠。口头禅：吃了没。"
    assert prompt.review_status == ReviewStatus.ACCEPTED


def test_updating_a_character_updates_its_single_profile_prompt(admin_user):
    character = character_create(author=admin_user, **VALID)
    character_update(character=character, personality="嗓门大")
    prompts = CharacterPrompt.objects.filter(character=character, kind=PromptKind.PROFILE)
    assert [p.text for p in prompts] == ["身份：早餐店老板娘。性格：嗓门大。口头禅：吃了没。"]


@pytest.mark.parametrize(
    "field, value",
    [("category", "aliens"), ("language", "fr"), ("name", ""), ("catchphrases", "not a list"), ("catchphrases", [""])],
)
def test_invalid_character_gets_an_error_on_its_field(admin_user, field, value):
    with pytest.raises(ValidationError) as error:
        character_create(author=admin_user, **{**VALID, field: value})
    assert field in error.value.message_dict
    assert Character.objects.count() == 0


def test_character_without_any_attribute_is_refused(admin_user):
    with pytest.raises(ValidationError) as error:
        character_create(author=admin_user, **{**VALID, "identity": ""})
    assert "identity" in error.value.message_dict


def test_api_reports_field_errors_and_stores_nothing(client, admin_user):
    client.login(username=admin_user.username, password=TEST_PASSWORD)
    response = client.post(
        "/api/roleplay/characters/", {**VALID, "category": "aliens"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "category" in response.json()
    assert Character.objects.count() == 0


def test_api_creates_character_for_editor(client, annotator):
    client.login(username=annotator.username, password=TEST_PASSWORD)
    response = client.post("/api/roleplay/characters/", VALID, content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["author"] == annotator.pk
    assert Character.objects.get().prompts.filter(kind=PromptKind.PROFILE).exists()


def test_crowdworker_reads_but_cannot_create_characters(client, crowdworker):
    CharacterFactory()
    client.login(username=crowdworker.username, password=TEST_PASSWORD)
    assert client.get("/api/roleplay/characters/").status_code == 200
    assert client.post("/api/roleplay/characters/", VALID, content_type="application/json").status_code == 403


def test_api_accepts_token_authentication(client, researcher):
    token = client.post("/api/token/", {"username": researcher.username, "password": TEST_PASSWORD}).json()["token"]
    response = client.get("/api/me/", HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 200
    assert response.json()["roles"] == ["researcher"]


def test_wrong_password_gets_no_token(client, researcher):
    response = client.post("/api/token/", {"username": researcher.username, "password": "nope"})
    assert response.status_code == 400


def test_character_form_shows_field_errors_and_keeps_input(client, admin_user):
    client.login(username=admin_user.username, password=TEST_PASSWORD)
    response = client.post("/roleplay/characters/new/", {**VALID, "category": "aliens", "catchphrases": "吃了没"})
    assert response.status_code == 200
    assert "aliens" in response.context["form"].errors["category"][0]
    assert "王阿姨" in response.content.decode()
    assert Character.objects.count() == 0


def test_character_form_creates_and_redirects(client, admin_user):
    client.login(username=admin_user.username, password=TEST_PASSWORD)
    response = client.post("/roleplay/characters/new/", {**VALID, "catchphrases": "吃了没\n哎哟喂"})
    character = Character.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/roleplay/characters/{character.pk}/"
    assert character.catchphrases == ["吃了没", "哎哟喂"]


def test_form_requires_csrf_token(admin_user):
    from django.test import Client

    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.login(username=admin_user.username, password=TEST_PASSWORD)
    assert csrf_client.post("/roleplay/characters/new/", VALID).status_code == 403


def test_every_profile_field_is_in_the_api_the_form_the_page_and_the_prompt(client, admin_user):
    values = {name: f"{name} value" for name in PROFILE_FIELDS}
    values.update(catchphrases=["catch one", "catch two"], frequent_phrases=["often said"], dialect="Harbour")
    character = character_create(author=admin_user, name="Mara", category="daily_life", language="en", **values)
    client.force_login(admin_user)
    api = client.get(f"/api/roleplay/characters/{character.pk}/").json()
    assert [name for name in CHARACTER_FIELDS if name not in api] == []
    form = client.get(reverse("roleplay:character-edit", args=[character.pk])).content.decode()
    assert [name for name in CHARACTER_FIELDS if f'name="{name}"' not in form] == []
    page = client.get(reverse("roleplay:character-detail", args=[character.pk])).content.decode()
    prompt = character.prompts.get(kind="profile").text
    for name in PROFILE_FIELDS:
        value = getattr(character, name)
        text = " / ".join(value) if isinstance(value, list) else value
        label = str(Character._meta.get_field(name).verbose_name)
        assert f"<dt>{label}</dt><dd>{text}</dd>" in page
        assert (value[0] if isinstance(value, list) else value) in prompt
