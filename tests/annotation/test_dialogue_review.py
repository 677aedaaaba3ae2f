"""Every source gets a review queue: review tasks for each submitted dialogue, k reviews, adjudication,
and an author (a participant, the creator, a line's writer) never reviews their own work."""


import pytest
from django.db import connection
from django.urls import reverse

from annotation.models import Adjudication, AnnotationTask, GoldStandard, TaskKind, TaskStatus
from annotation.services.review import adjudication_resolve, dialogue_review_submit
from annotation.services.task_queue import (
    TaskRefused,
    dialogue_review_tasks_create,
    dialogue_review_tasks_sweep,
    gold_from_subject,
    task_claim_next,
)
from annotation.tasks import dialogue_review_tasks_sweep as sweep_task
from platform_core.roles import Role
from roleplay.models import DialogueSource, DialogueStatus
from roleplay.services import dialogue_set_status
from tests.concurrency import run_together
from tests.factories import DialogueFactory, ModelVersionFactory, SyntheticDialogueFactory, TurnFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_gold(settings):
    settings.ANNOTATION_GOLD_RATE = 0
    settings.ANNOTATION_REVIEWS_PER_DIALOGUE = 2
    settings.ANNOTATION_REVIEWS_PER_SOURCE = {}


@pytest.fixture
def reviewers(make_user):
    return [make_user(Role.ANNOTATOR, profile__can_review_rewrites=True) for _ in range(3)]


def finished_live_dialogue(character_worker=None, player_worker=None, **kwargs):
    """A live role-play as the session leaves it: turns by both workers, then submitted."""
    dialogue = DialogueFactory(character_worker=character_worker, player_worker=player_worker, **kwargs)
    TurnFactory(dialogue=dialogue, seq=1, speaker="player", text="你好呀", author_user=player_worker)
    TurnFactory(
        dialogue=dialogue, seq=2, speaker="character", text="你好，今天想聊什么？", author_user=character_worker
    )
    dialogue_set_status(dialogue=dialogue, status=DialogueStatus.SUBMITTED)
    return dialogue


def test_the_sweep_gives_every_submitted_dialogue_its_k_review_tasks_of_the_kind_its_source_needs(settings):
    settings.ANNOTATION_REVIEWS_PER_SOURCE = {DialogueSource.LITERARY: 3}
    live = finished_live_dialogue()
    machine = DialogueFactory(
        source=DialogueSource.HUMAN_MACHINE, model_version=ModelVersionFactory(), status=DialogueStatus.SUBMITTED
    )
    from annotation.models import LiteraryWork

    work = LiteraryWork.objects.create(title="红楼梦", language="zh-hans")
    literary = DialogueFactory(source=DialogueSource.LITERARY, literary_work=work, status=DialogueStatus.SUBMITTED)
    synthetic = SyntheticDialogueFactory()
    collecting = DialogueFactory(status=DialogueStatus.COLLECTING)

    assert sweep_task() == 2 + 2 + 3 + 2
    kinds = {
        dialogue.pk: sorted(AnnotationTask.objects.filter(dialogue=dialogue).values_list("kind", "slot"))
        for dialogue in (live, machine, literary, synthetic, collecting)
    }
    review = TaskKind.DIALOGUE_REVIEW
    assert kinds[live.pk] == kinds[machine.pk] == [(review, 1), (review, 2)]
    assert kinds[literary.pk] == [(review, 1), (review, 2), (review, 3)]
    assert kinds[synthetic.pk] == [(TaskKind.REWRITE_REVIEW, 1), (TaskKind.REWRITE_REVIEW, 2)]
    assert kinds[collecting.pk] == []
    assert dialogue_review_tasks_sweep() == 0  # nothing twice
    assert dialogue_review_tasks_create(dialogue=live) == []


def test_open_review_tasks_of_a_dialogue_settled_elsewhere_are_cancelled_and_a_late_review_changes_nothing(
    reviewers,
):
    dialogue = finished_live_dialogue()
    claimed = task_claim_next(user=reviewers[0], kind=TaskKind.DIALOGUE_REVIEW)
    dialogue_set_status(dialogue=dialogue, status=DialogueStatus.ACCEPTED, note="fine (admin)")
    dialogue_review_tasks_sweep()
    statuses = dict(AnnotationTask.objects.filter(dialogue=dialogue).values_list("slot", "status"))
    assert statuses == {claimed.slot: TaskStatus.CLAIMED, 3 - claimed.slot: TaskStatus.CANCELLED}
    dialogue_review_submit(task=claimed, user=reviewers[0], decision="reject", reason="dull", rating=1)
    dialogue.refresh_from_db()
    assert (dialogue.status, dialogue.review_note) == (DialogueStatus.ACCEPTED, "fine (admin)")


