"""Reads shared by pages, the API and the statistics."""

from datetime import timedelta
from itertools import combinations
from statistics import mean

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from annotation import qc
from annotation.models import (
    REVIEW_KINDS,
    AnnotationTask,
    ItemStatus,
    LiteraryWork,
    SynthesisBatch,
    TaskKind,
    TaskStatus,
)
from platform_core.models import BlockStatus, User, WorkerProfile
from roleplay.models import Character, Turn


def batches_with_counts() -> QuerySet[SynthesisBatch]:
    return (
        SynthesisBatch.objects.select_related("created_by", "provider")
        .order_by("-created_at", "-id")
        .annotate(
            item_count=Count("items", distinct=True),
            failed_count=Count("items", filter=Q(items__status=ItemStatus.FAILED), distinct=True),
            dialogue_count=Count("dialogues", distinct=True),
        )
    )


def character_for_speaker(*, name: str, work: LiteraryWork) -> Character | None:
    """The existing character a detected speaker name most likely is: same name, preferring one
    already in this work's dialogues, then one in the work's language; None when no name matches."""
    if not name:
        return None
    return (
        Character.objects.filter(name=name)
        .annotate(
            in_work=Case(
                When(dialogues__literary_work=work, then=Value(1)), default=Value(0), output_field=IntegerField()
            ),
            same_language=Case(
                When(language=work.language, then=Value(1)), default=Value(0), output_field=IntegerField()
            ),
        )
        .order_by("-in_work", "-same_language", "id")
        .first()
    )


def queue_counts(user: User) -> dict[str, dict[str, int]]:
    """Per task kind: how many tasks are open, and how many this user holds or has submitted."""
    counts = {}
    for kind in TaskKind.values:
        tasks = AnnotationTask.objects.filter(kind=kind, gold__isnull=True)
        counts[kind] = {
            "open": tasks.filter(status=TaskStatus.OPEN).count(),
            "mine": AnnotationTask.objects.filter(kind=kind, assignee=user, status=TaskStatus.CLAIMED).count(),
            "done": AnnotationTask.objects.filter(kind=kind, assignee=user, status=TaskStatus.SUBMITTED).count(),
        }
    return counts


def blocked_workers() -> QuerySet[WorkerProfile]:
    """Every blocked or soft-blocked worker, most recently blocked first."""
    return (
        WorkerProfile.objects.exclude(block_status=BlockStatus.ACTIVE)
        .select_related("user")
        .order_by("-blocked_at", "-id")
    )


def _median(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def annotator_stats(*, days: int = 7) -> list[dict]:
    """Per worker: tasks done, throughput, time per task, gold accuracy, agreement with the outcome."""
    since = timezone.now() - timedelta(days=days)
    submitted = (
        AnnotationTask.objects.filter(status=TaskStatus.SUBMITTED, assignee__isnull=False)
        .select_related("assignee__profile", "dialogue")
        .order_by("assignee_id")
    )
    held = dict(
        AnnotationTask.objects.filter(status=TaskStatus.CLAIMED)
        .values_list("assignee_id")
        .annotate(n=Count("id"))
        .values_list("assignee_id", "n")
    )
    rows: dict[int, dict] = {}
    for task in submitted:
        row = rows.setdefault(
            task.assignee_id,
            {"user": task.assignee, "done": 0, "recent": 0, "durations": [], "gold": [], "agree": [], "edit": []},
        )
        row["done"] += 1
        if task.submitted_at and task.submitted_at >= since:
            row["recent"] += 1
        if task.duration_s is not None:
            row["durations"].append(task.duration_s)
        if task.gold_id and task.gold_score is not None:
            row["gold"].append(task.gold_score)
        if task.kind in REVIEW_KINDS and not task.gold_id and task.dialogue.status in ("accepted", "rejected"):
            final = "accept" if task.dialogue.status == "accepted" else "reject"
            row["agree"].append(task.result.get("decision") == final)
        if task.kind == TaskKind.REWRITE_REVIEW and task.result.get("edits"):
            originals = dict(
                Turn.objects.filter(pk__in=[int(k) for k in task.result["edits"]]).values_list("pk", "original_text")
            )
            texts = dict(Turn.objects.filter(pk__in=[int(k) for k in task.result["edits"]]).values_list("pk", "text"))
            for turn_id, rewrite in task.result["edits"].items():
                before = originals.get(int(turn_id)) or texts.get(int(turn_id)) or ""
                row["edit"].append(qc.normalised_edit_distance(before, rewrite))
    out = []
    for user_id, row in rows.items():
        out.append(
            {
                "user": row["user"],
                "blocked": row["user"].profile.block_status if hasattr(row["user"], "profile") else "active",
                "done": row["done"],
                "held": held.get(user_id, 0),
                "per_day": round(row["recent"] / days, 2),
                "median_seconds": _median(row["durations"]),
                "gold_accuracy": round(mean(row["gold"]), 3) if row["gold"] else None,
                "gold_count": len(row["gold"]),
                "agreement": round(mean(row["agree"]), 3) if row["agree"] else None,
                "mean_edit_distance": round(mean(row["edit"]), 3) if row["edit"] else None,
            }
        )
    return sorted(out, key=lambda row: row["user"].username)


def review_agreement() -> dict:
    """Krippendorff's alpha over reviewers' ratings (interval) and decisions (nominal), and the
    mean normalised edit distance between two reviewers' versions of the same line."""
    reviews = AnnotationTask.objects.filter(
        kind__in=REVIEW_KINDS, status=TaskStatus.SUBMITTED, gold__isnull=True
    ).order_by("dialogue_id", "slot")
    by_dialogue: dict[int, list[AnnotationTask]] = {}
    for review in reviews:
        by_dialogue.setdefault(review.dialogue_id, []).append(review)
    multi = {key: value for key, value in by_dialogue.items() if len(value) >= 2}
    ratings = [[review.result.get("rating") for review in group] for group in multi.values()]
    decisions = [[review.result.get("decision") for review in group] for group in multi.values()]
    distances = []
    if multi:
        turns = {
            turn.pk: turn
            for turn in Turn.objects.filter(dialogue_id__in=list(multi)).only("pk", "text", "original_text")
        }
        for group in multi.values():
            edited = {int(turn_id) for review in group for turn_id in review.result.get("edits", {})}
            for turn_id in edited:
                turn = turns.get(turn_id)
                if turn is None:
                    continue
                before = turn.original_text if turn.original_text is not None else turn.text
                versions = [review.result.get("edits", {}).get(str(turn_id), before) for review in group]
                for first, second in combinations(versions, 2):
                    distances.append(qc.normalised_edit_distance(first, second))
    alpha_ratings = qc.krippendorff_alpha(ratings, qc.interval_distance)
    alpha_decisions = qc.krippendorff_alpha(decisions, qc.nominal_distance)
    return {
        "dialogues": len(multi),
        "alpha_ratings": round(alpha_ratings, 3) if alpha_ratings is not None else None,
        "alpha_decisions": round(alpha_decisions, 3) if alpha_decisions is not None else None,
        "rewrite_distance": round(mean(distances), 3) if distances else None,
        "rewrite_pairs": len(distances),
    }


def literary_works_listed() -> QuerySet[LiteraryWork]:
    """Works for a list (page or API): every column but the text, which can be tens of MB."""
    return LiteraryWork.objects.defer("text")
