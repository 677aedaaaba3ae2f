"""The task pages' forms and claim guard: unparseable input is refused naming the field, nothing stored."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from annotation.models import Adjudication, AnnotationTask, GoldStandard, TaskKind, TaskStatus
from annotation.services.extraction import literary_work_scan, work_upload
from annotation.services.review import dialogue_review_submit
from annotation.services.task_queue import TaskRefused, dialogue_review_tasks_create, gold_from_subject, task_claim_next
from platform_core.roles import Role
from roleplay.models import Dialogue, DialogueSource, DialogueStatus
from tests.factories import SyntheticDialogueFactory, TurnFactory

pytestmark = pytest.mark.django_db

NOVEL = "第一回 探病\n宝玉笑道：“妹妹今日可好些了？”黛玉道：“好不好的，与你什么相干。”\n"


@pytest.fixture(autouse=True)
def no_gold(settings):
    settings.ANNOTATION_GOLD_RATE = 0


@pytest.fixture
def reviewer(make_user):
    return make_user(Role.ANNOTATOR, profile__can_review_rewrites=True)


@pytest.fixture
def extractor(make_user):
    return make_user(Role.ANNOTATOR, profile__can_extract_literary=True)


def dialogue_with_turns(reviews=1):
    dialogue = SyntheticDialogueFactory()
    TurnFactory(dialogue=dialogue, seq=1, speaker="player", text="请问您今天的心情如何？")
    TurnFactory(dialogue=dialogue, seq=2, speaker="character", text="我今日之心情甚为愉悦。")
    dialogue_review_tasks_create(dialogue=dialogue, reviews=reviews)
    return dialogue


def test_a_task_page_of_someone_elses_claim_goes_back_to_the_queue_with_the_refusal(client, reviewer, make_user):
    dialogue_with_turns()
    task = task_claim_next(user=reviewer, kind=TaskKind.REWRITE_REVIEW)
    other = make_user(Role.ANNOTATOR, profile__can_review_rewrites=True)
    client.force_login(other)
    response = client.get(reverse("annotation:review-task", args=[task.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("annotation:review-queue")
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "This task is not claimed by you (it may have been released)."
    ]


def test_a_non_numeric_rating_is_refused_on_the_rating_field(client, reviewer):
    dialogue = dialogue_with_turns()
    turn = dialogue.turns.get(seq=2)
    client.force_login(reviewer)
    task_url = client.post(reverse("annotation:review-next"))["Location"]
    response = client.post(task_url, {f"text_{turn.pk}": "改过", "rating": "four", "decision": "accept"})
    assert response.status_code == 400
    assert (response.context["error"].code, response.context["error"].field) == ("bad_input", "rating")
    assert "改过" in response.content.decode()
    turn.refresh_from_db()
    assert turn.text == "我今日之心情甚为愉悦。"
    assert AnnotationTask.objects.get(dialogue=dialogue).status == TaskStatus.CLAIMED


def test_an_edit_of_a_line_from_another_dialogue_is_refused(client, reviewer):
    dialogue_with_turns()
    stranger = TurnFactory(dialogue=SyntheticDialogueFactory(), seq=1, speaker="player", text="别处的台词")
    client.force_login(reviewer)
    task_url = client.post(reverse("annotation:review-next"))["Location"]
    response = client.post(task_url, {f"text_{stranger.pk}": "改过", "rating": "3", "decision": "accept"})
    assert response.status_code == 400 and response.context["error"].code == "bad_turn"
    stranger.refresh_from_db()
    assert stranger.text == "别处的台词"


def test_adjudication_refuses_a_review_of_another_dialogue(client, admin_user, reviewer, make_user):
    dialogue = dialogue_with_turns(reviews=2)
    second = make_user(Role.ANNOTATOR, profile__can_review_rewrites=True)
    for user, decision in ((reviewer, "accept"), (second, "reject")):
        task = task_claim_next(user=user, kind=TaskKind.REWRITE_REVIEW)
        dialogue_review_submit(task=task, user=user, decision=decision, reason="太书面", rating=3, texts={})
    adjudication = Adjudication.objects.get(dialogue=dialogue)
    client.force_login(admin_user)
    url = reverse("annotation:adjudication-detail", args=[adjudication.pk])
    for chosen in ("999999", "x"):
        response = client.post(url, {"decision": "accept", "chosen_task": chosen, "note": ""})
        assert response.status_code == 400
        assert (response.context["error"].code, response.context["error"].field) == ("bad_choice", "chosen_task")
    dialogue.refresh_from_db()
    assert dialogue.status == DialogueStatus.SUBMITTED


def test_extraction_refuses_an_unknown_existing_character_and_a_bad_category(client, admin_user, extractor):
    work = work_upload(title="石头记", language="zh-hans", filename="n.txt", data=NOVEL.encode(), uploader=admin_user)
    literary_work_scan(work_id=work.pk)
    client.force_login(extractor)
    task_url = client.post(reverse("annotation:extraction-next"))["Location"]
    lines = {"role_0": "a", "text_0": "x", "role_1": "b", "text_1": "y", "action": "save"}
    for bad, expected in (({"a_existing": "999999"}, ("bad_character", "a_existing")),
                          ({"b_category": "dragons"}, ("bad_category", "b_category"))):  # fmt: skip
        response = client.post(task_url, {"a_name": "宝玉", "b_name": "黛玉", **lines, **bad})
        assert response.status_code == 400
        assert (response.context["error"].code, response.context["error"].field) == expected
    assert not Dialogue.objects.filter(source=DialogueSource.LITERARY).exists()
    page = client.post(task_url, {"a_name": "宝玉", "b_name": "黛玉", "a_identity": "公子", **lines, "role_1": "a"})
    html = page.content.decode()
    assert page.status_code == 400 and 'id="a_identity"' in html and ">公子</textarea>" in html


def test_gold_from_subject_refuses_an_unsettled_dialogue_and_an_unknown_kind(admin_user):
    unsettled = SyntheticDialogueFactory()
    with pytest.raises(TaskRefused) as caught:
        gold_from_subject(kind=TaskKind.REWRITE_REVIEW, subject_id=unsettled.pk, admin=admin_user)
    assert caught.value.code == "not_settled"
    with pytest.raises(TaskRefused) as caught:
        gold_from_subject(kind=TaskKind.PROMPT_WRITING, subject_id=unsettled.pk, admin=admin_user)
    assert caught.value.code == "bad_kind"
    assert not GoldStandard.objects.exists()


def test_gold_form_says_which_id_it_needs(client, admin_user):
    client.force_login(admin_user)
    response = client.post(reverse("annotation:gold-create"), {"kind": "rewrite_review", "subject": "abc"})
    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Give the id of a dialogue or of a submitted extraction task."
    ]
