"""Reads that several callers need: campaign lists, progress against targets, a model's latest
results, and one session's work as its reviewer sees it."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.utils.translation import get_language

from evaluation.definitions import ERROR_LABELS
from evaluation.models import Assignment, AssignmentStatus, Campaign, CampaignStatus, Mode, PairwiseJudgment


def campaigns() -> QuerySet[Campaign]:
    return Campaign.objects.annotate(
        sessions=Count("assignments", filter=Q(assignments__status=AssignmentStatus.SUBMITTED), distinct=True),
        n_contestants=Count("contestants", distinct=True),
    ).order_by("-created_at", "-id")


def error_labels_by_turn(assignment: Assignment) -> dict[str, list[str]]:
    """The session's error labels: turn seq (as a string, a JSON key) → labels."""
    labels: dict[str, list[str]] = {}
    for seq, label in assignment.error_labels.order_by("turn__seq", "label").values_list("turn__seq", "label"):
        labels.setdefault(str(seq), []).append(label)
    return labels


def assignment_work(assignment: Assignment) -> dict:
    """A session's work for the workforce review page: the transcript with the error labels of each
    model turn and, in a pairwise session, the pair shown at that turn (both replies, the choice,
    the reason, the attention check); the ratings by dimension name, and the comment."""
    chinese = get_language() == "zh-hans"
    label_names = {key: str(name) for key, name, _lower in ERROR_LABELS}
    labels = {int(seq): [label_names[key] for key in keys] for seq, keys in error_labels_by_turn(assignment).items()}
    pairs = {pair.turn_seq: pair for pair in assignment.pairwise_judgments.order_by("turn_seq")}
    turns = list(assignment.dialogue.turns.order_by("seq")) if assignment.dialogue_id else []
    transcript = [
        {"turn": turn, "labels": labels.get(turn.seq, []), "pair": pairs.pop(turn.seq, None)} for turn in turns
    ]
    transcript += [{"turn": None, "labels": [], "pair": pair} for pair in pairs.values()]  # shown, not judged
    dimensions = {d["key"]: d["name_zh"] if chinese else d["name_en"] for d in assignment.campaign.dimensions}
    ratings = [
        {"dimension": dimensions.get(rating.dimension, rating.dimension), "value": rating.value}
        for rating in assignment.ratings.order_by("id")
    ]
    return {"assignment": assignment, "transcript": transcript, "ratings": ratings}


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


def latest_campaign_for(version) -> Campaign | None:
    """The newest campaign (closed first, else open) in which ``version`` is a contestant."""
    campaigns_with = Campaign.objects.filter(contestants__model_version=version).exclude(status=CampaignStatus.DRAFT)
    return (
        campaigns_with.filter(status=CampaignStatus.CLOSED).order_by("-closed_at", "-id").first()
        or campaigns_with.order_by("-opened_at", "-id").first()
    )


def latest_results(version, *, resamples: int = 1000) -> dict | None:
    """``version``'s figures in its latest campaign: pointwise by dimension, Bradley–Terry, its pairs."""
    from evaluation.reports import campaign_report

    campaign = latest_campaign_for(version)
    if campaign is None:
        return None
    report = campaign_report(campaign, resamples=resamples)
    name = version.name
    pairs = []
    for pair in report["pairwise"]:
        if name not in (pair["a"], pair["b"]):
            continue
        mine_first = pair["a"] == name
        pairs.append(
            {
                "opponent": pair["b"] if mine_first else pair["a"],
                "win": pair["win"] if mine_first else pair["lose"],
                "tie": pair["tie"],
                "lose": pair["lose"] if mine_first else pair["win"],
                "n": pair["n"],
                "p_value": pair["p_value"],
            }
        )
    return {
        "campaign": campaign,
        "pointwise": [{"dimension": d, **values} for d, values in report["pointwise"].get(name, {}).items()],
        "bradley_terry": report["bradley_terry"].get(name),
        "pairs": pairs,
    }


def lost_to(version, other) -> dict | None:
    """The pair from ``version``'s latest campaign in which it met ``other`` and lost more than it won."""
    results = latest_results(version, resamples=100)
    for pair in (results or {}).get("pairs", []):
        if pair["opponent"] == other.name and pair["lose"] > pair["win"]:
            return {**pair, "campaign": results["campaign"]}
    return None


def model_card_section(results: dict) -> str:
    """The "Latest evaluation" section a campaign writes into each contestant's model card."""
    lines = [f"## Latest evaluation: {results['campaign'].slug}", ""]
    for row in results["pointwise"]:
        if row["mean"] is not None:
            lines.append(
                f"- {row['dimension']}: {row['mean']:.2f} [{row['ci_low']:.2f}, {row['ci_high']:.2f}] (n={row['n']})"
            )
    bt = results["bradley_terry"]
    if bt:
        lines.append(f"- Bradley–Terry: {bt['score']:.3f} [{bt['ci_low']:.3f}, {bt['ci_high']:.3f}]")
    for pair in results["pairs"]:
        lines.append(
            f"- vs {pair['opponent']}: win {pair['win']:.0f}% / tie {pair['tie']:.0f}% / lose {pair['lose']:.0f}% "
            f"(n={pair['n']}, sign test p={pair['p_value']:.3f})"
        )
    return "\n".join(lines)
