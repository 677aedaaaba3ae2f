from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from annotation.models import Adjudication, AnnotationTask, TaskKind, TaskStatus
from annotation.services.review import dialogue_review_submit
from annotation.services.task_queue import (
    TaskRefused,
    annotator_block,
    dialogue_review_tasks_create,
    gold_create,
    task_claim_next,
)
from platform_core.models import BlockStatus
from platform_core.roles import Role
from roleplay.models import DialogueStatus
from tests.factories import SyntheticDialogueFactory, TurnFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewer(make_user):
    return make_user(Role.ANNOTATOR, profile__can_review_rewrites=True)


@pytest.fixture
def second_reviewer(make_user):
    return make_user(Role.ANNOTATOR, profile__can_review_rewrites=True)


def synthetic_dialogue(k=1):
    dialogue = SyntheticDialogueFactory()
    TurnFactory(dialogue=dialogue, seq=1, speaker="player", text="请问您今天的心情如何？")
    TurnFactory(dialogue=dialogue, seq=2, speaker="character", text="我今日之心情甚为愉悦。")
    TurnFactory(dialogue=dialogue, seq=3, speaker="player", text="那太好了。")
    dialogue_review_tasks_create(dialogue=dialogue, reviews=k)
    return dialogue


def claim(client):
    response = client.post(reverse("annotation:review-next"))
    assert response.status_code == 302
    return response["Location"]


def test_annotator_rewrites_a_line_and_accepts_through_the_pages(client, reviewer, settings):
    settings.ANNOTATION_GOLD_RATE = 0
    dialogue = synthetic_dialogue(k=1)
    turns = list(dialogue.turns.all())
    client.force_login(reviewer)
    task_url = claim(client)
    page = client.get(task_url)
    assert page.status_code == 200
    assert "我今日之心情甚为愉悦。" in page.content.decode()
    response = client.post(
        task_url,
        {
            **{f"text_{turn.pk}": turn.text for turn in turns},
            f"text_{turns[1].pk}": "我今天心情挺好的！",
            "ooc": [str(turns[2].pk)],
            "rating": "4",
            "decision": "accept",
            "reason": "",
        },
    )
    assert response.status_code == 302
    dialogue.refresh_from_db()
    assert dialogue.status == DialogueStatus.ACCEPTED
    assert dialogue.quality_rating == 4
    rewritten = dialogue.turns.get(seq=2)
    assert rewritten.text == "我今天心情挺好的！"
    assert rewritten.original_text == "我今日之心情甚为愉悦。"
    assert dialogue.turns.get(seq=1).original_text is None  # untouched lines keep no original
    assert dialogue.turns.get(seq=3).out_of_character


def test_rejecting_without_a_reason_is_refused_and_nothing_is_stored(client, reviewer, settings):
    settings.ANNOTATION_GOLD_RATE = 0
    dialogue = synthetic_dialogue(k=1)
    client.force_login(reviewer)
    task_url = claim(client)
    turn = dialogue.turns.get(seq=2)
    response = client.post(task_url, {f"text_{turn.pk}": "改过的句子", "rating": "2", "decision": "reject"})
    assert response.status_code == 400
    assert response.context["error"].field == "reason"
    assert "改过的句子" in response.content.decode()  # the edit is kept in the form
    task = AnnotationTask.objects.get(dialogue=dialogue)
    assert task.status == TaskStatus.CLAIMED
    turn.refresh_from_db()
    assert turn.text == "我今日之心情甚为愉悦。"


def test_missing_rating_and_empty_line_are_refused(reviewer, settings):
    settings.ANNOTATION_GOLD_RATE = 0
    dialogue = synthetic_dialogue(k=1)
    task = task_claim_next(user=reviewer, kind=TaskKind.REWRITE_REVIEW)
    turn = dialogue.turns.first()
    with pytest.raises(TaskRefused) as caught:
        dialogue_review_submit(task=task, user=reviewer, decision="accept", reason="", rating=None, texts={})
    assert caught.value.field == "rating"
    with pytest.raises(TaskRefused) as caught:
        dialogue_review_submit(task=task, user=reviewer, decision="accept", reason="", rating=3, texts={turn.pk: "  "})
    assert caught.value.code == "empty_line"


