"""Reviews that settle a dialogue: k independent reviews (a rewrite review of an LLM dialogue, a
dialogue review of any other source), settling, adjudication."""

from __future__ import annotations

from collections.abc import Iterable
from statistics import mean

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from annotation.models import REVIEW_KINDS, Adjudication, AdjudicationStatus, AnnotationTask, TaskKind, TaskStatus
from annotation.services.task_queue import (
    TaskRefused,
    contact_details_refuse,
    own_dialogues,
    task_for_worker,
    task_submit,
)
from platform_core.models import User
from platform_core.services import audit_record
from roleplay.models import Dialogue, DialogueStatus, Turn
from roleplay.services import dialogue_set_status


def turn_rewrite(*, turn: Turn, text: str, out_of_character: bool | None = None) -> Turn:
    """Replace a turn's text with its spoken-style rewrite; the first original is kept."""
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("A rewritten line cannot be empty.")})
    fields = []
    if text != turn.text:
        if turn.original_text is None:
            turn.original_text = turn.text
            fields.append("original_text")
        turn.text = text
        fields.append("text")
    if out_of_character is not None and out_of_character != turn.out_of_character:
        turn.out_of_character = out_of_character
        fields.append("out_of_character")
    if fields:
        turn.save(update_fields=fields)
    return turn


DECISIONS = ("accept", "reject")


def dialogue_review_submit(
    *,
    task: AnnotationTask,
    user: User,
    decision: str,
    reason: str,
    rating: int | None,
    texts: dict[int, str] | None = None,
    out_of_character: Iterable[int] = (),
) -> AnnotationTask:
    """Store one independent review; when all k are in, settle the dialogue or ask an admin.

    A rewrite review may rewrite lines (``texts``); a dialogue review reads the lines as they were said.
    A rewritten line with contact details is refused (and counted) before anything is stored."""
    texts = texts or {}
    stored = dict(Turn.objects.filter(dialogue_id=task.dialogue_id, pk__in=list(texts)).values_list("pk", "text"))
    rewritten = {f"text_{pk}": text for pk, text in texts.items() if (text or "").strip() != stored.get(pk)}
    contact_details_refuse(user=user, where="rewrite_review", texts=rewritten)
    return _dialogue_review_store(
        task=task,
        user=user,
        decision=decision,
        reason=reason,
        rating=rating,
        texts=texts,
        out_of_character=out_of_character,
    )


@transaction.atomic
def _dialogue_review_store(
    *,
    task: AnnotationTask,
    user: User,
    decision: str,
    reason: str,
    rating: int | None,
    texts: dict[int, str],
    out_of_character: Iterable[int],
) -> AnnotationTask:
    task = AnnotationTask.objects.select_for_update().get(pk=task.pk)
    task_for_worker(task=task, user=user)
    if task.kind not in REVIEW_KINDS:
        raise TaskRefused("wrong_kind", _("This is not a dialogue review task."))
    if decision not in DECISIONS:
        raise TaskRefused("bad_decision", _("Choose accept or reject."), field="decision")
    reason = reason.strip()
    if decision == "reject" and not reason:
        raise TaskRefused("reason_required", _("Say why the dialogue is rejected."), field="reason")
    if rating is None or not 1 <= int(rating) <= 5:
        raise TaskRefused("bad_rating", _("Rate the dialogue from 1 to 5."), field="rating")
    turns = {turn.pk: turn for turn in task.dialogue.turns.all()}
    texts = texts or {}
    ooc = sorted({int(turn_id) for turn_id in out_of_character})
    unknown = (set(texts) | set(ooc)) - set(turns)
    if unknown:
        raise TaskRefused("bad_turn", _("Edits name lines of another dialogue."), field="texts")
    edits = _line_edits(turns, texts)
    if edits and task.kind != TaskKind.REWRITE_REVIEW:
        raise TaskRefused("no_rewrites", _("Lines of this dialogue are reviewed as they were said, not rewritten."))
    result = {"decision": decision, "reason": reason, "rating": int(rating), "edits": edits, "ooc": ooc}
    if task.gold_id:
        task.gold_score = 1.0 if task.gold.answer.get("decision") == decision else 0.0
        task_submit(task=task, result=result)
        return task
    task_submit(task=task, result=result)
    _review_settle(task.dialogue)
    return task


