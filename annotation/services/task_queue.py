"""The annotation task queue: who may work, claiming, releasing, submitting, gold tasks, blocking."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from annotation.models import REVIEW_KINDS, AnnotationTask, GoldStandard, TaskKind, TaskStatus
from platform_core.errors import Refused
from platform_core.models import BlockStatus, User
from platform_core.privacy.checks import PersonalDataRefused, contact_details_guard
from platform_core.selectors import profile_of
from platform_core.services import worker_block
from roleplay.models import Dialogue, DialogueSource, DialogueStatus, Turn
from workforce.services.errors import WorkforceError
from workforce.services.limits import work_limit_check
from workforce.services.units import unit_open


class TaskRefused(Refused):
    """A queue or submission action that may not happen; ``field`` names the bad input if any."""

    def __init__(self, code: str, message: str, field: str = "") -> None:
        super().__init__(code, message)
        self.field = field


def contact_details_refuse(*, user: User, where: str, texts: dict[str, str | None]) -> None:
    """Refuse texts that carry contact details (``TaskRefused("personal_data")`` naming the field),
    counted on the worker's record; call it before the transaction that stores the texts."""
    try:
        contact_details_guard(user=user, where=where, texts=texts)
    except PersonalDataRefused as refused:
        raise TaskRefused(refused.code, refused.message, field=refused.field) from None


QUALIFICATION_FOR_KIND = {
    TaskKind.REWRITE_REVIEW: "can_review_rewrites",
    TaskKind.EXTRACTION: "can_extract_literary",
    TaskKind.PROMPT_WRITING: "can_write_prompts",
    TaskKind.PROMPT_VARIANTS: "can_write_prompts",
    TaskKind.DIALOGUE_REVIEW: "can_review_rewrites",
}


def claim_timeout() -> timedelta:
    return timedelta(minutes=settings.ANNOTATION_CLAIM_TIMEOUT_MINUTES)


def _requeue(held: QuerySet[AnnotationTask]) -> int:
    """Put claimed tasks back in the queue; gold copies are cancelled instead. Returns how many."""
    cancelled = held.filter(gold__isnull=False).update(status=TaskStatus.CANCELLED)
    released = held.filter(gold__isnull=True).update(
        status=TaskStatus.OPEN, assignee=None, claimed_at=None, claim_expires_at=None
    )
    return released + cancelled


def tasks_release_expired(*, now=None) -> int:
    """Return claimed tasks whose claim ran out to the queue; gold copies are cancelled instead."""
    now = now or timezone.now()
    return _requeue(AnnotationTask.objects.filter(status=TaskStatus.CLAIMED, claim_expires_at__lt=now))


def worker_may_work(user: User, kind: str) -> None:
    profile = profile_of(user)
    if profile.is_blocked or profile.is_soft_blocked:
        raise TaskRefused("blocked", _("Your account is blocked from annotation work."))
    qualification = QUALIFICATION_FOR_KIND[kind]
    if not getattr(profile, qualification):
        raise TaskRefused(
            "not_qualified", _("Your profile lacks the qualification %(name)s; ask an admin.") % {"name": qualification}
        )


# --- Review tasks for every submitted dialogue ------------------------------------------------


def review_kind_for(dialogue: Dialogue) -> str:
    """LLM dialogues get a rewrite review (lines rewritten into spoken style); the others a dialogue review."""
    return TaskKind.REWRITE_REVIEW if dialogue.source == DialogueSource.LLM_SYNTHESIS else TaskKind.DIALOGUE_REVIEW


def reviews_per_dialogue(source: str) -> int:
    """k, the independent reviews a dialogue of ``source`` gets (per source, else the common setting)."""
    return settings.ANNOTATION_REVIEWS_PER_SOURCE.get(source) or settings.ANNOTATION_REVIEWS_PER_DIALOGUE


def dialogue_review_tasks_create(*, dialogue: Dialogue, reviews: int | None = None) -> list[AnnotationTask]:
    """The k review tasks of a submitted dialogue, those missing only: safe to call again, and from
    two processes at once (a slot that exists already is skipped)."""
    k = reviews or reviews_per_dialogue(dialogue.source)
    existing = set(
        AnnotationTask.objects.filter(kind__in=REVIEW_KINDS, dialogue=dialogue, gold=None).values_list(
            "slot", flat=True
        )
    )
    kind = review_kind_for(dialogue)
    missing = [
        AnnotationTask(kind=kind, dialogue=dialogue, slot=slot) for slot in range(1, k + 1) if slot not in existing
    ]
    AnnotationTask.objects.bulk_create(missing, ignore_conflicts=True)
    return list(
        AnnotationTask.objects.filter(kind=kind, dialogue=dialogue, gold=None, slot__in=[t.slot for t in missing])
    )


