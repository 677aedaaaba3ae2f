import asyncio
import json
from decimal import Decimal

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from django.core.exceptions import ValidationError
from django.urls import reverse

from annotation.models import (
    AnnotationTask,
    BatchStatus,
    ItemStatus,
    LLMProvider,
    PromptTemplate,
    TaskKind,
    TemplateKind,
)
from annotation.services.synthesis import batch_create, synthesis_batch_run
from annotation.services.templates import template_latest, template_revise, templates_ensure_defaults
from platform_core.progress import progress_group
from roleplay.models import CharacterSource, DialogueSource, DialogueStatus

pytestmark = pytest.mark.django_db(transaction=False)


def character_json(name="林晓") -> str:
    return json.dumps(
        {
            "name": name,
            "identity": "一名在上海开咖啡馆的年轻店主",
            "interests": "手冲咖啡、猫",
            "personality": "温柔",
            "catchphrases": ["慢慢来"],
            "greeting": "欢迎光临！",
        },
        ensure_ascii=False,
    )


def dialogue_json(turns=4) -> str:
    speakers = ["player", "character"]
    return json.dumps(
        {
            "topic": "咖啡",
            "player": {"name": "小王", "description": "常客"},
            "turns": [{"speaker": speakers[i % 2], "text": f"第{i + 1}句话。"} for i in range(turns)],
        },
        ensure_ascii=False,
    )


def scripted(character_outputs=None, dialogue_outputs=None):
    """A responder that tells character requests from dialogue requests by their prompt."""
    character_outputs = list(character_outputs or [])
    dialogue_outputs = list(dialogue_outputs or [])

    def respond(body):
        prompt = body["messages"][-1]["content"]
        if "Write a conversation" in prompt:
            return dialogue_outputs.pop(0) if dialogue_outputs else dialogue_json()
        return character_outputs.pop(0) if character_outputs else character_json()

    return respond


def test_batch_generates_characters_and_dialogues_with_review_tasks(llm_settings, openai_server, researcher, committed):
    llm_settings.ANNOTATION_REVIEWS_PER_DIALOGUE = 2
    openai_server.responder = scripted()
    with committed():
        batch = batch_create(
            name="b1",
            author=researcher,
            categories=["daily_life", "virtual_love"],
            characters_per_category=1,
            dialogues_per_category=2,
            turns_per_dialogue=4,
        )
    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMPLETED
    assert batch.items.filter(status=ItemStatus.DONE).count() == 6
    dialogues = list(batch.dialogues.all())
    assert len(dialogues) == 4
    for dialogue in dialogues:
        assert dialogue.source == DialogueSource.LLM_SYNTHESIS
        assert dialogue.status == DialogueStatus.SUBMITTED
        assert dialogue.character.source == CharacterSource.LLM_SYNTHESIS
        assert [t.seq for t in dialogue.turns.all()] == [1, 2, 3, 4]
        assert AnnotationTask.objects.filter(dialogue=dialogue, kind=TaskKind.REWRITE_REVIEW).count() == 2
    # Template variables reached the model.
    first_dialogue_prompt = next(r for r in openai_server.requests if "Write a conversation" in str(r.body))
    assert "林晓" in first_dialogue_prompt.body["messages"][-1]["content"]
    assert batch.requests_made == 6
    assert (batch.prompt_tokens, batch.completion_tokens) == (60, 120)


def test_costs_follow_the_provider_prices(openai_server, researcher, settings, committed):
    settings.LLM_BACKOFF_BASE_S = 0.01
    provider = LLMProvider.objects.create(
        name="loop",
        base_url=openai_server.base_url,
        api_key=openai_server.api_key,
        default_model="gpt-4-0613",
        requests_per_minute=6000,
        price_prompt_per_1k=Decimal("0.03"),
        price_completion_per_1k=Decimal("0.06"),
    )
    openai_server.responder = scripted()
    with committed():
        batch = batch_create(
            name="priced",
            author=researcher,
            provider=provider,
            categories=["daily_life"],
            characters_per_category=1,
            dialogues_per_category=1,
            turns_per_dialogue=4,
        )
    batch.refresh_from_db()
    assert batch.llm_model == "gpt-4-0613"
    assert openai_server.requests[0].body["model"] == "gpt-4-0613"
    # 2 requests x (10 prompt x 0.03 + 20 completion x 0.06) / 1000
    assert batch.cost_usd == Decimal("0.003000")


def test_malformed_output_is_retried_then_recorded_with_raw_text(llm_settings, openai_server, researcher, committed):
    llm_settings.ANNOTATION_SYNTHESIS_ATTEMPTS = 2
    openai_server.responder = scripted(
        character_outputs=["not json at all", character_json(), "still {broken", '{"name": ""}'],
    )
    with committed():
        batch = batch_create(
            name="flaky",
            author=researcher,
            categories=["daily_life"],
            characters_per_category=2,
            dialogues_per_category=0,
            turns_per_dialogue=4,
        )
    first, second = batch.items.order_by("index")
    assert first.status == ItemStatus.DONE and first.attempts == 2
    assert second.status == ItemStatus.FAILED and second.attempts == 2
    assert second.raw_output == '{"name": ""}'
    assert "name" in second.error
    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMPLETED


def test_bad_key_fails_the_batch_with_a_clear_error(llm_settings, researcher, committed):
    llm_settings.LLM_API_KEY = "sk-wrong"
    with committed():
        batch = batch_create(
            name="nokey",
            author=researcher,
            categories=["daily_life"],
            characters_per_category=1,
            dialogues_per_category=1,
            turns_per_dialogue=4,
        )
    batch.refresh_from_db()
    assert batch.status == BatchStatus.FAILED
    assert "refused the API key" in batch.error


