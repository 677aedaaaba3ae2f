import pytest
from django.urls import reverse

from annotation.models import AnnotationTask, TaskKind, TaskStatus
from annotation.services.prompts import prompt_augment_start, prompt_writing_tasks_create, written_prompt_submit
from annotation.services.task_queue import task_claim_next
from platform_core.models import AuditEvent
from platform_core.roles import Role
from roleplay.models import CharacterPrompt, PromptKind, ReviewStatus
from tests.factories import CharacterFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def writer(make_user):
    return make_user(Role.CROWDWORKER, profile__can_write_prompts=True)


def variant_responder(body):
    prompt = body["messages"][-1]["content"]
    if prompt.startswith("Summarise"):
        return "灯塔看守人，温柔。"
    if prompt.startswith("Paraphrase"):
        return "一位守着灯塔的温柔老人。"
    return "我是守灯塔的人，风再大我也在。"


def test_crowdworker_writes_a_prompt_and_the_llm_adds_three_variants(
    client, writer, make_user, admin_user, llm_settings, openai_server, committed, settings
):
    settings.ANNOTATION_GOLD_RATE = 0
    openai_server.responder = variant_responder
    character = CharacterFactory(name="老林", language="zh-hans")
    client.force_login(admin_user)
    client.post(reverse("annotation:prompt-tasks-create"))
    assert AnnotationTask.objects.filter(kind=TaskKind.PROMPT_WRITING, character=character).count() == 1
    client.force_login(writer)
    task_url = client.post(reverse("annotation:prompt-next", args=["prompt_writing"]))["Location"]
    page = client.get(task_url).content.decode()
    assert "A lighthouse keeper on a windy island." in page  # the structured profile is shown
    short = client.post(task_url, {"text": "太短"})
    assert short.status_code == 400
    with committed():
        response = client.post(task_url, {"text": "老林是一位在海岛上守了三十年灯塔的老人，说话慢，心肠软。"})
    assert response.status_code == 302
    written = CharacterPrompt.objects.get(character=character, kind=PromptKind.WRITTEN)
    assert written.author == writer
    variants = {p.kind: p for p in written.augmentations.all()}
    assert set(variants) == {PromptKind.SUMMARY, PromptKind.PARAPHRASE, PromptKind.STYLIZED}
    assert variants[PromptKind.STYLIZED].text.startswith("我是")
    assert "老林是一位" in openai_server.requests[0].body["messages"][-1]["content"]
    # The author never reviews the variants of their own prompt; another crowdworker does.
    client.post(reverse("annotation:prompt-next", args=["prompt_variants"]))
    assert not AnnotationTask.objects.filter(kind=TaskKind.PROMPT_VARIANTS, assignee=writer).exists()
    client.force_login(make_user(Role.CROWDWORKER, profile__can_write_prompts=True))
    review_url = client.post(reverse("annotation:prompt-next", args=["prompt_variants"]))["Location"]
    incomplete = client.post(review_url, {f"decision_{written.pk}": "accept"})
    assert incomplete.status_code == 400
    response = client.post(
        review_url,
        {
            f"decision_{written.pk}": "accept",
            f"decision_{variants[PromptKind.SUMMARY].pk}": "reject",
            f"decision_{variants[PromptKind.PARAPHRASE].pk}": "edit",
            f"text_{variants[PromptKind.PARAPHRASE].pk}": "一位在海岛上守灯塔的老人，温柔而固执。",
            f"decision_{variants[PromptKind.STYLIZED].pk}": "accept",
        },
    )
    assert response.status_code == 302
    statuses = {p.kind: (p.review_status, p.text) for p in CharacterPrompt.objects.filter(character=character)}
    assert statuses[PromptKind.WRITTEN][0] == ReviewStatus.ACCEPTED
    assert statuses[PromptKind.SUMMARY][0] == ReviewStatus.REJECTED
    assert statuses[PromptKind.PARAPHRASE] == (ReviewStatus.ACCEPTED, "一位在海岛上守灯塔的老人，温柔而固执。")


def test_failed_augmentation_is_recorded_and_can_be_requested_again(writer, llm_settings, openai_server, committed):
    llm_settings.LLM_API_KEY = "sk-wrong"
    character = CharacterFactory(name="阿木", language="zh-hans")
    prompt_writing_tasks_create(characters=[character], admin=None)
    task = task_claim_next(user=writer, kind=TaskKind.PROMPT_WRITING)
    with committed():
        written = written_prompt_submit(task=task, user=writer, text="阿木是一个沉默寡言的木匠，手艺极好。")
    assert not written.augmentations.exists()
    assert AuditEvent.objects.filter(action="prompt.augment_failed").exists()
    llm_settings.LLM_API_KEY = openai_server.api_key
    openai_server.responder = variant_responder
    with committed():
        prompt_augment_start(prompt=written)
    assert written.augmentations.count() == 3
    assert AnnotationTask.objects.get(kind=TaskKind.PROMPT_VARIANTS).status == TaskStatus.OPEN


def test_annotators_cannot_open_prompt_pages(client, annotator):
    client.force_login(annotator)
    assert client.get(reverse("annotation:prompt-queue")).status_code == 403
