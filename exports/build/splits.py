"""Which dialogues a spec selects, and the character-disjoint train/validation/test split."""

import datetime as dt
import hashlib
from collections import defaultdict

from django.db.models import Q

from exports.models import SPLITS
from roleplay.models import Dialogue, DialogueSource


def dialogue_queryset(spec: dict):
    """The dialogues a spec selects (before curation)."""
    dialogues = Dialogue.objects.filter(status__in=spec["statuses"])
    if not spec.get("include_evaluation"):
        dialogues = dialogues.filter(evaluation_assignment__isnull=True)  # evaluation sessions are test data
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

    ``characters`` maps id -> (category, source, dialogue count). Inside each stratum characters
    are taken in a seeded pseudo-random order and each goes to the split furthest below its share
    of the stratum's dialogues so far.
    """
    strata: dict[tuple[str, str], list[int]] = defaultdict(list)
    for character_id, (category, source, _weight) in characters.items():
        strata[(category, source)].append(character_id)
    assignment = {}
    for key in sorted(strata):
        members = sorted(strata[key], key=lambda cid: hashlib.sha256(f"{seed}:{cid}".encode()).hexdigest())
        totals = dict.fromkeys(SPLITS, 0)
        seen = 0
        for character_id in members:
            weight = characters[character_id][2]
            seen += weight
            # Highest deficit wins; ties go to the earlier split (train before validation before test).
            split = max(SPLITS, key=lambda s: (ratios[s] * seen - totals[s], -SPLITS.index(s)))
            totals[split] += weight
            assignment[character_id] = split
    return assignment
