"""Rewrites and prompts that carry contact details are refused with ``personal_data``, nothing is
stored, and the refusal is counted on the worker's record."""

import pytest

from annotation.models import AnnotationTask, TaskKind, TaskStatus
from annotation.services.prompts import prompt_variants_review, prompt_writing_tasks_create, written_prompt_submit
from annotation.services.review import dialogue_review_submit
from annotation.services.task_queue import TaskRefused, task_claim_next
from platform_core.models import AuditEvent
from platform_core.roles import Role
from roleplay.models import CharacterPrompt
from tests.annotation.test_review_flow import synthetic_dialogue
from tests.factories import CharacterFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewer(make_user):
    return make_user(Role.ANNOTATOR, profile__can_review_rewrites=True)


@pytest.fixture
def writer(make_user):
    return make_user(Role.CROWDWORKER, profile__can_write_prompts=True)


def test_a_rewrite_with_a_phone_number_is_refused_and_counted(reviewer, settings):
    settings.ANNOTATION_GOLD_RATE = 0
    dialogue = synthetic_dialogue(k=1)
    task = task_claim_next(user=reviewer, kind=TaskKind.REWRITE_REVIEW)
    first, second = list(dialogue.turns.order_by("seq"))[:2]
    with pytest.raises(TaskRefused) as caught:
        dialogue_review_submit(
            task=task,
            user=reviewer,
            decision="accept",
            reason="",
            rating=4,
            texts={first.pk: first.text, second.pk: "我今天心情不错，有事打我 139 1234 5678"},
        )
    assert caught.value.code == "personal_data"
    assert caught.value.field == f"text_{second.pk}"
    second.refresh_from_db()
    task.refresh_from_db()
    assert second.text == "我今日之心情甚为愉悦。" and second.original_text is None
    assert task.status == TaskStatus.CLAIMED and not task.result
    reviewer.profile.refresh_from_db()
    assert reviewer.profile.personal_data_refusals == 1
    event = AuditEvent.objects.get(action="privacy.refused")
    assert event.details == {"where": "rewrite_review", "kinds": ["phone"]}
    # The same review without the number goes through.
    dialogue_review_submit(
        task=task, user=reviewer, decision="accept", reason="", rating=4, texts={second.pk: "我今天心情不错。"}
    )
    task.refresh_from_db()
    assert task.status == TaskStatus.SUBMITTED


def test_a_line_left_as_it_was_is_not_the_reviewers_to_answer_for(reviewer, settings):
    settings.ANNOTATION_GOLD_RATE = 0
    dialogue = synthetic_dialogue(k=1)
    turn = dialogue.turns.get(seq=3)
    turn.text = "邮件发到 ann.lee@example.com"
    turn.save()
    task = task_claim_next(user=reviewer, kind=TaskKind.REWRITE_REVIEW)
    dialogue_review_submit(task=task, user=reviewer, decision="reject", reason="有邮箱", rating=1, texts={turn.pk: turn.text})
    reviewer.profile.refresh_from_db()
    assert reviewer.profile.personal_data_refusals == 0


def test_a_written_prompt_with_a_wechat_id_is_refused_and_counted(writer, admin_user, settings):
    settings.ANNOTATION_GOLD_RATE = 0
    character = CharacterFactory(name="老林", language="zh-hans")
    prompt_writing_tasks_create(characters=[character], admin=admin_user)
    task = task_claim_next(user=writer, kind=TaskKind.PROMPT_WRITING)
    with pytest.raises(TaskRefused) as caught:
        written_prompt_submit(task=task, user=writer, text="老林是守灯塔的老人，想聊天加我微信：lighthouse_88")
    assert (caught.value.code, caught.value.field) == ("personal_data", "text")
    assert "messaging handle" in caught.value.message
    assert not CharacterPrompt.objects.filter(character=character).exists()
    assert AnnotationTask.objects.get(pk=task.pk).status == TaskStatus.CLAIMED
    writer.profile.refresh_from_db()
    assert writer.profile.personal_data_refusals == 1


def test_an_edited_prompt_variant_with_an_email_is_refused_and_counted(writer, make_user):
    character = CharacterFactory(name="老林", language="zh-hans")
    author = make_user(Role.CROWDWORKER, profile__can_write_prompts=True)  # nobody reviews their own prompt
    written = CharacterPrompt.objects.create(
        character=character, kind="written", text="老林是一位在海岛上守了三十年灯塔的老人。", author=author
    )
    AnnotationTask.objects.create(kind=TaskKind.PROMPT_VARIANTS, prompt=written, character=character)
    task = task_claim_next(user=writer, kind=TaskKind.PROMPT_VARIANTS)
    with pytest.raises(TaskRefused) as caught:
        prompt_variants_review(
            task=task, user=writer, decisions={written.pk: ("edit", "老林守灯塔，有事写信到 laolin@163.com")}
        )
    assert (caught.value.code, caught.value.field) == ("personal_data", f"text_{written.pk}")
    written.refresh_from_db()
    assert written.text == "老林是一位在海岛上守了三十年灯塔的老人。"
    writer.profile.refresh_from_db()
    assert writer.profile.personal_data_refusals == 1
    # Accepting as it is (no edit) is not checked against the worker.
    prompt_variants_review(task=task, user=writer, decisions={written.pk: ("accept", "")})
    assert AnnotationTask.objects.get(pk=task.pk).status == TaskStatus.SUBMITTED
