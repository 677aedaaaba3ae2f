"""Reviews that settle dialogues (annotators): the rewrite review of LLM dialogues, the dialogue review
of every other source; and adjudication of split reviews (admins)."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from annotation import qc
from annotation.forms import AdjudicationForm, ReviewForm
from annotation.models import Adjudication, AnnotationTask, TaskKind, TaskStatus
from annotation.services import review
from annotation.views.common import QUEUE_PAGE, REVIEWERS, claim_next, claimed_task, page, queue_page, refusal_of
from platform_core.permissions import requires_roles
from platform_core.roles import Role
from roleplay.models import DialogueSource, Turn


@requires_roles(*REVIEWERS)
def review_queue(request: HttpRequest) -> HttpResponse:
    return queue_page(request, TaskKind.REWRITE_REVIEW, "annotation/review_queue.html")


@requires_roles(*REVIEWERS)
@require_POST
def review_next(request: HttpRequest) -> HttpResponse:
    return claim_next(request, TaskKind.REWRITE_REVIEW)


def _review_lines(turns: list[Turn], form: ReviewForm) -> list[dict]:
    """Each line as the reviewer left it: the posted text and flag, or the stored ones."""
    posted = form.data if form.is_bound else None
    ooc = {str(value) for value in posted.getlist("ooc")} if posted is not None else set()
    lines = []
    for turn in turns:
        text = posted.get(f"text_{turn.pk}", turn.text) if posted is not None else turn.text
        lines.append(
            {
                "turn": turn,
                "text": text,
                "ooc": str(turn.pk) in ooc if posted is not None else turn.out_of_character,
                "diff": qc.char_diff(turn.text, text) if text != turn.text else None,
            }
        )
    return lines


@requires_roles(*REVIEWERS)
@claimed_task(TaskKind.REWRITE_REVIEW)
def review_task(request: HttpRequest, task: AnnotationTask) -> HttpResponse:
    return _review_page(request, task, rewrites=True)


@requires_roles(*REVIEWERS)
def dialogue_review_queue(request: HttpRequest) -> HttpResponse:
    """Human role-play, literary and human–machine dialogues awaiting review, per source."""
    return queue_page(
        request, TaskKind.DIALOGUE_REVIEW, "annotation/dialogue_review_queue.html", lambda: {"sources": _by_source()}
    )


def _by_source() -> list[dict]:
    counts = dict(
        AnnotationTask.objects.filter(kind=TaskKind.DIALOGUE_REVIEW, status=TaskStatus.OPEN, gold=None)
        .values_list("dialogue__source")
        .annotate(n=Count("id"))
    )
    return [
        {"code": code, "label": label, "open": counts.get(code, 0)}
        for code, label in DialogueSource.choices
        if code != DialogueSource.LLM_SYNTHESIS
    ]


@requires_roles(*REVIEWERS)
@require_POST
def dialogue_review_next(request: HttpRequest) -> HttpResponse:
    source = request.POST.get("source") or None
    if source is not None and source not in DialogueSource.values:
        messages.error(request, _("Unknown source."))
        return redirect("annotation:dialogue-review-queue")
    return claim_next(request, TaskKind.DIALOGUE_REVIEW, source=source)


@requires_roles(*REVIEWERS)
@claimed_task(TaskKind.DIALOGUE_REVIEW)
def dialogue_review_task(request: HttpRequest, task: AnnotationTask) -> HttpResponse:
    return _review_page(request, task, rewrites=False)


def _review_page(request: HttpRequest, task: AnnotationTask, *, rewrites: bool) -> HttpResponse:
    """One review: the transcript (lines editable in a rewrite review), rating, note, accept or reject."""
    dialogue = task.dialogue
    turns = list(dialogue.turns.all())
    form = ReviewForm(
        request.POST if request.method == "POST" else None, turn_ids=[turn.pk for turn in turns] if rewrites else []
    )
    error = None
    if form.is_bound:
        error = form.refusal() or refusal_of(
            lambda: review.dialogue_review_submit(
                task=task,
                user=request.user,
                decision=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"],
                rating=form.cleaned_data["rating"],
                texts=form.texts(),
                out_of_character=form.cleaned_data["ooc"],
            )
        )
        if error is None:
            messages.success(request, _("Review saved."))
            return redirect(QUEUE_PAGE[task.kind])
    context = {
        "task": task,
        "dialogue": dialogue,
        "character": dialogue.character,
        "lines": _review_lines(turns, form),
        "error": error,
        "form": form,
        "rewrites": rewrites,
    }
    return page(request, "annotation/review_task.html", context, invalid=error is not None)


@requires_roles(Role.ADMIN)
def adjudication_list(request: HttpRequest) -> HttpResponse:
    adjudications = Adjudication.objects.select_related("dialogue__character").order_by("status", "-created_at")
    return render(request, "annotation/adjudication_list.html", {"adjudications": adjudications[:200]})


def _review_rows(reviews: list[AnnotationTask], turns: list[Turn]) -> list[dict]:
    """Each review with its lines: a diff where the reviewer rewrote the line, and its flag."""
    rows = []
    for reviewed in reviews:
        edits = reviewed.result.get("edits", {})
        lines = [
            {
                "turn": turn,
                "diff": qc.char_diff(turn.text, edits[str(turn.pk)]) if str(turn.pk) in edits else None,
                "ooc": turn.pk in reviewed.result.get("ooc", []),
            }
            for turn in turns
        ]
        rows.append({"task": reviewed, "lines": lines})
    return rows


@requires_roles(Role.ADMIN)
def adjudication_detail(request: HttpRequest, pk: int) -> HttpResponse:
    adjudication = get_object_or_404(Adjudication.objects.select_related("dialogue__character"), pk=pk)
    dialogue = adjudication.dialogue
    submitted = review.submitted_reviews(dialogue)
    form = AdjudicationForm(request.POST if request.method == "POST" else None, reviews=submitted)
    error = None
    if form.is_bound:
        error = form.refusal() or refusal_of(
            lambda: review.adjudication_resolve(
                adjudication=adjudication,
                admin=request.user,
                decision=form.cleaned_data["decision"],
                chosen_task=form.cleaned_data["chosen_task"],
                note=form.cleaned_data["note"],
            )
        )
        if error is None:
            messages.success(request, _("Dialogue settled."))
            return redirect("annotation:adjudication-list")
    context = {
        "adjudication": adjudication,
        "dialogue": dialogue,
        "reviews": _review_rows(list(submitted), list(dialogue.turns.all())),
        "error": error,
    }
    return page(request, "annotation/adjudication_detail.html", context, invalid=error is not None)
