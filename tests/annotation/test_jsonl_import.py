import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from annotation.models import AnnotationTask, BatchOrigin, SynthesisBatch
from annotation.services.synthesis import ImportRejected, batch_import_jsonl
from roleplay.models import Character, Dialogue, DialogueSource

pytestmark = pytest.mark.django_db


def record(name="阿青", turns=None, **character):
    profile = {"name": name, "category": "daily_life", "language": "zh-hans", "identity": "一名护士"}
    profile.update(character)
    return {
        "character": profile,
        "topic": "夜班",
        "player": {"name": "病人", "description": "住院的年轻人"},
        "turns": turns
        or [{"speaker": "player", "text": "护士，我睡不着。"}, {"speaker": "character", "text": "我给你倒杯温水吧。"}],
    }


def jsonl(*records) -> str:
    return "\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records)


def test_valid_file_imports_characters_dialogues_and_review_tasks(settings, admin_user):
    settings.ANNOTATION_REVIEWS_PER_DIALOGUE = 1
    batch = batch_import_jsonl(
        name="imported", llm_model="gpt-4", author=admin_user, lines=jsonl(record(), record(), record("老周"))
    )
    assert batch.origin == BatchOrigin.IMPORT
    assert Character.objects.filter(name="阿青").count() == 1  # same person on two lines: one character
    assert batch.dialogues.count() == 3
    assert all(d.source == DialogueSource.LLM_SYNTHESIS for d in batch.dialogues.all())
    assert AnnotationTask.objects.count() == 3


@pytest.mark.parametrize(
    ("line", "field", "message"),
    [
        ("{not json", "", "not valid JSON"),
        ("[1, 2]", "", "expected a JSON object"),
        (record(name=""), "character.name", "must not be empty"),
        (record(category="aliens"), "character.category", "must be one of"),
        (record(language="fr"), "character.language", "must be one of"),
        (record(identity=""), "character.identity", "at least one attribute"),
        (record(catchphrases="ok", frequent_phrases=[1]), "character.frequent_phrases", "list of non-empty strings"),
        (
            record(turns=[{"speaker": "narrator", "text": "x"}, {"speaker": "player", "text": "y"}]),
            "turns[0].speaker",
            "must be one of",
        ),
        (
            record(turns=[{"speaker": "player", "text": ""}, {"speaker": "character", "text": "y"}]),
            "turns[0].text",
            "must not be empty",
        ),
        (
            record(turns=[{"speaker": "player", "text": "a"}, {"speaker": "player", "text": "b"}]),
            "turns",
            "both the character and the player",
        ),
        ({"character": record()["character"], "turns": "hello"}, "turns", "must be a list"),
    ],
)
def test_each_kind_of_invalid_line_is_reported_with_line_and_field(admin_user, line, field, message):
    with pytest.raises(ImportRejected) as caught:
        batch_import_jsonl(name="bad", llm_model="", author=admin_user, lines=jsonl(record(), line))
    [error] = caught.value.errors
    assert error.line == 2
    assert error.field == field
    assert message in error.message


def test_one_bad_line_imports_nothing(admin_user):
    with pytest.raises(ImportRejected):
        batch_import_jsonl(
            name="bad", llm_model="", author=admin_user, lines=jsonl(record(), record(), "{oops", record("b"))
        )
    assert SynthesisBatch.objects.count() == 0
    assert Character.objects.count() == 0
    assert Dialogue.objects.count() == 0


def test_management_command_imports_and_reports_errors(tmp_path, admin_user):
    good = tmp_path / "good.jsonl"
    good.write_text(jsonl(record()), encoding="utf-8")
    call_command("import_synthesis", str(good), "--name", "cli", "--model", "gpt-4")
    assert SynthesisBatch.objects.get(name="cli").dialogues.count() == 1
    bad = tmp_path / "bad.jsonl"
    bad.write_text(jsonl(record(), record(name="")), encoding="utf-8")
    with pytest.raises(CommandError, match=r"line 2, field character\.name"):
        call_command("import_synthesis", str(bad), "--name", "cli2")
    assert not SynthesisBatch.objects.filter(name="cli2").exists()


def test_upload_form_lists_errors_per_line(client, researcher):
    client.force_login(researcher)
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("b.jsonl", jsonl(record(), "{x", record(name="")).encode(), "application/jsonl")
    response = client.post(reverse("annotation:batch-import"), {"name": "up", "llm_model": "gpt-4", "file": upload})
    assert response.status_code == 400
    page = response.content.decode()
    assert "line 2" in page and "line 3, field character.name" in page
    assert SynthesisBatch.objects.count() == 0
    upload = SimpleUploadedFile("b.jsonl", jsonl(record()).encode(), "application/jsonl")
    response = client.post(reverse("annotation:batch-import"), {"name": "up", "llm_model": "gpt-4", "file": upload})
    assert response.status_code == 302
    assert SynthesisBatch.objects.get(name="up").dialogues.count() == 1
