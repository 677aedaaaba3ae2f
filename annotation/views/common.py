"""What every annotation page shares: roles, the queue and task pages of each kind, and the claim guard."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from annotation.models import REVIEW_KINDS, AnnotationTask, TaskKind, TaskStatus
from annotation.services.task_queue import (
    TaskRefused,
    dialogue_review_tasks_sweep,
    task_claim_next,
    task_for_worker,
    worker_may_work,
)
from platform_core.roles import Role

BATCH_MANAGERS = (Role.RESEARCHER, Role.ADMIN)
REVIEWERS = (Role.ANNOTATOR, Role.ADMIN)
WORK_READERS = (Role.ADMIN, Role.ANNOTATOR, Role.RESEARCHER)
WORKERS = (Role.ANNOTATOR, Role.ADMIN, Role.CROWDWORKER)
PROMPT_WORKERS = (Role.CROWDWORKER, Role.ADMIN)

QUEUE_PAGE = {
    TaskKind.REWRITE_REVIEW: "annotation:review-queue",
    TaskKind.EXTRACTION: "annotation:extraction-queue",
    TaskKind.PROMPT_WRITING: "annotation:prompt-queue",
    TaskKind.PROMPT_VARIANTS: "annotation:prompt-queue",
    TaskKind.DIALOGUE_REVIEW: "annotation:dialogue-review-queue",
}
TASK_PAGE = {
    TaskKind.REWRITE_REVIEW: "annotation:review-task",
    TaskKind.EXTRACTION: "annotation:extraction-task",
    TaskKind.PROMPT_WRITING: "annotation:prompt-write",
    TaskKind.PROMPT_VARIANTS: "annotation:prompt-variants",
    TaskKind.DIALOGUE_REVIEW: "annotation:dialogue-review-task",
}


def page(request: HttpRequest, template: str, context: dict, *, invalid: bool = False) -> HttpResponse:
    """Render a page; a form that failed validation answers 400 so clients can tell."""
    return render(request, template, context, status=400 if invalid else 200)


def refusal_of(call: Callable[[], object]) -> TaskRefused | None:
    """Run a service call; the refusal it raised, or None when it went through."""
    try:
        call()
    except TaskRefused as refused:
        return refused
    return None


def claimed_task(kind: str):
    """The view runs on the caller's live claim on task ``pk`` (passed as ``task``); otherwise the
    caller goes back to the queue of ``kind`` with the refusal as a message."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def guarded(request: HttpRequest, pk: int) -> HttpResponse:
            task = get_object_or_404(AnnotationTask, pk=pk, kind=kind)
            refused = refusal_of(lambda: task_for_worker(task=task, user=request.user))
            if refused is not None:
                messages.error(request, refused.message)
                return redirect(QUEUE_PAGE[kind])
            return view(request, task)

        return guarded

    return decorate


def claim_next(request: HttpRequest, kind: str, source: str | None = None) -> HttpResponse:
    """Claim the caller's next task of ``kind`` (of dialogues from ``source``, if given) and open it,
    or go back to the queue saying why not."""
    try:
        task = task_claim_next(user=request.user, kind=kind, source=source)
    except TaskRefused as refused:
        messages.error(request, refused.message)
        return redirect(QUEUE_PAGE[kind])
    if task is None:
        messages.info(request, _("No open tasks right now. Thank you!"))
        return redirect(QUEUE_PAGE[kind])
    return redirect(TASK_PAGE[kind], pk=task.pk)


def queue_page(request: HttpRequest, kind: str, template: str, extra: Callable[[], dict] | None = None) -> HttpResponse:
    """A queue of ``kind``: the caller's held task, why they may not work (if so) and the counts;
    ``extra()`` adds to the page's context (read after the review tasks are brought up to date)."""
    if kind in REVIEW_KINDS:
        dialogue_review_tasks_sweep()  # dialogues submitted since the last beat count at once
    held = AnnotationTask.objects.filter(assignee=request.user, kind=kind, status=TaskStatus.CLAIMED).first()
    refused = refusal_of(lambda: worker_may_work(request.user, kind))
    context = {
        "kind": kind,
        "held": held,
        "refusal": refused.message if refused else None,
        "open_count": AnnotationTask.objects.filter(kind=kind, status=TaskStatus.OPEN, gold=None).count(),
        "done_count": AnnotationTask.objects.filter(
            kind=kind, assignee=request.user, status=TaskStatus.SUBMITTED
        ).count(),
        "task_page": TASK_PAGE[kind],
        **(extra() if extra else {}),
    }
    return render(request, template, context)
