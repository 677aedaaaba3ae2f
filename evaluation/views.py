"""Evaluation pages: campaigns for researchers (create, open, close, results, raw data) and the
evaluators' work list and session page."""

from __future__ import annotations

import base64

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from evaluation import plots, selectors, services
from evaluation.forms import CampaignForm
from evaluation.models import Campaign
from evaluation.raw_data import FORMATS, raw_data
from evaluation.reports import campaign_report
from evaluation.services.judge import judge_run_start
from platform_core.permissions import EVALUATION_MANAGERS, EVALUATION_VIEWERS, requires_roles
from platform_core.roles import Role

RESULTS_RESAMPLES = 1000


def _form_errors(form, error: ValidationError) -> None:
    for field, field_messages in error.message_dict.items():
        for message in field_messages:
            form.add_error(field if field in form.fields else None, message)


@requires_roles(*EVALUATION_VIEWERS)
def campaign_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "evaluation/campaign_list.html",
        {"campaigns": selectors.campaigns(), "is_manager": Role.RESEARCHER in request.user.role_codes},
    )


@requires_roles(*EVALUATION_MANAGERS)
def campaign_create(request: HttpRequest) -> HttpResponse:
    form = CampaignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            campaign = services.campaign_create(
                created_by=request.user,
                contestants=data.pop("contestants"),
                characters=data.pop("characters"),
                draw_per_category=data.pop("draw_per_category"),
                slug=data.pop("slug"),
                title=data.pop("title"),
                **data,
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Campaign created as a draft."))
            return redirect("evaluation:campaign-detail", pk=campaign.pk)
    return render(request, "evaluation/campaign_form.html", {"form": form})


@requires_roles(*EVALUATION_VIEWERS)
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_object_or_404(Campaign, pk=pk)
    return render(
        request,
        "evaluation/campaign_detail.html",
        {
            "campaign": campaign,
            "contestants": campaign.contestants.select_related("model_version"),
            "characters": campaign.characters.order_by("category", "name"),
            "progress": selectors.campaign_progress(campaign),
            "is_manager": Role.RESEARCHER in request.user.role_codes,
            "formats": list(FORMATS),
            "judge_runs": campaign.judge_runs.all()[:5],
        },
    )


def _state_change(request: HttpRequest, pk: int, change) -> HttpResponse:
    campaign = get_object_or_404(Campaign, pk=pk)
    try:
        change(campaign=campaign, actor=request.user)
    except services.EvaluationRefused as refused:
        messages.error(request, refused.message)
    return redirect("evaluation:campaign-detail", pk=campaign.pk)


@requires_roles(*EVALUATION_MANAGERS)
@require_POST
def campaign_open(request: HttpRequest, pk: int) -> HttpResponse:
    return _state_change(request, pk, services.campaign_open)


@requires_roles(*EVALUATION_MANAGERS)
@require_POST
def campaign_close(request: HttpRequest, pk: int) -> HttpResponse:
    return _state_change(request, pk, services.campaign_close)


@requires_roles(*EVALUATION_MANAGERS)
@require_POST
def campaign_judge(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_object_or_404(Campaign, pk=pk)
    judge_run_start(campaign=campaign, actor=request.user)
    messages.success(request, _("The LLM judge is scoring this campaign's judgments."))
    return redirect("evaluation:campaign-detail", pk=campaign.pk)


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()


@requires_roles(*EVALUATION_VIEWERS)
def campaign_results(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_object_or_404(Campaign, pk=pk)
    report = campaign_report(campaign, resamples=RESULTS_RESAMPLES)
    dimensions = campaign.dimension_keys()
    figures = {}
    if report["pointwise"]:
        figures["pointwise"] = _data_uri(plots.pointwise_bars(report["pointwise"], dimensions))
    if report["pairwise"]:
        figures["pairwise"] = _data_uri(plots.pairwise_stacked(report["pairwise"], None))
        figures["by_category"] = _data_uri(plots.pairwise_stacked(report["pairwise"], "by_category"))
        figures["by_topic"] = _data_uri(plots.pairwise_stacked(report["pairwise"], "by_topic"))
    if report["bradley_terry"]:
        figures["bradley_terry"] = _data_uri(plots.bradley_terry_forest(report["bradley_terry"]))
    error_keys = [*next(iter(report["errors"].values()), {}).keys()] if report["errors"] else []
    pointwise_rows = [
        {"contestant": c, "cells": [dims.get(d) for d in dimensions]} for c, dims in report["pointwise"].items()
    ]
    error_rows = [
        {"contestant": c, "cells": [labels.get(k) for k in error_keys]} for c, labels in report["errors"].items()
    ]
    agreement = report["agreement"]
    return render(
        request,
        "evaluation/results.html",
        {
            "campaign": campaign,
            "report": report,
            "dimensions": campaign.dimensions,
            "pointwise_rows": pointwise_rows,
            "error_keys": error_keys,
            "error_rows": error_rows,
            "bradley_terry": sorted(report["bradley_terry"].items(), key=lambda item: -item[1]["score"]),
            "alpha": [(d["key"], agreement["alpha"].get(d["key"])) for d in campaign.dimensions],
            "figures": figures,
            "formats": list(FORMATS),
        },
    )


@requires_roles(*EVALUATION_VIEWERS)
def campaign_download(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    campaign = get_object_or_404(Campaign, pk=pk)
    if fmt not in FORMATS:
        raise Http404(_("Unknown format."))
    name = "judgments.csv" if fmt == "csv" else f"{campaign.slug}-sessions.{fmt}"
    response = HttpResponse(raw_data(campaign, fmt), content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
