"""The optional LLM pass over uncertain lines, against the loopback OpenAI-compatible server."""

import json

import pytest
from django.core.management import call_command

from annotation.extraction import detect_candidates
from annotation.extraction.llm import attribute_uncertain
from annotation.llm import client_for

TEXT = (
    'A voice came out of the dark. "Who goes there?"\n\n"A friend," said Horatio.\n\n"Give the word," said Marcellus.\n'
)


def uncertain_candidates():
    candidates = detect_candidates(TEXT)
    assert candidates[0].lines[0].uncertain
    return candidates


def test_an_answer_that_the_passage_supports_is_used(llm_settings, openai_server):
    openai_server.reply(json.dumps({"speakers": {"1": "Marcellus"}}))
    candidates = uncertain_candidates()
    outcome = attribute_uncertain(TEXT, candidates, client=client_for())
    first = candidates[0].lines[0]
    assert (first.speaker, first.method, first.uncertain) == ("Marcellus", "llm", False)
    assert (outcome.asked, outcome.accepted, outcome.rejected) == (1, 1, [])
    request = openai_server.requests[0].body
    assert "[1] ?: Who goes there?" in request["messages"][1]["content"]
    assert "[2] Horatio: A friend," in request["messages"][1]["content"]
    assert request["response_format"] == {"type": "json_object"}


def test_a_name_the_passage_does_not_contain_is_rejected(llm_settings, openai_server):
    openai_server.reply(json.dumps({"speakers": {"1": "Francisco"}}))
    candidates = uncertain_candidates()
    before = candidates[0].lines[0].speaker
    outcome = attribute_uncertain(TEXT, candidates, client=client_for())
    assert candidates[0].lines[0].speaker == before and candidates[0].lines[0].method != "llm"
    assert outcome.accepted == 0 and "'Francisco' does not occur in the passage" in outcome.rejected[0]


def test_answers_about_certain_lines_are_ignored(llm_settings, openai_server):
    openai_server.reply(json.dumps({"speakers": {"2": "Marcellus", "7": "Horatio"}}))
    candidates = uncertain_candidates()
    outcome = attribute_uncertain(TEXT, candidates, client=client_for())
    assert candidates[0].lines[1].speaker == "Horatio"
    assert outcome.accepted == 0 and len(outcome.rejected) == 2


@pytest.mark.parametrize("reply", ["I think it is Marcellus.", '{"names": ["Marcellus"]}'])
def test_a_reply_that_is_not_the_asked_json_changes_nothing(llm_settings, openai_server, reply):
    openai_server.reply(reply)
    candidates = uncertain_candidates()
    outcome = attribute_uncertain(TEXT, candidates, client=client_for())
    assert outcome.accepted == 0 and outcome.rejected[0].startswith("reply not used")
    assert candidates[0].lines[0].method != "llm"


def test_no_request_when_every_line_is_certain(llm_settings, openai_server):
    text = '"Who goes there?" said Barnardo.\n\n"A friend," said Horatio.\n'
    outcome = attribute_uncertain(text, detect_candidates(text), client=client_for())
    assert outcome.asked == 0 and openai_server.requests == []


def test_detect_dialogues_command_asks_the_llm(llm_settings, openai_server, tmp_path, capsys):
    source = tmp_path / "scene.txt"
    source.write_text(TEXT, encoding="utf-8")
    openai_server.reply(json.dumps({"speakers": {"1": "Marcellus"}}))
    out = tmp_path / "out.json"
    call_command("detect_dialogues", str(source), "--llm", "--json", str(out))
    assert "LLM: 1 of 1 uncertain line(s) attributed." in capsys.readouterr().out
    first = json.loads(out.read_text(encoding="utf-8"))[0]["lines"][0]
    assert (first["speaker"], first["method"]) == ("Marcellus", "llm")


# --- the scan of an uploaded work ---------------------------------------------------------------

WORK = "Chapter 1\n\n" + TEXT + "\nChapter 2\n\n" + TEXT


@pytest.fixture
def provider(openai_server, settings):
    from annotation.models import LLMProvider

    settings.LLM_BACKOFF_BASE_S = 0.01
    return LLMProvider.objects.create(
        name="loopback", base_url=openai_server.base_url, api_key=openai_server.api_key, requests_per_minute=6000
    )


def upload_and_scan(admin_user, provider):
    from annotation.services.extraction import literary_work_scan, work_upload

    work = work_upload(
        title="Watch", language="en", filename="w.txt", data=WORK.encode(), uploader=admin_user, llm_provider=provider
    )
    return literary_work_scan(work_id=work.pk)


@pytest.mark.django_db
def test_a_work_scanned_with_a_provider_stores_the_llms_checked_speakers(admin_user, provider, openai_server):
    openai_server.responder = lambda body: json.dumps({"speakers": {"1": "Marcellus"}})
    work = upload_and_scan(admin_user, provider)
    assert work.error == "" and len(openai_server.requests) == 2  # one passage per chapter
    for candidate in work.candidates.all():
        assert candidate.lines[0] == {
            "speaker": "Marcellus",
            "text": "Who goes there?",
            "method": "llm",
            "uncertain": False,
        }


@pytest.mark.django_db
def test_a_failing_provider_leaves_the_rules_speakers_and_says_so(admin_user, provider, openai_server):
    provider.api_key = "sk-wrong"
    provider.save()
    work = upload_and_scan(admin_user, provider)
    assert work.status == "ready" and work.error.startswith("Speakers were attributed without the LLM")
    assert len(openai_server.requests) == 1  # not asked again for the second chapter
    assert work.candidates.count() == 2
    assert all(candidate.lines[0]["method"] != "llm" for candidate in work.candidates.all())


@pytest.mark.django_db
def test_a_work_without_a_provider_never_calls_an_llm(admin_user, openai_server):
    work = upload_and_scan(admin_user, None)
    assert work.candidates.count() == 2 and openai_server.requests == []
    assert work.candidates.first().lines[0]["uncertain"] is True


@pytest.mark.django_db
def test_the_upload_page_offers_the_providers(client, admin_user, provider):
    from django.urls import reverse

    client.force_login(admin_user)
    html = client.get(reverse("annotation:work-upload")).content.decode()
    assert "LLM for uncertain speakers" in html and f'<option value="{provider.pk}">loopback</option>' in html