@transaction.atomic
def dialogue_review_tasks_sweep(*, limit: int = 2000) -> int:
    """Review tasks for every submitted dialogue that has none, whatever made it submitted (a live or
    human–machine session, an extraction, an edit in the Django admin); open review tasks of a dialogue
    settled some other way are cancelled. Run by beat and before a review is claimed. Returns how many
    tasks it added (a sweep running at the same moment may have added some of them first)."""
    has_review = AnnotationTask.objects.filter(dialogue=OuterRef("pk"), kind__in=REVIEW_KINDS, gold=None)
    waiting = Dialogue.objects.filter(status=DialogueStatus.SUBMITTED).exclude(Exists(has_review)).order_by("pk")
    tasks = [
        AnnotationTask(kind=review_kind_for(dialogue), dialogue=dialogue, slot=slot)
        for dialogue in waiting.only("pk", "source")[:limit]
        for slot in range(1, reviews_per_dialogue(dialogue.source) + 1)
    ]
    created = len(AnnotationTask.objects.bulk_create(tasks, ignore_conflicts=True))
    AnnotationTask.objects.filter(kind__in=REVIEW_KINDS, status=TaskStatus.OPEN, gold=None).exclude(
        dialogue__status=DialogueStatus.SUBMITTED
    ).update(status=TaskStatus.CANCELLED)
    return created


# --- An author never reviews their own work -----------------------------------------------------


def own_dialogues(user: User) -> QuerySet[Dialogue]:
    """Dialogues ``user`` authored: created (an extraction, a batch), took a seat in (a live or
    human–machine session), or wrote a line of."""
    return Dialogue.objects.filter(
        Q(creator=user)
        | Q(character_worker=user)
        | Q(player_worker=user)
        | Q(pk__in=Turn.objects.filter(author_user=user).values("dialogue_id"))
    )


def not_own_work(tasks: QuerySet[AnnotationTask], user: User) -> QuerySet[AnnotationTask]:
    """``tasks`` less those on ``user``'s own work: their dialogues, and the prompts they wrote."""
    return tasks.exclude(dialogue__in=own_dialogues(user).values("pk")).exclude(prompt__author=user)


def _gold_for(user: User, kind: str) -> GoldStandard | None:
    served = AnnotationTask.objects.filter(assignee=user, gold__isnull=False).values("gold_id")
    golds = GoldStandard.objects.filter(kind=kind, active=True).exclude(pk__in=served)
    return golds.exclude(dialogue__in=own_dialogues(user).values("pk")).order_by("?").first()


def task_claim_next(
    *, user: User, kind: str, source: str | None = None, rng: random.Random | None = None
) -> AnnotationTask | None:
    """The user's current task of ``kind``, or the next open one (a gold task at the gold rate) that is
    not their own work; ``source`` keeps review tasks to dialogues of that source."""
    worker_may_work(user, kind)
    now = timezone.now()
    tasks_release_expired(now=now)
    if kind in REVIEW_KINDS:
        dialogue_review_tasks_sweep()
    current = AnnotationTask.objects.filter(assignee=user, kind=kind, status=TaskStatus.CLAIMED).first()
    if current is not None:
        return current
    _work_limit(user)
    expires = now + claim_timeout()
    if (rng or random).random() < settings.ANNOTATION_GOLD_RATE:
        gold = _gold_for(user, kind)
        if gold is not None:
            return _unit_opened(AnnotationTask.objects.create(
                kind=kind,
                status=TaskStatus.CLAIMED,
                slot=0,
                assignee=user,
                claimed_at=now,
                claim_expires_at=expires,
                dialogue=gold.dialogue,
                candidate=gold.candidate,
                gold=gold,
            ))
    # Independent reviews: never a second slot of a subject this user has already worked on.
    mine = AnnotationTask.objects.filter(assignee=user, gold__isnull=True)
    open_tasks = not_own_work(AnnotationTask.objects.filter(kind=kind, status=TaskStatus.OPEN, gold__isnull=True), user)
    if source:
        open_tasks = open_tasks.filter(dialogue__source=source)
    open_tasks = open_tasks.exclude(dialogue__in=mine.exclude(dialogue=None).values("dialogue"))
    open_tasks = open_tasks.exclude(candidate__in=mine.exclude(candidate=None).values("candidate"))
    for task_id in open_tasks.order_by("created_at", "id").values_list("pk", flat=True)[:20]:
        # A conditional update is the claim: of two annotators racing for a task, one wins.
        won = AnnotationTask.objects.filter(pk=task_id, status=TaskStatus.OPEN).update(
            status=TaskStatus.CLAIMED, assignee=user, claimed_at=now, claim_expires_at=expires
        )
        if won:
            return _unit_opened(AnnotationTask.objects.get(pk=task_id))
    return None


