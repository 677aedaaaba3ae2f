"""The judgments table: one row per judgment, the columns of ``judgments.csv``.

The report is computed from this table alone (``evaluation.reports.report_from_table``), so anyone
holding ``judgments.csv`` recomputes every figure. Rows:

- ``pointwise``: one per rating of a submitted session; ``dimension`` = the dimension's key,
  ``value`` 1–5.
- ``error``: one per error label on a model turn of a submitted session (``dimension`` = the
  label's key, ``value`` 1, ``turn_seq`` the turn), plus one row per submitted session with
  ``dimension`` = ``model_turns`` and ``value`` = how many model turns it had: the denominator
  of "per 100 model turns".
- ``pairwise``: one per judged pair; ``contestant`` / ``opponent`` are the session's two models,
  ``value`` is ``win`` / ``tie`` / ``lose`` / ``both_bad`` from the contestant's side and
  ``position`` its side. Attention checks are rows with ``excluded`` = 1.

``evaluator`` is the exports' salted hash; ``excluded`` = 1 marks what quality control leaves out
of the report (flagged evaluators when the campaign excludes them, sessions or pairs where a reply
revealed a model identity when the campaign excludes those, attention checks).
"""

from __future__ import annotations

import pandas as pd
from django.conf import settings

from evaluation.definitions import MODEL_TURNS
from evaluation.models import (
    Assignment,
    AssignmentStatus,
    Campaign,
    ErrorLabel,
    Mode,
    PairwiseJudgment,
    PointwiseRating,
)
from evaluation.quality import evaluator_flags
from exports.curation import worker_hash
from roleplay.models import Turn

COLUMNS = [
    "campaign",
    "mode",
    "contestant",
    "opponent",
    "evaluator",
    "character",
    "category",
    "topic",
    "dimension",
    "value",
    "turn_seq",
    "position",
    "excluded",
]


def character_label(name: str, pk: int) -> str:
    return f"{name} (#{pk})"


def _sessions(campaign: Campaign) -> dict[int, dict]:
    """Per non-abandoned assignment: the fields its rows share."""
    rows = (
        Assignment.objects.filter(campaign=campaign)
        .exclude(status=AssignmentStatus.ABANDONED)
        .values_list(
            "pk",
            "mode",
            "status",
            "evaluator_id",
            "character_id",
            "character__name",
            "character__category",
            "topic",
            "contestant__model_version__name",
            "opponent__model_version__name",
            "identity_leak",
            "dialogue_id",
        )
    )
    sessions = {}
    for pk, mode, status, evaluator, char_id, char_name, category, topic, contestant, opponent, leak, dialogue in rows:
        sessions[pk] = {
            "mode": mode,
            "submitted": status == AssignmentStatus.SUBMITTED,
            "evaluator_id": evaluator,
            "character": character_label(char_name, char_id),
            "category": category,
            "topic": topic,
            "contestant": contestant,
            "opponent": opponent or "",
            "leak": leak,
            "dialogue": dialogue,
        }
    return sessions


PAIRWISE_VALUE = {  # (choice, the contestant's side) → the contestant's outcome
    ("left", "left"): "win",
    ("right", "right"): "win",
    ("left", "right"): "lose",
    ("right", "left"): "lose",
}


def judgments_table(campaign: Campaign) -> pd.DataFrame:
    sessions = _sessions(campaign)
    flags = evaluator_flags(campaign)
    salt = settings.EXPORT_HASH_SALT
    hashes = {s["evaluator_id"]: worker_hash(s["evaluator_id"], salt) for s in sessions.values()}
    rows: list[tuple] = []

    def add(session: dict, mode: str, dimension: str, value, turn_seq, position: str, excluded: bool, **over) -> None:
        rows.append(
            (
                campaign.slug,
                mode,
                over.get("contestant", session["contestant"]),
                over.get("opponent", "" if mode != Mode.PAIRWISE else session["opponent"]),
                hashes[session["evaluator_id"]],
                session["character"],
                session["category"],
                session["topic"],
                dimension,
                value,
                turn_seq,
                position,
                int(excluded),
            )
        )

    def session_excluded(session: dict) -> bool:
        flagged = campaign.exclude_flagged and session["evaluator_id"] in flags
        return flagged or (campaign.exclude_identity_leaks and session["leak"])

    submitted = {pk for pk, s in sessions.items() if s["submitted"] and s["mode"] == Mode.POINTWISE}
    ratings = PointwiseRating.objects.filter(assignment_id__in=submitted).order_by("assignment_id", "id")
    for assignment_id, dimension, value in ratings.values_list("assignment_id", "dimension", "value"):
        session = sessions[assignment_id]
        add(session, Mode.POINTWISE, dimension, value, "", "", session_excluded(session))
    labels = ErrorLabel.objects.filter(assignment_id__in=submitted).order_by("assignment_id", "turn__seq", "label")
    for assignment_id, label, seq in labels.values_list("assignment_id", "label", "turn__seq"):
        session = sessions[assignment_id]
        add(session, "error", label, 1, seq, "", session_excluded(session))
    for assignment_id in sorted(submitted):
        session = sessions[assignment_id]
        turns = Turn.objects.filter(dialogue_id=session["dialogue"], author_model__isnull=False).count()
        add(session, "error", MODEL_TURNS, turns, "", "", session_excluded(session))
    pairs = PairwiseJudgment.objects.filter(assignment_id__in=sessions).exclude(choice="").order_by("judged_at", "id")
    fields = ("assignment_id", "turn_seq", "left__model_version__name", "choice", "attention_expected", "identity_leak")
    for assignment_id, seq, left_name, choice, attention, leak in pairs.values_list(*fields):
        session = sessions[assignment_id]
        position = "left" if left_name == session["contestant"] else "right"
        value = PAIRWISE_VALUE.get((choice, position), choice)  # tie and both_bad read the same from both sides
        flagged = campaign.exclude_flagged and session["evaluator_id"] in flags
        excluded = bool(attention) or flagged or (campaign.exclude_identity_leaks and leak)
        add(session, Mode.PAIRWISE, "", value, seq, position, excluded)
    return pd.DataFrame.from_records(rows, columns=COLUMNS)
