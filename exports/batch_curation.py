"""Curation of a batch of turns at once, with the answers of the per-turn rules in ``curation.py``.

An export has millions of turns; running the per-turn Python rules on each cost ≈ 70 µs a turn.
Here the common case is decided by vectorised Arrow (RE2) and numpy passes, and the per-turn
Python rules run only on the few turns those passes cannot rule out:

- personal data: an RE2 pass finds the turns that contain an "@" or seven digits in a row (the
  same test ``scrub_personal_data`` starts with); only those go through ``scrub_personal_data``.
- empty turns: an RE2 pass with exactly the characters ``str.isspace`` accepts.
- near-duplicate turns: a one-permutation MinHash signature per turn (64 bins of character
  3-gram hashes, fixed constants, so deterministic) is compared with the signatures of the same
  speaker's previous 8 eligible turns in the dialogue. Pairs whose estimated similarity clears a
  bar well below the threshold (``candidate_bar``) are checked with the exact rule
  (``near_duplicate_pair``), and only groups (dialogue, speaker) with a confirmed pair are walked
  turn by turn, because a dropped turn lets an earlier kept turn back into the 8-turn window.

A pair below the bar is treated as distinct. Each 3-gram in one turn and not the other spoils at
most its own bin, so a pair with Jaccard similarity J has at most (1 - J) x (union of 3-grams)
unequal bins: below the bar only when its 3-grams crowd into under a third as many bins (short
turns spread over nearly as many bins as they have 3-grams) or, for long turns, when the unequal
bins are a binomial draw 0.2 above their mean share (at the default 0.9, p < 1e-6 per pair).
Equal turns match in every bin.
"""

from collections import Counter

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from exports.curation import compact_text, near_duplicate_pair, scrub_personal_data, trigrams

# Python's ``\\d`` on str is Unicode category Nd; ``scrub_personal_data`` does nothing to a text
# without an "@" or such a run of seven digits.
_SCRUB_CANDIDATE = r"@|\p{Nd}(?:[ -]?\p{Nd}){6}"
# Exactly the characters for which ``str.isspace()`` is true.
_WHITESPACE = r"[\t-\r\x1c-\x1f\x{85}\p{Z}]"
_OTHER_WHITESPACE = r"[\t-\r\x1c-\x1f\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}]"
_UNUSUAL_WHITESPACE = f"^ | $|  |{_OTHER_WHITESPACE}"

WINDOW = 8
MIN_CHARS = 8
BINS = 64
_EMPTY = np.uint16(0xFFFF)
# Fixed odd multipliers (from murmur3 and splitmix), so signatures are the same in every build.
_MIX_1 = np.uint32(0x9E3779B1)
_MIX_2 = np.uint32(0x85EBCA77)
_MIX_3 = np.uint32(0xC2B2AE3D)
_MIX_4 = np.uint32(0x27D4EB2F)
_SHIFT_15, _SHIFT_16, _SHIFT_26 = np.uint32(15), np.uint32(16), np.uint32(26)
_LOW_15 = np.uint32(0x7FFF)


def _mask(values: pa.Array) -> np.ndarray:
    return values.fill_null(False).to_numpy(zero_copy_only=False)


def scrub_column(texts: pa.Array, counts: Counter) -> tuple[pa.Array, np.ndarray]:
    """``texts`` with personal data replaced, and the replacements made in each row.

    ``counts`` is incremented per kind, as ``scrub_personal_data`` does.
    """
    replaced = np.zeros(len(texts), dtype=np.int32)
    rows = np.flatnonzero(_mask(pc.match_substring_regex(texts, _SCRUB_CANDIDATE)))
    if not rows.size:
        return texts, replaced
    cleaned = []
    for row, text in zip(rows.tolist(), texts.take(rows).to_pylist(), strict=True):
        text, made = scrub_personal_data(text, counts)
        cleaned.append(text)
        replaced[row] = made
    mask = np.zeros(len(texts), dtype=bool)
    mask[rows] = True
    return pc.replace_with_mask(texts, pa.array(mask), pa.array(cleaned, type=texts.type)), replaced


def blank_mask(texts: pa.Array) -> np.ndarray:
    """True where the text is empty or only whitespace (``not text.strip()``)."""
    return _mask(pc.match_substring_regex(texts, f"^{_WHITESPACE}*$"))


def compact_column(texts: pa.Array) -> pa.Array:
    """``compact_text`` of every row, with the same length in characters.

    Arrow lower-cases one character to one character; Python turns "İ" into "i" + U+0307, so that
    one is spelled out first. (A few rare letters lower-case differently; that only moves a
    signature, never the length or the exact check.)
    """
    texts = pc.utf8_lower(pc.replace_substring(texts, "İ", "i̇"))
    # Replacing is slow in RE2, matching fast: only texts with whitespace other than single
    # spaces between words are rewritten.
    rows = np.flatnonzero(_mask(pc.match_substring_regex(texts, _UNUSUAL_WHITESPACE)))
    if rows.size:
        mask = np.zeros(len(texts), dtype=bool)
        mask[rows] = True
        collapsed = pc.replace_substring_regex(texts.take(rows), f"{_WHITESPACE}+", " ")
        texts = pc.replace_with_mask(texts, pa.array(mask), pc.utf8_trim(collapsed, " "))
    return texts