def _work_limit(user: User) -> None:
    """The workforce's per-worker limits (tasks a minute, work awaiting review), as a refusal."""
    try:
        work_limit_check(worker=user)
    except WorkforceError as error:
        raise TaskRefused(error.code, error.message) from None


def _unit_opened(task: AnnotationTask) -> AnnotationTask:
    """A claimed task is a workforce unit in progress from the moment of the claim."""
    unit_open(worker=task.assignee, kind=task.kind, subject_id=task.pk, started_at=task.claimed_at)
    return task


def task_for_worker(*, task: AnnotationTask, user: User) -> AnnotationTask:
    """Refuse work on a task that is not this user's live claim."""
    if task.assignee_id != user.pk or task.status != TaskStatus.CLAIMED:
        raise TaskRefused("not_yours", _("This task is not claimed by you (it may have been released)."))
    if task.claim_expires_at and task.claim_expires_at < timezone.now():
        tasks_release_expired()
        raise TaskRefused("expired", _("Your claim on this task ran out; it went back to the queue."))
    return task


@transaction.atomic
def task_release(*, task: AnnotationTask, user: User) -> None:
    task = AnnotationTask.objects.select_for_update().get(pk=task.pk)
    task_for_worker(task=task, user=user)
    _requeue(AnnotationTask.objects.filter(pk=task.pk))


def task_submit(*, task: AnnotationTask, result: dict[str, Any]) -> None:
    """Store a worker's answer (and ``task.gold_score``, if set) and mark the task submitted."""
    task.result = result
    task.status = TaskStatus.SUBMITTED
    task.submitted_at = timezone.now()
    task.save(update_fields=["result", "status", "submitted_at", "gold_score"])


@transaction.atomic
def gold_create(
    *, kind: str, answer: dict[str, Any], admin: User | None, dialogue=None, candidate=None
) -> GoldStandard:
    gold = GoldStandard(kind=kind, answer=answer, created_by=admin, dialogue=dialogue, candidate=candidate)
    gold.full_clean()
    gold.save()
    return gold


@transaction.atomic
def gold_from_subject(*, kind: str, subject_id: int, admin: User | None) -> GoldStandard:
    """A gold task from a settled dialogue (its final decision) or a submitted extraction (its answer)."""
    if kind in REVIEW_KINDS:
        dialogue = Dialogue.objects.filter(
            pk=subject_id, status__in=[DialogueStatus.ACCEPTED, DialogueStatus.REJECTED]
        ).first()
        if dialogue is None:
            raise TaskRefused(
                "not_settled", _("Only an accepted or rejected dialogue can be a gold review task."), field="subject"
            )
        if review_kind_for(dialogue) != kind:
            raise TaskRefused(
                "wrong_source",
                _("LLM dialogues are gold rewrite reviews; dialogues of other sources gold dialogue reviews."),
                field="kind",
            )
        answer = {"decision": "accept" if dialogue.status == DialogueStatus.ACCEPTED else "reject"}
        return gold_create(kind=kind, answer=answer, admin=admin, dialogue=dialogue)
    if kind == TaskKind.EXTRACTION:
        task = AnnotationTask.objects.filter(
            pk=subject_id, kind=TaskKind.EXTRACTION, status=TaskStatus.SUBMITTED, gold=None
        ).first()
        if task is None:
            raise TaskRefused(
                "not_submitted", _("Only a submitted extraction task can become a gold task."), field="subject"
            )
        answer = {key: task.result[key] for key in ("roles", "discarded") if key in task.result}
        return gold_create(kind=kind, answer=answer, admin=admin, candidate=task.candidate)
    raise TaskRefused(
        "bad_kind", _("Gold tasks exist for rewrite reviews, dialogue reviews and extractions."), field="kind"
    )


@transaction.atomic
def annotator_block(*, user: User, admin: User, reason: str, status: str = "blocked") -> int:
    """Block an annotator and put every task they hold back in the queue; returns how many."""
    worker_block(profile=profile_of(user), status=status, reason=reason, actor=admin)
    return _requeue(AnnotationTask.objects.filter(assignee=user, status=TaskStatus.CLAIMED))


@transaction.atomic
def annotator_unblock(*, user: User, admin: User, note: str = "") -> None:
    """Let a blocked or soft-blocked worker take tasks again (audited as ``worker.active``)."""
    profile = profile_of(user)
    if profile.block_status == BlockStatus.ACTIVE:
        raise TaskRefused("not_blocked", _("%(user)s is not blocked.") % {"user": user})
    worker_block(profile=profile, status=BlockStatus.ACTIVE, reason=note.strip(), actor=admin)