def _line_edits(turns: dict[int, Turn], texts: dict[int, str]) -> dict[str, str]:
    edits: dict[str, str] = {}
    for turn_id, text in texts.items():
        text = (text or "").strip()
        if not text:
            raise TaskRefused(
                "empty_line", _("Line %(seq)d is empty.") % {"seq": turns[turn_id].seq}, field=f"text_{turn_id}"
            )
        if text != turns[turn_id].text:
            edits[str(turn_id)] = text
    return edits


def _apply_review_edits(dialogue: Dialogue, reviews: list[AnnotationTask]) -> None:
    """Each line takes the edit of the earliest review that changed it; out-of-character flags add up."""
    turns = {turn.pk: turn for turn in dialogue.turns.all()}
    chosen: dict[int, str] = {}
    flagged: set[int] = set()
    for review in sorted(reviews, key=lambda r: (r.submitted_at, r.pk)):
        for turn_id, text in review.result.get("edits", {}).items():
            chosen.setdefault(int(turn_id), text)
        flagged.update(int(turn_id) for turn_id in review.result.get("ooc", []))
    for turn_id, turn in turns.items():
        if turn_id in chosen or turn_id in flagged:
            turn_rewrite(turn=turn, text=chosen.get(turn_id, turn.text), out_of_character=turn_id in flagged)


def _finalise(dialogue: Dialogue, decision: str, reviews: list[AnnotationTask], note: str) -> None:
    ratings = [review.result["rating"] for review in reviews if review.result.get("rating")]
    if decision == "accept":
        _apply_review_edits(dialogue, reviews)
    dialogue_set_status(
        dialogue=dialogue,
        status=DialogueStatus.ACCEPTED if decision == "accept" else DialogueStatus.REJECTED,
        note=note,
        quality_rating=round(mean(ratings), 2) if ratings else None,
    )


def _review_settle(dialogue: Dialogue) -> None:
    if dialogue.status != DialogueStatus.SUBMITTED:
        return  # settled some other way meanwhile (an admin): a late review does not overturn it
    tasks = list(AnnotationTask.objects.filter(kind__in=REVIEW_KINDS, dialogue=dialogue, gold=None))
    if any(task.status != TaskStatus.SUBMITTED for task in tasks if task.status != TaskStatus.CANCELLED):
        return
    reviews = [task for task in tasks if task.status == TaskStatus.SUBMITTED]
    decisions = {review.result["decision"] for review in reviews}
    if len(decisions) == 1:
        decision = decisions.pop()
        note = "\n".join(review.result["reason"] for review in reviews if review.result.get("reason"))
        _finalise(dialogue, decision, reviews, note)
    else:
        Adjudication.objects.get_or_create(dialogue=dialogue)


def submitted_reviews(dialogue: Dialogue):
    """The independent (non-gold) reviews of ``dialogue`` that were submitted."""
    return AnnotationTask.objects.filter(
        kind__in=REVIEW_KINDS, dialogue=dialogue, gold=None, status=TaskStatus.SUBMITTED
    ).select_related("assignee")


@transaction.atomic
def adjudication_resolve(
    *, adjudication: Adjudication, admin: User, decision: str, chosen_task: AnnotationTask | None, note: str
) -> Adjudication:
    adjudication = Adjudication.objects.select_for_update().get(pk=adjudication.pk)
    if adjudication.status == AdjudicationStatus.RESOLVED:
        raise TaskRefused("resolved", _("This adjudication is already resolved."))
    if decision not in DECISIONS:
        raise TaskRefused("bad_decision", _("Choose accept or reject."), field="decision")
    if own_dialogues(admin).filter(pk=adjudication.dialogue_id).exists():
        raise TaskRefused("own_work", _("You took part in this dialogue; another admin must settle it."))
    reviews = list(submitted_reviews(adjudication.dialogue))
    if chosen_task is not None and chosen_task not in reviews:
        raise TaskRefused("bad_choice", _("Pick one of this dialogue's reviews."), field="chosen_task")
    if decision == "accept" and chosen_task is None:
        chosen_task = next((r for r in reviews if r.result.get("decision") == "accept"), None)
    _finalise(
        adjudication.dialogue,
        decision,
        [chosen_task] if chosen_task is not None else reviews,
        note or "; ".join(r.result.get("reason", "") for r in reviews if r.result.get("reason")),
    )
    adjudication.status = AdjudicationStatus.RESOLVED
    adjudication.decision = decision
    adjudication.chosen_task = chosen_task
    adjudication.note = note
    adjudication.resolved_by = admin
    adjudication.resolved_at = timezone.now()
    adjudication.save()
    audit_record(
        actor=admin, action="adjudication.resolve", target=adjudication.dialogue, details={"decision": decision}
    )
    return adjudication