def _signatures(compacted: list[str], lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One-permutation MinHash of each text's character 3-grams: (signatures, filled bins per row).

    A 3-gram's hash picks its bin (top 6 bits) and its value (low 15 bits). Empty bins hold
    ``0x8000 | row % 16``: never a value, and different for any two rows up to 15 apart, so an
    empty bin never counts as a match.
    """
    count = len(compacted)
    codes = np.frombuffer("".join(compacted).encode("utf-32-le"), dtype=np.uint32)
    # A 32-bit hash of each 3-gram (two 3-grams may share one; that only adds candidates).
    hashed = codes[:-2] * _MIX_1 + codes[1:-1] * _MIX_2 + codes[2:] * _MIX_3
    hashed ^= hashed >> _SHIFT_16
    hashed *= _MIX_4
    hashed ^= hashed >> _SHIFT_15
    # The 3-grams that run past the end of a text go to an extra row, dropped below.
    rows = np.repeat(np.arange(count, dtype=np.intp), lengths)[:-2]
    ends = np.cumsum(lengths)
    rows[ends[:-1] - 1] = count
    rows[ends[:-1] - 2] = count
    signatures = np.full((count + 1) * BINS, _EMPTY, dtype=np.uint16)
    np.minimum.at(signatures, rows * BINS + (hashed >> _SHIFT_26), (hashed & _LOW_15).astype(np.uint16))
    signatures = signatures[: count * BINS].reshape(count, BINS)
    empty = signatures == _EMPTY
    filled = BINS - np.count_nonzero(empty, axis=1)
    markers = (0x8000 | (np.arange(count) % 16)).astype(np.uint16)
    return np.where(empty, markers[:, None], signatures), filled


def candidate_bar(threshold: float) -> float:
    """The estimated similarity from which a pair is checked exactly (see the module docstring)."""
    return max(0.0, min(threshold - 0.2, 3 * threshold - 2))


def near_duplicate_mask(
    texts: pa.Array,
    groups: np.ndarray,
    threshold: float,
    window: int = WINDOW,
    min_chars: int = MIN_CHARS,
) -> np.ndarray:
    """True for each turn ``NearDuplicateFilter`` would drop.

    ``groups`` gives each row a number for its (dialogue, speaker); within a group the rows are in
    conversation order (rows of different groups may interleave).
    """
    duplicate = np.zeros(len(texts), dtype=bool)
    compacted = compact_column(texts)
    lengths = pc.utf8_length(compacted).to_numpy(zero_copy_only=False)
    eligible = np.flatnonzero(lengths >= min_chars)
    if eligible.size < 2:
        return duplicate
    order = eligible[np.argsort(groups[eligible], kind="stable")]
    sorted_groups = groups[order]
    sorted_lengths = lengths[order].astype(np.int64)
    signatures, filled = _signatures(compacted.take(order).to_pylist(), sorted_lengths)
    if not 0 < window < 16:
        raise ValueError("The window lies between 1 and 15 turns (empty-bin markers repeat every 16 rows).")
    bar = candidate_bar(threshold)
    candidates: list[tuple[np.ndarray, np.ndarray]] = []
    for lag in range(1, window + 1):
        if lag >= len(order):
            break
        earlier_lengths, later_lengths = sorted_lengths[:-lag], sorted_lengths[lag:]
        shorter = np.minimum(earlier_lengths, later_lengths)
        longer = np.maximum(earlier_lengths, later_lengths)
        # The exact length rule with one character to spare: candidates are checked exactly anyway.
        possible = (sorted_groups[:-lag] == sorted_groups[lag:]) & (shorter - 1 >= threshold * (longer - 2))
        earlier = np.flatnonzero(possible)
        if not earlier.size:
            continue
        later = earlier + lag
        matches = np.count_nonzero(signatures[earlier] == signatures[later], axis=1)
        close = matches >= bar * np.maximum(filled[earlier], filled[later])
        candidates.append((earlier[close], later[close]))
    if not candidates:
        return duplicate
    earlier = np.concatenate([pair[0] for pair in candidates])
    later = np.concatenate([pair[1] for pair in candidates])
    if not earlier.size:
        return duplicate

    seen: dict[int, tuple[str, set]] = {}

    def near(first: int, second: int) -> bool:
        """The exact rule, with each turn compacted and cut into 3-grams once."""
        entries = []
        for position in (first, second):
            entry = seen.get(position)
            if entry is None:
                text = compact_text(texts[int(order[position])].as_py())
                entry = seen[position] = (text, trigrams(text))
            entries.append(entry)
        (a, a_grams), (b, b_grams) = entries
        return near_duplicate_pair(a, b, threshold, a_grams, b_grams)

    confirmed = {
        (first, second) for first, second in zip(earlier.tolist(), later.tolist(), strict=True) if near(first, second)
    }
    if not confirmed:
        return duplicate
    # Walk each group with a confirmed pair as NearDuplicateFilter does: a turn is compared with
    # the last ``window`` kept turns; pairs up to ``window`` apart are known (confirmed or not a
    # candidate), pairs further apart (after a drop) are checked exactly.
    group_starts = np.flatnonzero(np.r_[True, sorted_groups[1:] != sorted_groups[:-1]])
    group_ends = np.r_[group_starts[1:], len(order)]
    touched = sorted({np.searchsorted(group_starts, second, side="right") - 1 for _first, second in confirmed})
    for group in touched:
        kept: list[int] = []
        for position in range(int(group_starts[group]), int(group_ends[group])):
            dropped = False
            for earlier_position in kept[-window:]:
                if position - earlier_position <= window:
                    dropped = (earlier_position, position) in confirmed
                else:
                    dropped = near(earlier_position, position)
                if dropped:
                    break
            if dropped:
                duplicate[order[position]] = True
            else:
                kept.append(position)
    return duplicate
