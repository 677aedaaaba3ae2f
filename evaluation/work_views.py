"""The evaluators' pages: open campaigns to work on, and the session page. A pointwise session's
page is the live chat page (``roleplay/live_chat.html``, its client and WebSocket) with the error
labels and the rating form added; a pairwise session's page shows both replies side by side. Both
send judgments to ``/api/evaluation/sessions/``."""

from __future__ import annotations

import json

from asgiref.sync import sync_to_async
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from evaluation import selectors, services, streaming
from evaluation.definitions import ERROR_LABELS
from evaluation.forms import OwnCharacterForm
from evaluation.models import Assignment, Campaign, Mode
from platform_core.permissions import EVALUATORS, requires_roles, requires_roles_async
from roleplay.live.page import chat_page_context


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
def own_character(request: HttpRequest, pk: int) -> HttpResponse:
    """Write a character of one's own for a campaign that takes them, before the first session."""
    campaign = get_object_or_404(Campaign, pk=pk)
    form = OwnCharacterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            character = services.own_character_add(campaign=campaign, evaluator=request.user, **form.cleaned_data)
        except services.EvaluationRefused as refused:
            messages.error(request, refused.message)
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                for problem in problems:
                    form.add_error(field if field in form.fields else None, problem)
        else:
            messages.success(request, _("%(name)s joins your characters for this campaign.") % {"name": character.name})
            return redirect("evaluation:work")
    return render(request, "evaluation/own_character.html", {"campaign": campaign, "form": form})


@requires_roles(*EVALUATORS)
def session_page(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = get_object_or_404(
        Assignment.objects.select_related("campaign", "character", "live_session"), pk=pk, evaluator=request.user
    )
    if assignment.mode == Mode.POINTWISE:
        return _pointwise_page(request, assignment)
    return render(
        request,
        "evaluation/session.html",
        {
            "assignment": assignment,
            "texts": {
                "finished": _("This session is finished. Thank you!"),
                "both_answering": _("Both models are answering…"),
                "abandon_confirm": _("Abandon this session? It goes back to the pool."),
                "interrupted": _("The reply was interrupted; ask the models again."),
            },
        },
    )


def _pointwise_page(request: HttpRequest, assignment: Assignment) -> HttpResponse:
    """The live chat page of the session's blind live session, with labels and the rating form."""
    session = assignment.live_session
    if session is None:
        raise Http404(_("This session has no live chat."))
    context = chat_page_context(session, viewer_id=request.user.pk, back_url=reverse("evaluation:work"))
    chinese = get_language() == "zh-hans"
    context["assignment"] = assignment
    context["dimensions"] = [
        {
            "key": d["key"],
            "name": d["name_zh"] if chinese else d["name_en"],
            "definition": d["definition_zh"] if chinese else d["definition_en"],
        }
        for d in assignment.campaign.dimensions
    ]
    context["evaluation"] = {
        "api": f"/api/evaluation/sessions/{assignment.pk}/",
        "work": reverse("evaluation:work"),
        "status": assignment.status,
        "labels": selectors.error_labels_by_turn(assignment),
        "errorLabels": [[key, str(name)] for key, name, _lower in ERROR_LABELS],
        "texts": {
            "labels_saved": _("Labels saved."),
            "unlocks": _("The rating form unlocks after {n} turns (now {now})."),
            "finished": _("This session is finished. Thank you!"),
            "abandon_confirm": _("Abandon this session? It goes back to the pool."),
        },
    }
    return render(request, "evaluation/live_session.html", context)


def _refused(refused: services.EvaluationRefused) -> JsonResponse:
    status = 403 if refused.code == "not_assigned" else 400 if refused.field else 409
    return JsonResponse({"code": refused.code, "detail": refused.message, "field": refused.field}, status=status)


def _message_store(*, assignment_id: int, evaluator, text: object) -> dict | None:
    """Store the evaluator's message (``None`` text: retry the model side); the stored turn's frame."""
    if text is None:
        return None
    turn = services.player_turn_append(assignment_id=assignment_id, evaluator=evaluator, text=text)
    return {"seq": turn.seq, "speaker": turn.speaker, "text": turn.text, "by_model": False}


@requires_roles_async(*EVALUATORS)
async def session_reply(request: HttpRequest, pk: int) -> HttpResponse:
    """The evaluator's message and the streamed model side (``evaluation.streaming``)."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return JsonResponse({"code": "bad_json", "detail": "The body is not JSON.", "field": None}, status=400)
    text = body.get("text") if isinstance(body, dict) else None
    user = await request.auser()
    try:
        turn = await sync_to_async(_message_store)(assignment_id=pk, evaluator=user, text=text)
        lanes = await sync_to_async(streaming.lanes_plan)(assignment_id=pk, evaluator=user)
    except services.EvaluationRefused as refused:
        return _refused(refused)

    async def frames():
        if turn is not None:
            yield streaming.line({"type": "turn", "turn": turn})
        async for chunk in streaming.reply_stream(assignment_id=pk, evaluator=user, lanes=lanes):
            yield chunk

    response = StreamingHttpResponse(frames(), content_type="application/x-ndjson")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response