def test_a_submitted_live_dialogue_is_claimable_at_once_and_two_agreeing_reviews_accept_it(reviewers):
    dialogue = finished_live_dialogue()
    first = task_claim_next(user=reviewers[0], kind=TaskKind.DIALOGUE_REVIEW)
    second = task_claim_next(user=reviewers[1], kind=TaskKind.DIALOGUE_REVIEW)
    assert first.dialogue == second.dialogue == dialogue and first.slot != second.slot
    dialogue_review_submit(task=first, user=reviewers[0], decision="accept", reason="", rating=4, out_of_character=[])
    dialogue.refresh_from_db()
    assert dialogue.status == DialogueStatus.SUBMITTED  # waiting for the second review
    turn = dialogue.turns.get(seq=2)
    dialogue_review_submit(
        task=second, user=reviewers[1], decision="accept", reason="natural", rating=5, out_of_character=[turn.pk]
    )
    dialogue.refresh_from_db()
    turn.refresh_from_db()
    assert (dialogue.status, dialogue.quality_rating, dialogue.review_note) == (DialogueStatus.ACCEPTED, 4.5, "natural")
    assert turn.out_of_character and turn.text == "你好，今天想聊什么？" and turn.original_text is None


def test_split_reviews_of_a_human_machine_dialogue_go_to_adjudication(reviewers, admin_user):
    dialogue = DialogueFactory(
        source=DialogueSource.HUMAN_MACHINE, model_version=ModelVersionFactory(), player_worker=reviewers[2]
    )
    TurnFactory(dialogue=dialogue, seq=1, speaker="player", text="hi", author_user=reviewers[2])
    dialogue_set_status(dialogue=dialogue, status=DialogueStatus.SUBMITTED)
    for reviewer, decision in zip(reviewers[:2], ["accept", "reject"], strict=True):
        task = task_claim_next(user=reviewer, kind=TaskKind.DIALOGUE_REVIEW)
        dialogue_review_submit(task=task, user=reviewer, decision=decision, reason="short", rating=2)
    adjudication = Adjudication.objects.get(dialogue=dialogue)
    adjudication_resolve(adjudication=adjudication, admin=admin_user, decision="reject", chosen_task=None, note="")
    dialogue.refresh_from_db()
    assert dialogue.status == DialogueStatus.REJECTED and dialogue.quality_rating == 2


def test_no_participant_creator_or_line_writer_is_given_the_review_of_their_dialogue(make_user, reviewers):
    character_worker, player_worker, creator = reviewers
    other = make_user(Role.ANNOTATOR, profile__can_review_rewrites=True)
    dialogue = finished_live_dialogue(character_worker=character_worker, player_worker=player_worker)
    dialogue.creator = creator
    dialogue.save()
    for author in (character_worker, player_worker, creator):
        assert task_claim_next(user=author, kind=TaskKind.DIALOGUE_REVIEW) is None
    assert task_claim_next(user=other, kind=TaskKind.DIALOGUE_REVIEW).dialogue == dialogue
    # A line written by someone who holds no seat (e.g. a replacement) counts as authorship too.
    edited = finished_live_dialogue()
    TurnFactory(dialogue=edited, seq=3, speaker="player", text="再见")
    edited.turns.filter(seq=3).update(author_user=make_user(Role.ANNOTATOR, profile__can_review_rewrites=True))
    writer = edited.turns.get(seq=3).author_user
    assert task_claim_next(user=writer, kind=TaskKind.DIALOGUE_REVIEW).dialogue != edited


def test_an_admin_who_took_part_cannot_adjudicate_the_dialogue(reviewers, make_user):
    admin_player = make_user(Role.ADMIN)
    dialogue = finished_live_dialogue(player_worker=admin_player)
    for reviewer, decision in zip(reviewers[:2], ["accept", "reject"], strict=True):
        task = task_claim_next(user=reviewer, kind=TaskKind.DIALOGUE_REVIEW)
        dialogue_review_submit(task=task, user=reviewer, decision=decision, reason="why", rating=3)
    adjudication = Adjudication.objects.get(dialogue=dialogue)
    with pytest.raises(TaskRefused) as refused:
        adjudication_resolve(
            adjudication=adjudication, admin=admin_player, decision="accept", chosen_task=None, note=""
        )
    assert refused.value.code == "own_work"
    dialogue.refresh_from_db()
    assert dialogue.status == DialogueStatus.SUBMITTED