def test_progress_is_published_to_the_batch_topic(llm_settings, openai_server, researcher, committed):
    openai_server.responder = scripted()
    layer = get_channel_layer()
    with committed():
        batch = batch_create(
            name="live",
            author=researcher,
            categories=["daily_life"],
            characters_per_category=1,
            dialogues_per_category=1,
            turns_per_dialogue=4,
            start=False,
        )

    async def watch_the_batch() -> list[dict]:
        # Subscribed, run and received in one event loop, as the batch page's socket is: a
        # pub/sub channel layer keeps nothing for a subscriber that is not listening yet.
        channel = await layer.new_channel()
        await layer.group_add(progress_group(f"synthesis-{batch.pk}"), channel)
        await sync_to_async(synthesis_batch_run)(batch_id=batch.pk)
        return [await asyncio.wait_for(layer.receive(channel), timeout=10) for _ in range(3)]

    events = async_to_sync(watch_the_batch)()
    assert [event["percent"] for event in events] == [50.0, 100.0, 100.0]
    assert "completed" in events[-1]["message"]


def test_template_revision_is_a_new_version_and_unknown_variables_are_refused(researcher):
    original = template_latest(kind=TemplateKind.CHARACTER)
    revised = template_revise(
        template=original, text="Invent a $category character.", system_text="", author=researcher
    )
    assert revised.version == original.version + 1
    assert PromptTemplate.objects.get(pk=original.pk).text == original.text
    with pytest.raises(ValidationError, match="Unknown variables: mood"):
        template_revise(template=original, text="Be $mood.", system_text="", author=researcher)


def test_batch_pages_create_and_show_a_batch(client, llm_settings, openai_server, researcher, committed):
    openai_server.responder = scripted()
    client.force_login(researcher)
    with committed():
        response = client.post(
            reverse("annotation:batch-create"),
            {
                "name": "from the page",
                "categories": ["games_videos"],
                "language": "zh-hans",
                "characters_per_category": 1,
                "dialogues_per_category": 1,
                "turns_per_dialogue": 4,
                "llm_model": "",
            },
        )
    assert response.status_code == 302
    detail = client.get(response["Location"])
    assert detail.status_code == 200
    assert "from the page" in detail.content.decode()
    assert "synthesis-" in detail.content.decode()  # the live-progress topic


def test_batch_form_rejects_missing_categories(client, researcher):
    client.force_login(researcher)
    response = client.post(
        reverse("annotation:batch-create"),
        {
            "name": "x",
            "language": "zh-hans",
            "characters_per_category": 1,
            "dialogues_per_category": 1,
            "turns_per_dialogue": 4,
        },
    )
    assert response.status_code == 400
    assert "categories" in response.context["form"].errors


def test_annotators_cannot_create_batches(client, annotator):
    client.force_login(annotator)
    response = client.get(reverse("annotation:batch-create"))
    assert response.status_code == 403


def test_template_edit_page_saves_a_new_version(client, researcher):
    templates_ensure_defaults()
    template = PromptTemplate.objects.get(kind=TemplateKind.DIALOGUE)
    client.force_login(researcher)
    url = reverse("annotation:template-edit", args=[template.pk])
    bad = client.post(url, {"text": "Talk about $weather", "system_text": ""})
    assert bad.status_code == 400 and "weather" in bad.content.decode()
    response = client.post(url, {"text": "Write $turns turns as $name.", "system_text": "JSON only."})
    assert response.status_code == 302
    assert PromptTemplate.objects.filter(name=template.name).order_by("-version").first().version == 2


def test_failed_items_can_be_retried_from_the_batch_page(client, llm_settings, openai_server, researcher, committed):
    llm_settings.ANNOTATION_SYNTHESIS_ATTEMPTS = 1
    openai_server.responder = scripted(character_outputs=["garbage"])
    with committed():
        batch = batch_create(
            name="retry", author=researcher, categories=["daily_life"], characters_per_category=1,
            dialogues_per_category=0, turns_per_dialogue=4,
        )  # fmt: skip
    assert batch.items.get().status == ItemStatus.FAILED
    client.force_login(researcher)
    page = client.get(reverse("annotation:batch-detail", args=[batch.pk])).content.decode()
    assert "garbage" in page  # the raw output of the failed item is shown
    with committed():
        client.post(reverse("annotation:batch-retry", args=[batch.pk]))
    assert batch.items.get().status == ItemStatus.DONE


def test_a_second_delivery_leaves_a_running_batch_alone_but_takes_over_a_dead_one(
    llm_settings, openai_server, researcher
):
    from datetime import timedelta

    from django.utils import timezone

    from annotation.models import SynthesisBatch

    openai_server.responder = scripted()
    batch = batch_create(
        name="lease", author=researcher, categories=["daily_life"], characters_per_category=1,
        dialogues_per_category=0, turns_per_dialogue=4, start=False,
    )  # fmt: skip
    SynthesisBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.RUNNING, heartbeat_at=timezone.now())
    synthesis_batch_run(batch_id=batch.pk)
    assert openai_server.requests == []  # another worker holds the lease
    stale = timezone.now() - timedelta(minutes=11)
    SynthesisBatch.objects.filter(pk=batch.pk).update(heartbeat_at=stale)
    synthesis_batch_run(batch_id=batch.pk)
    assert len(openai_server.requests) == 1
    assert batch.items.get().status == ItemStatus.DONE
