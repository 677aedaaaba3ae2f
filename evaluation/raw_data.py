"""Raw data out: every judgment of a campaign with the transcripts, as CSV, JSONL or Parquet.

- CSV: ``judgments.csv`` (``evaluation.table``), one row per judgment, the report's only input.
- JSONL / Parquet: one record per session (assignment): its item, the evaluator's hash, the
  transcript (every turn, with the contestant that wrote each model turn), the ratings, the error
  labels per turn and every pair shown (both replies, their sides, the choice, the reply that
  continued, attention checks and identity flags). In Parquet the nested fields are JSON strings.
"""

from __future__ import annotations

import io
import json

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings

from evaluation.models import Assignment, AssignmentStatus, Campaign
from evaluation.quality import evaluator_flags
from evaluation.table import character_label, judgments_table
from exports.curation import worker_hash

FORMATS = {"csv": "text/csv", "jsonl": "application/x-ndjson", "parquet": "application/vnd.apache.parquet"}
NESTED = ("transcript", "ratings", "error_labels", "pairs")


def session_records(campaign: Campaign) -> list[dict]:
    flags = evaluator_flags(campaign)
    salt = settings.EXPORT_HASH_SALT
    assignments = (
        Assignment.objects.filter(campaign=campaign)
        .exclude(status=AssignmentStatus.ABANDONED)
        .select_related("character", "contestant__model_version", "opponent__model_version")
        .prefetch_related(
            "ratings", "error_labels__turn", "pairwise_judgments__left__model_version", "dialogue__turns__author_model"
        )
        .order_by("pk")
    )
    records = []
    for a in assignments:
        labels: dict[int, list[str]] = {}
        for label in a.error_labels.all():
            labels.setdefault(label.turn.seq, []).append(label.label)
        turns = sorted(a.dialogue.turns.all(), key=lambda t: t.seq) if a.dialogue else []
        records.append(
            {
                "campaign": campaign.slug,
                "session": a.pk,
                "mode": a.mode,
                "status": a.status,
                "contestant": a.contestant.name,
                "opponent": a.opponent.name if a.opponent else "",
                "evaluator": worker_hash(a.evaluator_id, salt),
                "evaluator_flags": flags.get(a.evaluator_id, []),
                "character": character_label(a.character.name, a.character.pk),
                "category": a.character.category,
                "topic": a.topic,
                "identity_leak": a.identity_leak,
                "comment": a.comment,
                "transcript": [
                    {
                        "seq": t.seq,
                        "speaker": t.speaker,
                        "text": t.text,
                        "model": t.author_model.name if t.author_model else "",
                    }
                    for t in turns
                ],
                "ratings": {r.dimension: r.value for r in a.ratings.all()},
                "error_labels": [{"turn_seq": seq, "labels": sorted(v)} for seq, v in sorted(labels.items())],
                "pairs": [
                    {
                        "turn_seq": j.turn_seq,
                        "left": j.left.name,
                        "right": j.right.name,
                        "left_text": j.left_text,
                        "right_text": j.right_text,
                        "choice": j.choice,
                        "reason": j.reason,
                        "continued_with": j.continued_with,
                        "attention_expected": j.attention_expected,
                        "identity_leak": j.identity_leak,
                    }
                    for j in sorted(a.pairwise_judgments.all(), key=lambda j: j.turn_seq)
                ],
            }
        )
    return records


def raw_data(campaign: Campaign, fmt: str) -> bytes:
    """The campaign's raw data in ``fmt`` (one of ``FORMATS``)."""
    if fmt == "csv":
        return judgments_table(campaign).to_csv(index=False).encode()
    records = session_records(campaign)
    if fmt == "jsonl":
        return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode()
    if fmt == "parquet":
        flat = [
            {k: json.dumps(v, ensure_ascii=False) if k in NESTED or k == "evaluator_flags" else v for k, v in r.items()}
            for r in records
        ]
        buffer = io.BytesIO()
        pq.write_table(pa.Table.from_pandas(pd.DataFrame(flat), preserve_index=False), buffer)
        return buffer.getvalue()
    raise ValueError(f"Unknown format {fmt!r}; use one of {', '.join(FORMATS)}.")