def test_a_dialogue_review_refuses_rewritten_lines_and_stores_nothing(reviewers):
    dialogue = finished_live_dialogue()
    task = task_claim_next(user=reviewers[0], kind=TaskKind.DIALOGUE_REVIEW)
    line = dialogue.turns.get(seq=1)
    with pytest.raises(TaskRefused) as refused:
        dialogue_review_submit(
            task=task, user=reviewers[0], decision="accept", reason="", rating=4, texts={line.pk: "您好"}
        )
    assert refused.value.code == "no_rewrites"
    task.refresh_from_db()
    line.refresh_from_db()
    assert task.status == TaskStatus.CLAIMED and line.text == "你好呀"


def test_the_source_filter_serves_only_dialogues_of_that_source(reviewers):
    live = finished_live_dialogue()
    machine = DialogueFactory(source=DialogueSource.HUMAN_MACHINE, model_version=ModelVersionFactory())
    dialogue_set_status(dialogue=machine, status=DialogueStatus.SUBMITTED)
    task = task_claim_next(user=reviewers[0], kind=TaskKind.DIALOGUE_REVIEW, source=DialogueSource.HUMAN_MACHINE)
    assert task.dialogue == machine != live


def test_a_settled_live_dialogue_becomes_a_gold_dialogue_review_but_not_a_gold_rewrite_review(admin_user):
    dialogue = finished_live_dialogue()
    dialogue_set_status(dialogue=dialogue, status=DialogueStatus.REJECTED, note="off-topic")
    with pytest.raises(TaskRefused) as refused:
        gold_from_subject(kind=TaskKind.REWRITE_REVIEW, subject_id=dialogue.pk, admin=admin_user)
    assert refused.value.code == "wrong_source"
    gold = gold_from_subject(kind=TaskKind.DIALOGUE_REVIEW, subject_id=dialogue.pk, admin=admin_user)
    assert (gold.kind, gold.answer) == (TaskKind.DIALOGUE_REVIEW, {"decision": "reject"})
    assert GoldStandard.objects.count() == 1


def test_the_dialogue_review_page_shows_the_transcript_read_only_and_settles_with_a_note(client, reviewers, settings):
    settings.ANNOTATION_REVIEWS_PER_DIALOGUE = 1
    dialogue = finished_live_dialogue()
    client.force_login(reviewers[0])
    queue = client.get(reverse("annotation:dialogue-review-queue"))
    sources = {row["code"]: row["open"] for row in queue.context["sources"]}
    assert sources == {DialogueSource.HUMAN_ROLEPLAY: 1, DialogueSource.LITERARY: 0, DialogueSource.HUMAN_MACHINE: 0}
    task_url = client.post(reverse("annotation:dialogue-review-next"), {"source": "human_roleplay"})["Location"]
    page = client.get(task_url)
    html = page.content.decode()
    assert "你好，今天想聊什么？" in html and '<textarea name="text_' not in html
    missing_note = client.post(task_url, {"decision": "reject", "rating": "2"})
    assert missing_note.status_code == 400 and missing_note.context["error"].field == "reason"
    response = client.post(task_url, {"decision": "reject", "rating": "2", "reason": "the player spams"})
    assert response.status_code == 302 and response["Location"] == reverse("annotation:dialogue-review-queue")
    dialogue.refresh_from_db()
    assert (dialogue.status, dialogue.review_note, dialogue.quality_rating) == (
        DialogueStatus.REJECTED,
        "the player spams",
        2,
    )


def test_an_unknown_source_is_refused_naming_it(client, reviewers):
    client.force_login(reviewers[0])
    response = client.post(reverse("annotation:dialogue-review-next"), {"source": "telepathy"}, follow=True)
    assert "Unknown source." in response.content.decode()
    assert not AnnotationTask.objects.filter(status=TaskStatus.CLAIMED).exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent writers (PostgreSQL)")
def test_sweeps_racing_for_the_same_dialogues_create_each_task_once():
    dialogues = [finished_live_dialogue() for _ in range(5)]
    results = run_together(*[dialogue_review_tasks_sweep] * 4)
    errors = [result for result in results if isinstance(result, Exception)]
    assert errors == []
    slots = sorted(AnnotationTask.objects.values_list("dialogue_id", "slot"))
    assert slots == sorted((dialogue.pk, slot) for dialogue in dialogues for slot in (1, 2))
