"""The evaluators' pages: open campaigns to work on, and the session page (chat, labels, ratings,
pairs), which talks to ``/api/evaluation/sessions/``."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from evaluation import selectors, services
from evaluation.definitions import ERROR_LABELS
from evaluation.models import Assignment, Campaign, Mode
from platform_core.permissions import EVALUATORS, requires_roles


@requires_roles(*EVALUATORS)
def work_list(request: HttpRequest) -> HttpResponse:
    profile = getattr(request.user, "profile", None)
    return render(
        request,
        "evaluation/work_list.html",
        {
            "qualified": bool(profile and profile.can_evaluate),
            "campaigns": selectors.open_campaigns(),
            "mine": selectors.my_assignments(request.user)[:50],
        },
    )


@requires_roles(*EVALUATORS)
@require_POST
def work_start(request: HttpRequest, pk: int, mode: str) -> HttpResponse:
    campaign = get_object_or_404(Campaign, pk=pk)
    try:
        assignment = services.assignment_next(campaign=campaign, evaluator=request.user, mode=mode)
    except services.EvaluationRefused as refused:
        messages.error(request, refused.message)
        return redirect("evaluation:work")
    return redirect("evaluation:session", pk=assignment.pk)


@requires_roles(*EVALUATORS)
def session_page(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = get_object_or_404(
        Assignment.objects.select_related("campaign", "character"), pk=pk, evaluator=request.user
    )
    return render(
        request,
        "evaluation/session.html",
        {
            "assignment": assignment,
            "is_pairwise": assignment.mode == Mode.PAIRWISE,
            "error_labels": [(key, name) for key, name, _lower in ERROR_LABELS],
            "texts": {
                "labels_saved": _("Labels saved."),
                "unlocks": _("The rating form unlocks after {n} turns (now {now})."),
                "finished": _("This session is finished. Thank you!"),
                "both_answering": _("Both models are answering…"),
                "character_answering": _("The character is answering…"),
                "abandon_confirm": _("Abandon this session? It goes back to the pool."),
            },
        },
    )
