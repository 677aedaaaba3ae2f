"""Annotation quality (admins): worker statistics, gold tasks, blocking a worker."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from annotation import selectors
from annotation.forms import BlockForm, GoldForm
from annotation.models import GoldStandard
from annotation.services import task_queue
from annotation.views.common import refusal_of
from platform_core.models import User
from platform_core.permissions import requires_roles
from platform_core.roles import Role


@requires_roles(Role.ADMIN)
def quality(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "annotation/quality.html",
        {
            "stats": selectors.annotator_stats(),
            "blocked": selectors.blocked_workers(),
            "agreement": selectors.review_agreement(),
            "golds": GoldStandard.objects.select_related("dialogue", "candidate").annotate(served=Count("tasks"))[:100],
            "gold_rate": settings.ANNOTATION_GOLD_RATE,
            "reviews_per_dialogue": settings.ANNOTATION_REVIEWS_PER_DIALOGUE,
        },
    )


@requires_roles(Role.ADMIN)
@require_POST
def worker_block(request: HttpRequest, user_id: int) -> HttpResponse:
    worker = get_object_or_404(User, pk=user_id)
    form = BlockForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors["reason"][0])
        return redirect("annotation:quality")
    requeued = task_queue.annotator_block(user=worker, admin=request.user, reason=form.cleaned_data["reason"])
    messages.success(
        request, _("%(user)s is blocked; %(count)d tasks went back to the queue.") % {"user": worker, "count": requeued}
    )
    return redirect("annotation:quality")


@requires_roles(Role.ADMIN)
@require_POST
def worker_unblock(request: HttpRequest, user_id: int) -> HttpResponse:
    worker = get_object_or_404(User, pk=user_id)
    note = request.POST.get("note", "")[:500]
    refused = refusal_of(lambda: task_queue.annotator_unblock(user=worker, admin=request.user, note=note))
    if refused is not None:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("%(user)s is unblocked and may take tasks again.") % {"user": worker})
    return redirect("annotation:quality")


@requires_roles(Role.ADMIN)
@require_POST
def gold_create(request: HttpRequest) -> HttpResponse:
    """Make a gold task from a settled dialogue (its final decision) or a submitted extraction."""
    form = GoldForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors["subject"][0])
        return redirect("annotation:quality")
    refused = refusal_of(
        lambda: task_queue.gold_from_subject(
            kind=form.cleaned_data["kind"], subject_id=form.cleaned_data["subject"], admin=request.user
        )
    )
    if refused is not None:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("Gold task added."))
    return redirect("annotation:quality")