def test_k_reviews_are_independent_and_disagreement_goes_to_adjudication(
    client, reviewer, second_reviewer, admin_user, settings
):
    settings.ANNOTATION_GOLD_RATE = 0
    dialogue = synthetic_dialogue(k=2)
    first = task_claim_next(user=reviewer, kind=TaskKind.REWRITE_REVIEW)
    # The same annotator never gets the second slot of a dialogue they already hold.
    dialogue_review_submit(
        task=first, user=reviewer, decision="accept", reason="", rating=4,
        texts={dialogue.turns.get(seq=2).pk: "我今天挺开心的。"},
    )  # fmt: skip
    assert task_claim_next(user=reviewer, kind=TaskKind.REWRITE_REVIEW) is None
    dialogue.refresh_from_db()
    assert dialogue.status == DialogueStatus.SUBMITTED  # waiting for the second review
    second = task_claim_next(user=second_reviewer, kind=TaskKind.REWRITE_REVIEW)
    assert second.slot == 2
    dialogue_review_submit(task=second, user=second_reviewer, decision="reject", reason="太书面", rating=2, texts={})
    adjudication = Adjudication.objects.get(dialogue=dialogue)
    client.force_login(admin_user)
    page = client.get(reverse("annotation:adjudication-detail", args=[adjudication.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "<del>" in html and "<ins>" in html  # the first reviewer's rewrite, shown as a diff
    assert "太书面" in html  # the second reviewer's reason
    response = client.post(
        reverse("annotation:adjudication-detail", args=[adjudication.pk]),
        {"decision": "accept", "chosen_task": str(first.pk), "note": "口语化改写可用"},
    )
    assert response.status_code == 302
    dialogue.refresh_from_db()
    assert dialogue.status == DialogueStatus.ACCEPTED
    assert dialogue.turns.get(seq=2).text == "我今天挺开心的。"
    adjudication.refresh_from_db()
    assert adjudication.resolved_by == admin_user


def test_expired_claims_return_to_the_queue(reviewer, second_reviewer, settings):
    settings.ANNOTATION_GOLD_RATE = 0
    synthetic_dialogue(k=1)
    task = task_claim_next(user=reviewer, kind=TaskKind.REWRITE_REVIEW)
    AnnotationTask.objects.filter(pk=task.pk).update(claim_expires_at=timezone.now() - timedelta(seconds=1))
    taken = task_claim_next(user=second_reviewer, kind=TaskKind.REWRITE_REVIEW)
    assert taken.pk == task.pk and taken.assignee == second_reviewer
    with pytest.raises(TaskRefused) as caught:
        dialogue_review_submit(task=task, user=reviewer, decision="accept", reason="", rating=3, texts={})
    assert caught.value.code == "not_yours"


def test_release_puts_the_task_back(client, reviewer, settings):
    settings.ANNOTATION_GOLD_RATE = 0
    synthetic_dialogue(k=1)
    client.force_login(reviewer)
    task_url = claim(client)
    task = AnnotationTask.objects.get()
    response = client.post(reverse("annotation:task-release", args=[task.pk]))
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN and task.assignee is None
    assert client.get(task_url).status_code == 302  # no longer this annotator's page


def test_gold_tasks_are_mixed_in_and_scored(reviewer, admin_user, settings):
    settings.ANNOTATION_GOLD_RATE = 1.0
    settled = synthetic_dialogue(k=0)
    gold_create(kind=TaskKind.REWRITE_REVIEW, answer={"decision": "reject"}, admin=admin_user, dialogue=settled)
    synthetic_dialogue(k=1)
    gold_task = task_claim_next(user=reviewer, kind=TaskKind.REWRITE_REVIEW)
    assert gold_task.gold is not None
    dialogue_review_submit(task=gold_task, user=reviewer, decision="accept", reason="", rating=3, texts={})
    gold_task.refresh_from_db()
    assert gold_task.gold_score == 0.0
    settled.refresh_from_db()
    assert settled.status == DialogueStatus.SUBMITTED  # a gold answer never changes the corpus
    # Each gold task is served once per annotator; the real task comes next.
    real = task_claim_next(user=reviewer, kind=TaskKind.REWRITE_REVIEW)
    assert real.gold is None


def test_annotator_without_the_qualification_or_blocked_gets_no_task(make_user, reviewer, admin_user, settings):
    settings.ANNOTATION_GOLD_RATE = 0
    synthetic_dialogue(k=1)
    unqualified = make_user(Role.ANNOTATOR)
    with pytest.raises(TaskRefused) as caught:
        task_claim_next(user=unqualified, kind=TaskKind.REWRITE_REVIEW)
    assert caught.value.code == "not_qualified"
    task = task_claim_next(user=reviewer, kind=TaskKind.REWRITE_REVIEW)
    assert annotator_block(user=reviewer, admin=admin_user, reason="copy-paste answers") == 1
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN and task.assignee is None
    reviewer.profile.refresh_from_db()
    assert reviewer.profile.block_status == BlockStatus.BLOCKED
    with pytest.raises(TaskRefused, match="blocked"):
        task_claim_next(user=reviewer, kind=TaskKind.REWRITE_REVIEW)


def test_crowdworkers_cannot_open_review_pages(client, crowdworker):
    client.force_login(crowdworker)
    response = client.get(reverse("annotation:review-queue"))
    assert response.status_code == 403


def test_review_page_shows_keyboard_shortcuts_and_escapes_text(client, reviewer, settings):
    settings.ANNOTATION_GOLD_RATE = 0
    dialogue = SyntheticDialogueFactory()
    TurnFactory(dialogue=dialogue, seq=1, speaker="player", text="<script>alert(1)</script>")
    TurnFactory(dialogue=dialogue, seq=2, speaker="character", text="ok")
    dialogue_review_tasks_create(dialogue=dialogue, reviews=1)
    client.force_login(reviewer)
    page = client.get(claim(client)).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<kbd>a</kbd>" in page and "review.js" in page
