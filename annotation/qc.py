"""Agreement measures: Krippendorff's alpha, normalised edit distance, character diffs (pure functions)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Sequence
from difflib import SequenceMatcher
from itertools import permutations

Unit = Sequence[Hashable | float | None]


def interval_distance(a: float, b: float) -> float:
    return (float(a) - float(b)) ** 2


def nominal_distance(a: Hashable, b: Hashable) -> float:
    return 0.0 if a == b else 1.0


def krippendorff_alpha(
    units: Sequence[Unit], distance: Callable[[object, object], float] = interval_distance
) -> float | None:
    """Krippendorff's alpha for reliability data given unit by unit (``None`` = no rating).

    ``units[u]`` holds the values the coders gave unit ``u``. Units with fewer than two values
    are not pairable and drop out. Returns None when no disagreement is possible (fewer than two
    pairable values, or every value identical so the expected disagreement is zero).
    """
    pairable = [[value for value in unit if value is not None] for unit in units]
    pairable = [values for values in pairable if len(values) >= 2]
    n = sum(len(values) for values in pairable)
    if n < 2:
        return None
    # Observed disagreement: within-unit pairs, each unit weighted by 1 / (m_u - 1).
    observed = 0.0
    for values in pairable:
        m = len(values)
        observed += sum(distance(a, b) for a, b in permutations(values, 2)) / (m - 1)
    observed /= n
    # Expected disagreement: all pairs of pairable values, regardless of unit.
    counts = Counter(value for values in pairable for value in values)
    expected = 0.0
    for (a, count_a), (b, count_b) in permutations(counts.items(), 2):
        expected += count_a * count_b * distance(a, b)
    expected /= n * (n - 1)
    if expected == 0:
        return None
    return 1.0 - observed / expected


def levenshtein(a: str, b: str) -> int:
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i]
        for j, char_b in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b)))
        previous = current
    return previous[-1]


def normalised_edit_distance(a: str, b: str) -> float:
    """Levenshtein distance over the longer length: 0 identical, 1 nothing in common."""
    if not a and not b:
        return 0.0
    return levenshtein(a, b) / max(len(a), len(b))


def char_diff(before: str, after: str) -> list[tuple[str, str]]:
    """``[(op, text)]`` with op in equal/delete/insert, for showing a rewrite inline."""
    segments: list[tuple[str, str]] = []
    matcher = SequenceMatcher(None, before, after, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            segments.append(("equal", before[i1:i2]))
        if op in ("delete", "replace"):
            segments.append(("delete", before[i1:i2]))
        if op in ("insert", "replace"):
            segments.append(("insert", after[j1:j2]))
    return segments
