"""``pii_audit``: the personal data still stored in dialogues, counted by kind with the analyzer
that the export, the live chat and the annotation checks use (``platform_core.privacy``)."""

from collections import Counter
from collections.abc import Callable, Iterable

from platform_core.privacy.analyzer import analyze
from platform_core.privacy.anonymize import KINDS
from roleplay.models import DialogueSource, Turn


def pii_audit(
    *, sources: Iterable[str] | None = None, on_progress: Callable[[int], None] | None = None, chunk_size: int = 2000
) -> dict:
    """Counts by kind over the turns (text and original text) of the dialogues of ``sources`` (all
    when None), and per dialogue with personal data its id and counts by kind. The ids are for
    admins: the report is written where only they can read it."""
    chosen = list(sources) if sources else list(DialogueSource.values)
    unknown = sorted(set(chosen) - set(DialogueSource.values))
    if unknown:
        raise ValueError(f"Unknown dialogue source(s): {', '.join(unknown)}; known: {', '.join(DialogueSource.values)}.")
    turns = (
        Turn.objects.filter(dialogue__source__in=chosen)
        .order_by("dialogue_id", "seq")
        .values_list("dialogue_id", "text", "original_text")
    )
    totals: Counter = Counter()
    by_dialogue: dict[int, Counter] = {}
    dialogues: set[int] = set()
    scanned = 0
    for dialogue_id, text, original_text in turns.iterator(chunk_size=chunk_size):
        scanned += 1
        dialogues.add(dialogue_id)
        for value in (text, original_text):
            for finding in analyze(value):
                totals[finding.kind] += 1
                by_dialogue.setdefault(dialogue_id, Counter())[finding.kind] += 1
        if on_progress is not None and scanned % chunk_size == 0:
            on_progress(scanned)
    if on_progress is not None:
        on_progress(scanned)
    return {
        "sources": sorted(chosen),
        "dialogues_scanned": len(dialogues),
        "turns_scanned": scanned,
        "counts": {kind: totals.get(kind, 0) for kind in KINDS},
        "dialogues_with_personal_data": len(by_dialogue),
        "dialogues": [
            {"dialogue_id": dialogue_id, "counts": dict(sorted(counts.items()))}
            for dialogue_id, counts in sorted(by_dialogue.items())
        ],
    }
