"""Reads that several callers need: campaign lists, progress against targets, a model's latest results."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from evaluation.models import Assignment, AssignmentStatus, Campaign, CampaignStatus, Mode, PairwiseJudgment


def campaigns() -> QuerySet[Campaign]:
    return Campaign.objects.annotate(
        sessions=Count("assignments", filter=Q(assignments__status=AssignmentStatus.SUBMITTED), distinct=True),
        n_contestants=Count("contestants", distinct=True),
    ).order_by("-created_at", "-id")


def open_campaigns() -> QuerySet[Campaign]:
    return Campaign.objects.filter(status=CampaignStatus.OPEN).order_by("-opened_at", "-id")


def campaign_progress(campaign: Campaign) -> dict:
    """Submitted pointwise sessions per contestant and judged pairs per pair, against the targets."""
    sessions = dict(
        Assignment.objects.filter(campaign=campaign, mode=Mode.POINTWISE, status=AssignmentStatus.SUBMITTED)
        .values_list("contestant__alias")
        .annotate(n=Count("id"))
        .values_list("contestant__alias", "n")
    )
    pairs: dict[str, int] = {}
    judged = PairwiseJudgment.objects.filter(assignment__campaign=campaign).exclude(choice="")
    for contestant, opponent in judged.values_list("assignment__contestant__alias", "assignment__opponent__alias"):
        key = f"{contestant} – {opponent}"
        pairs[key] = pairs.get(key, 0) + 1
    return {
        "pointwise": [
            {
                "contestant": c.alias,
                "name": c.name,
                "sessions": sessions.get(c.alias, 0),
                "target": campaign.target_sessions,
            }
            for c in campaign.contestants.select_related("model_version")
        ],
        "pairwise": [{"pair": k, "judgments": v, "target": campaign.target_pairwise} for k, v in sorted(pairs.items())],
        "evaluators": Assignment.objects.filter(campaign=campaign).values("evaluator").distinct().count(),
    }


def my_assignments(user) -> QuerySet[Assignment]:
    return Assignment.objects.filter(evaluator=user).select_related("campaign", "character").order_by("-created_at")
