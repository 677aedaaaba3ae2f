"""Which dialogues a spec selects, and the character-disjoint train/validation/test split."""

import datetime as dt
import hashlib
from collections import defaultdict

from django.db.models import Exists, OuterRef, Q

from exports.models import SPLITS
from roleplay.models import Dialogue, DialogueSource


def dialogue_queryset(spec: dict):
    """The dialogues a spec selects (before curation)."""
    dialogues = Dialogue.objects.filter(status__in=spec["statuses"])
    if not spec.get("include_evaluation"):
        # Evaluation sessions are test data. NOT EXISTS rather than the LEFT JOIN … IS NULL that
        # ``evaluation_assignment__isnull`` writes: PostgreSQL estimates that join at a handful of
        # rows and plans each chunk's turn query around the estimate (see ``turn_stream``).
        assignments = Dialogue._meta.get_field("evaluation_assignment").related_model
        dialogues = dialogues.filter(~Exists(assignments.objects.filter(dialogue_id=OuterRef("pk"))))
    if spec.get("sources"):
        dialogues = dialogues.filter(source__in=spec["sources"])
    if spec.get("categories"):
        dialogues = dialogues.filter(character__category__in=spec["categories"])
    if spec.get("languages"):
        dialogues = dialogues.filter(language__in=spec["languages"])
    if spec.get("min_quality") is not None:
        dialogues = dialogues.filter(quality_rating__gte=spec["min_quality"])
    if spec.get("date_from"):
        dialogues = dialogues.filter(created_at__date__gte=dt.date.fromisoformat(spec["date_from"]))
    if spec.get("date_to"):
        dialogues = dialogues.filter(created_at__date__lte=dt.date.fromisoformat(spec["date_to"]))
    generation = Q()
    if spec.get("model_generation_min") is not None:
        generation &= Q(model_version__generation__gte=spec["model_generation_min"])
    if spec.get("model_generation_max") is not None:
        generation &= Q(model_version__generation__lte=spec["model_generation_max"])
    if generation:
        dialogues = dialogues.filter(~Q(source=DialogueSource.HUMAN_MACHINE) | generation)
    return dialogues.order_by()


def assign_splits(characters: dict[int, tuple[str, str, int]], ratios: dict[str, float], seed: int) -> dict[int, str]:
    """Character-disjoint split, stratified by (category, main source), deterministic for ``seed``.

    ``characters`` maps id -> (category, source, dialogue count). Strata are taken in order and,
    inside each, characters in a seeded pseudo-random order. Each character goes to the split
    furthest below its share of the dialogues seen so far, counted both in its stratum and over
    all strata: the stratum keeps every split's mix of categories and sources, and the total
    keeps many small strata from each sending their first character to train. Finally, every split
    with a non-zero ratio that is still empty takes one character, while there are enough.
    """
    strata: dict[tuple[str, str], list[int]] = defaultdict(list)
    for character_id, (category, source, _weight) in characters.items():
        strata[(category, source)].append(character_id)
    assignment: dict[int, str] = {}
    overall = dict.fromkeys(SPLITS, 0)
    seen_overall = 0
    for key in sorted(strata):
        members = sorted(strata[key], key=lambda cid: _draw(seed, cid))
        in_stratum = dict.fromkeys(SPLITS, 0)
        seen = 0
        for character_id in members:
            weight = characters[character_id][2]
            seen += weight
            seen_overall += weight

            split = max(
                SPLITS,
                key=lambda s, seen=seen, seen_overall=seen_overall, in_stratum=in_stratum: (
                    (ratios[s] * seen - in_stratum[s]) + (ratios[s] * seen_overall - overall[s]),
                    -SPLITS.index(s),  # ties go to the earlier split
                ),
            )
            in_stratum[split] += weight
            overall[split] += weight
            assignment[character_id] = split
    _fill_empty_splits(assignment, characters, ratios, seed)
    return assignment


def _draw(seed: int, character_id: int) -> str:
    return hashlib.sha256(f"{seed}:{character_id}".encode()).hexdigest()


def _fill_empty_splits(
    assignment: dict[int, str], characters: dict[int, tuple[str, str, int]], ratios: dict[str, float], seed: int
) -> None:
    """Move one character into each empty split that should have some, from the most populous split."""
    for split in SPLITS:
        members = defaultdict(list)
        for character_id, assigned in assignment.items():
            members[assigned].append(character_id)
        if ratios[split] <= 0 or members[split]:
            continue
        donor = max(SPLITS, key=lambda s: (len(members[s]), -SPLITS.index(s)))
        if len(members[donor]) < 2:
            return  # fewer characters than splits that want them
        # The donor's lightest character, so the donor's share moves least.
        moved = min(members[donor], key=lambda cid: (characters[cid][2], _draw(seed, cid)))
        assignment[moved] = split


def split_warnings(splits: dict[str, dict], ratios: dict[str, float]) -> list[dict]:
    """What a reader of the manifest should know: a split left empty, or one far from its ratio.

    Each warning is ``{"split", "problem": "empty" | "far_from_ratio", "ratio", "share"}``, where
    ``share`` is the split's part of the exported dialogues.
    """
    total = sum(info.get("dialogues", 0) for info in splits.values())
    warnings = []
    for split in SPLITS:
        ratio = float(ratios.get(split, 0.0))
        dialogues = splits.get(split, {}).get("dialogues", 0)
        share = round(dialogues / total, 4) if total else 0.0
        if ratio > 0 and dialogues == 0:
            warnings.append({"split": split, "problem": "empty", "ratio": ratio, "share": share})
        elif total and ratio > 0 and abs(share - ratio) > max(0.05, ratio / 2):
            warnings.append({"split": split, "problem": "far_from_ratio", "ratio": ratio, "share": share})
    return warnings
