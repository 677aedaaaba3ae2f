"""The annotation home and giving a claimed task back."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from annotation import selectors
from annotation.models import AnnotationTask
from annotation.services import task_queue
from annotation.views.common import QUEUE_PAGE, WORKERS, refusal_of
from platform_core.permissions import ANY_ROLE, requires_roles


@requires_roles(*ANY_ROLE)
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "annotation/index.html", {"counts": selectors.queue_counts(request.user)})


@requires_roles(*WORKERS)
@require_POST
def task_release(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_object_or_404(AnnotationTask, pk=pk)
    refused = refusal_of(lambda: task_queue.task_release(task=task, user=request.user))
    if refused is not None:
        messages.error(request, refused.message)
    else:
        messages.info(request, _("Task released back to the queue."))
    return redirect(QUEUE_PAGE[task.kind])
