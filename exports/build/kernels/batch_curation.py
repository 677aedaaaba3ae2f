"""Curation of a batch of turns at once, with the answers of the per-turn rules in ``curation.py``.

An export has millions of turns; running the per-turn Python rules on each cost ≈ 70 µs a turn.
Here compiled passes (numba, without the GIL) over the UTF-8 bytes of an Arrow column decide the
common case, and the per-turn Python rules run only on the few turns they cannot decide:

- personal data: one RE2 pass by Arrow marks the turns that match the analyzer's prefilter
  (``platform_core.privacy.analyzer.PREFILTER``, the union of every recognizer's necessary
  condition); only those go through the analysis (``scrub_personal_data``), with one placeholder
  numbering per dialogue.
- one compiled scan per column marks the blank turns (``not text.strip()``) and those with a
  letter other than A-Z that lower-casing may change.
- near-duplicate turns: the marked turns are lower-cased by Arrow (or by ``compact_text``, for the
  few letters Arrow lower-cases unlike Python); a walk over each (dialogue, speaker) group then
  lower-cases A-Z, collapses whitespace as ``compact_text`` does and applies
  ``NearDuplicateFilter``'s rule: every 3-gram is one exact 63-bit key (three 21-bit code
  points), so the Jaccard similarity is the exact one, with no hashing and no estimate.
"""

from collections import Counter
from dataclasses import dataclass
from functools import cache

import numba
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from exports.curation import compact_text, scrub_personal_data
from platform_core.privacy.analyzer import PREFILTER, PREFILTERS, Finding
from platform_core.privacy.anonymize import PlaceholderBook

# The characters whose ``str.lower()`` differs from Arrow's ``utf8_lower`` (Python's "İ" becomes
# two characters; Python 3.11 knows no lower case for some letters Unicode added later), and "Σ",
# which Python lower-cases by context. ``tests/exports/build/kernels/test_batch_curation.py`` recomputes the
# list over all of Unicode for the installed Python and Arrow.
_PYTHON_LOWER = (
    r"[\x{130}\x{3a3}\x{1c89}\x{a7cb}-\x{a7e2}\x{ab6c}\x{ab6d}\x{10d50}-\x{10d65}\x{16ea0}-\x{16eb8}"
    r"\x{1df40}-\x{1df7e}]"
)

WINDOW = 8
MIN_CHARS = 8


def _mask(values: pa.Array) -> np.ndarray:
    return values.fill_null(False).to_numpy(zero_copy_only=False)


@dataclass(frozen=True)
class TextScan:
    """What one compiled pass over a column of texts tells about each row."""

    # Empty or only whitespace: ``not text.strip()``.
    blank: np.ndarray
    # A character that lower-casing may change other than A-Z (the walk lower-cases A-Z itself).
    cased: np.ndarray


def string_buffers(texts: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(UTF-8 bytes, int64 offsets: row ``i`` is ``bytes[offsets[i]:offsets[i + 1]]``) of an Arrow
    string array, without copying the bytes."""
    offsets = np.frombuffer(texts.buffers()[1], dtype=np.int32)[texts.offset : texts.offset + len(texts) + 1]
    data = texts.buffers()[2]
    data = np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, dtype=np.uint8)
    return data, offsets.astype(np.int64)


_SPACE, _CASED = 2, 4


@cache
def _character_classes() -> np.ndarray:
    """Per code point up to U+1FFFF, what the scan and the walk ask of it, as bits; past it no
    character is a space or cased but by ``maybe_cased`` (``_class`` answers there)."""
    return _fill_classes(0x20000)


def scan_texts(texts: pa.Array) -> TextScan:
    valid = texts.is_valid().to_numpy(zero_copy_only=False)
    blank, cased = _scan(*string_buffers(texts), valid, _character_classes())
    return TextScan(blank=blank, cased=cased)


def personal_data_candidates(texts: pa.Array) -> np.ndarray:
    """True for the rows the analyzer could find personal data in (its prefilter, by RE2)."""
    return _mask(pc.match_substring_regex(texts, PREFILTER))


@dataclass(frozen=True)
class Candidates:
    """The rows of a column the analyzer could find personal data in (its prefilter, by RE2), their
    texts, and per row the prefilters it matches (the analysis searches no other)."""

    rows: np.ndarray
    texts: list[str]
    passed: list[tuple[str, ...]]


def candidates(texts: pa.Array) -> Candidates:
    """The candidates of ``texts`` for the personal-data analysis."""
    rows = np.zeros(0, dtype=np.int64)
    if texts.null_count < len(texts):  # a column of nulls: the original texts of turns nobody rewrote
        rows = np.flatnonzero(personal_data_candidates(texts))
    if not rows.size:
        return Candidates(rows=rows, texts=[], passed=[])
    chosen = texts.take(rows)
    # Which recognizers' prefilters each candidate matches, by RE2 too: the analysis skips the rest
    # without searching them again in Python.
    masks = [(prefilter, _mask(pc.match_substring_regex(chosen, prefilter)).tolist()) for prefilter in PREFILTERS]
    passed = [tuple(prefilter for prefilter, mask in masks if mask[position]) for position in range(rows.size)]
    return Candidates(rows=rows, texts=chosen.to_pylist(), passed=passed)


def scrub_column(
    texts: pa.Array,
    counts: Counter,
    dialogues: np.ndarray | None = None,
    books: dict[int, PlaceholderBook] | None = None,
    found: Candidates | None = None,
    findings: list[list[Finding]] | None = None,
) -> tuple[pa.Array, np.ndarray]:
    """``texts`` with personal data replaced, and the replacements made in each row.

    ``counts`` is incremented per kind, as ``scrub_personal_data`` does. With ``dialogues`` (each
    row's dialogue) the placeholders are numbered per dialogue in ``books`` (pass the same dict for
    every column of the same turns); without it each row is numbered on its own. ``found``:
    ``candidates(texts)`` when the caller has it; ``findings``: the analyzer's findings in each of
    those candidates, when they were made elsewhere (``exports.build.analysis``).
    """
    replaced = np.zeros(len(texts), dtype=np.int32)
    found = candidates(texts) if found is None else found
    if not found.rows.size:
        return texts, replaced
    books = {} if books is None else books
    cleaned = []
    for position, (row, text) in enumerate(zip(found.rows.tolist(), found.texts, strict=True)):
        book = books.setdefault(int(dialogues[row]), PlaceholderBook()) if dialogues is not None else None
        made_elsewhere = findings[position] if findings is not None else None
        text, made = scrub_personal_data(text, counts, book, found.passed[position], made_elsewhere)
        cleaned.append(text)
        replaced[row] = made
    return _replace_rows(texts, found.rows, pa.array(cleaned, type=texts.type)), replaced


def blank_mask(texts: pa.Array) -> np.ndarray:
    """True where the text is empty or only whitespace (``not text.strip()``)."""
    return scan_texts(texts).blank


def _replace_rows(values: pa.Array, rows: np.ndarray, replacements: pa.Array) -> pa.Array:
    mask = np.zeros(len(values), dtype=bool)
    mask[rows] = True
    return pc.replace_with_mask(values, pa.array(mask), replacements.cast(values.type))


def lowered_column(texts: pa.Array, cased: np.ndarray) -> pa.Array:
    """The rows marked ``cased`` lower-cased as Python does; A-Z elsewhere are left to the walk."""
    rows = np.flatnonzero(cased)
    if not rows.size:
        return texts
    chosen = texts.take(rows)
    lowered = pc.utf8_lower(chosen)
    python_rows = np.flatnonzero(_mask(pc.match_substring_regex(chosen, _PYTHON_LOWER)))
    if python_rows.size:
        by_python = [compact_text(text) for text in chosen.take(python_rows).to_pylist()]
        lowered = _replace_rows(lowered, python_rows, pa.array(by_python, type=pa.string()))
    return _replace_rows(texts, rows, lowered)


def near_duplicate_mask(
    texts: pa.Array,
    groups: np.ndarray,
    threshold: float,
    window: int = WINDOW,
    min_chars: int = MIN_CHARS,
    cased: np.ndarray | None = None,
) -> np.ndarray:
    """True for each turn ``NearDuplicateFilter`` would drop.

    ``groups`` gives each row a number for its (dialogue, speaker); within a group the rows are in
    conversation order (rows of different groups may interleave). No row may be null. ``cased``
    is ``scan_texts(texts).cased`` when the caller has it.
    """
    if window < 1:
        raise ValueError("The window holds at least one turn.")
    if not 0 < threshold <= 1:
        # Above 1 nothing but equal texts would match, which the walk does not check on its own.
        raise ValueError("The near-duplicate threshold lies in (0, 1].")
    if texts.null_count:
        raise ValueError("Near-duplicate detection needs a text in every row.")
    lowered = lowered_column(texts, scan_texts(texts).cased if cased is None else cased)
    data, offsets = string_buffers(lowered)
    order = np.argsort(np.asarray(groups), kind="stable")
    return _near_duplicate_walk(
        data,
        offsets,
        order.astype(np.int64),
        np.asarray(groups, dtype=np.int64)[order],
        float(threshold),
        int(window),
        int(min_chars),
        _character_classes(),
    )


@numba.njit(cache=True, nogil=True)
def maybe_cased(point):  # pragma: no cover - compiled
    """False for every character outside A-Z that neither Python nor Arrow changes by lower-casing
    (CJK, kana, Hangul, punctuation, ...); ``tests/exports/build/kernels/test_batch_curation.py`` checks it over
    all of Unicode."""
    if point < 0x80:
        return False
    return (
        point < 0x2000
        or 0x2100 <= point < 0x2D00
        or 0xA600 <= point < 0xAC00
        or 0xFF21 <= point <= 0xFF3A
        or 0x10000 <= point < 0x20000
    )


@numba.njit(cache=True, nogil=True)
def _next_point(data, index):  # pragma: no cover - compiled
    """(code point, index after it) of the valid UTF-8 at ``data[index]``."""
    byte = data[index]
    if byte < 0x80:
        return np.int64(byte), index + 1
    if byte < 0xE0:
        return (np.int64(byte & 0x1F) << 6) | (data[index + 1] & 0x3F), index + 2
    if byte < 0xF0:
        return (np.int64(byte & 0x0F) << 12) | (np.int64(data[index + 1] & 0x3F) << 6) | (
            data[index + 2] & 0x3F
        ), index + 3
    point = (
        (np.int64(byte & 0x07) << 18)
        | (np.int64(data[index + 1] & 0x3F) << 12)
        | (np.int64(data[index + 2] & 0x3F) << 6)
        | (data[index + 3] & 0x3F)
    )
    return point, index + 4


@numba.njit(cache=True, nogil=True)
def _fill_classes(size):  # pragma: no cover - compiled
    classes = np.zeros(size, dtype=np.uint8)
    for point in range(size):
        value = 0
        if is_space(point):
            value |= _SPACE
        if maybe_cased(point):
            value |= _CASED
        classes[point] = value
    return classes


@numba.njit(cache=True, nogil=True)
def _class(point, classes):  # pragma: no cover - compiled
    if point < classes.shape[0]:
        return classes[point]
    return _CASED if maybe_cased(point) else 0


@numba.njit(cache=True, nogil=True)
def _scan(data, offsets, valid, classes):  # pragma: no cover - compiled
    count = offsets.shape[0] - 1
    blank = np.zeros(count, dtype=np.bool_)
    cased = np.zeros(count, dtype=np.bool_)
    for row in range(count):
        if not valid[row]:
            continue
        only_space = True
        index, end = offsets[row], offsets[row + 1]
        while index < end:
            point, index = _next_point(data, index)
            kind = _class(point, classes)
            if not kind & _SPACE:
                only_space = False
            if kind & _CASED:
                cased[row] = True
        blank[row] = only_space
    return blank, cased


@numba.njit(cache=True, nogil=True)
def is_space(point):  # pragma: no cover - compiled
    """``chr(point).isspace()``."""
    if point <= 0x20:
        return point == 0x20 or 0x09 <= point <= 0x0D or 0x1C <= point <= 0x1F
    if point < 0x85:
        return False
    return (
        point == 0x85
        or point == 0xA0
        or point == 0x1680
        or 0x2000 <= point <= 0x200A
        or point == 0x2028
        or point == 0x2029
        or point == 0x202F
        or point == 0x205F
        or point == 0x3000
    )


@numba.njit(cache=True, nogil=True)
def _compact_points(data, start, end, out, classes):  # pragma: no cover - compiled
    """The code points of ``data[start:end]`` (valid UTF-8) as ``compact_text`` leaves them, given a
    text whose other letters are lower-cased already: A-Z lower-cased, whitespace runs one space,
    none at either end; into ``out``. Returns their count."""
    count = 0
    space = False
    index = start
    while index < end:
        point, index = _next_point(data, index)
        if _class(point, classes) & _SPACE:
            space = True
            continue
        if 0x41 <= point <= 0x5A:
            point += 0x20
        if space and count:
            out[count] = 0x20
            count += 1
        space = False
        out[count] = point
        count += 1
    return count


_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_SKETCH_BITS_LOG2 = 8
_SKETCH_WORDS = (1 << _SKETCH_BITS_LOG2) // 64
_M1 = np.uint64(0x5555555555555555)
_M2 = np.uint64(0x3333333333333333)
_M4 = np.uint64(0x0F0F0F0F0F0F0F0F)
_H01 = np.uint64(0x0101010101010101)


@numba.njit(cache=True, nogil=True)
def _popcount(value):  # pragma: no cover - compiled
    value = value - ((value >> np.uint64(1)) & _M1)
    value = (value & _M2) + ((value >> np.uint64(2)) & _M2)
    value = (value + (value >> np.uint64(4))) & _M4
    return np.int64((value * _H01) >> np.uint64(56))


@numba.njit(cache=True, nogil=True)
def _gram_key(points, index):  # pragma: no cover - compiled
    """The 3-gram at ``points[index]`` as one exact key: three 21-bit code points."""
    return (
        (np.uint64(points[index]) << np.uint64(42))
        | (np.uint64(points[index + 1]) << np.uint64(21))
        | np.uint64(points[index + 2])
    )


@numba.njit(cache=True, nogil=True)
def _table_bits(length):  # pragma: no cover - compiled
    bits = 6
    while (1 << bits) < 2 * length:
        bits += 1
    return bits


@numba.njit(cache=True, nogil=True)
def _distinct_grams(points, length, table_keys, table_stamps, stamp, out, used):  # pragma: no cover
    """The distinct 3-gram keys of ``points[:length]`` appended to ``out`` from ``used``, and
    the table (slots stamped ``stamp``) that holds them; returns the new end of ``out``."""
    shift = np.uint64(64 - _table_bits(length))
    mask = (1 << _table_bits(length)) - 1
    for index in range(length - 2):
        key = _gram_key(points, index)
        slot = np.int64((key * _GOLDEN) >> shift)
        while table_stamps[slot] == stamp and table_keys[slot] != key:
            slot = (slot + 1) & mask
        if table_stamps[slot] != stamp:
            table_stamps[slot] = stamp
            table_keys[slot] = key
            out[used] = key
            used += 1
    return used


@numba.njit(cache=True, nogil=True)
def _compact_rows(data, offsets, order, min_chars, classes):  # pragma: no cover
    """Every row compacted once, in ``order``: the code points, each row's start and length, and a
    256-bit sketch of each eligible row's 3-grams (one bit per key, by hash): a bit one row has and
    the other lacks stands for at least one 3-gram not in the other, which bounds the Jaccard
    similarity of a pair from above before any key is built."""
    count = order.shape[0]
    # No row has more code points than bytes.
    points = np.empty(max(data.shape[0], 1), dtype=np.int32)
    point_start = np.zeros(count, dtype=np.int64)
    lengths = np.zeros(count, dtype=np.int64)
    sketches = np.zeros((count, _SKETCH_WORDS), dtype=np.uint64)
    written = 0
    for position in range(count):
        row = order[position]
        point_start[position] = written
        length = _compact_points(data, offsets[row], offsets[row + 1], points[written:], classes)
        lengths[position] = length
        if length >= min_chars:
            for index in range(written, written + length - 2):
                bit = (_gram_key(points, index) * _GOLDEN) >> np.uint64(64 - _SKETCH_BITS_LOG2)
                sketches[position, bit >> np.uint64(6)] |= np.uint64(1) << (bit & np.uint64(63))
        written += length
    return points, point_start, lengths, sketches


@numba.njit(cache=True, nogil=True, inline="always")
def _sketches_allow(sketches, position, other, length, other_length, threshold):  # pragma: no cover
    """Whether the two rows' sketches leave their Jaccard similarity possibly at ``threshold``."""
    only_mine, only_theirs = 0, 0
    for word in range(_SKETCH_WORDS):
        only_mine += _popcount(sketches[position, word] & ~sketches[other, word])
        only_theirs += _popcount(sketches[other, word] & ~sketches[position, word])
    # At least ``only_mine`` 3-grams of this row are not in the other (and the other way), so at
    # most this many are common, and the similarity is at most common / (common + only_mine +
    # only_theirs). The margin keeps rounding from ruling out a true pair.
    common = min(length - 2 - only_mine, other_length - 2 - only_theirs)
    return common >= threshold * (common + only_mine + only_theirs) - 1e-6


@numba.njit(cache=True, nogil=True, inline="always")
def _similar_enough(
    pool, other_start, other_end, table_keys, table_stamps, position, length, size, threshold
):  # pragma: no cover
    """Whether the other row's keys (``pool[other_start:other_end]``) meet this row's (in the table,
    stamped ``position``) with a Jaccard similarity of at least ``threshold``.

    The rule ``common >= threshold x (size + other_size - common)`` only gets harder as ``common``
    falls, so the count stops once even every key still unread could not pass."""
    other_size = other_end - other_start
    possible = other_size
    shift = np.uint64(64 - _table_bits(length))
    mask = (1 << _table_bits(length)) - 1
    for index in range(other_start, other_end):
        key = pool[index]
        slot = np.int64((key * _GOLDEN) >> shift)
        while table_stamps[slot] == position and table_keys[slot] != key:
            slot = (slot + 1) & mask
        if table_stamps[slot] != position:
            possible -= 1
            if possible < threshold * (size + other_size - possible):
                break
    return possible >= threshold * (size + other_size - possible)


@numba.njit(cache=True, nogil=True)
def _near_duplicate_walk(
    data, offsets, order, sorted_groups, threshold, window, min_chars, classes
):  # pragma: no cover
    """``NearDuplicateFilter`` over rows taken in ``order`` (grouped, conversation order inside).

    Each row's text is compacted as ``compact_text`` does; only the rows that meet an earlier kept
    row of close length get their 3-gram keys: distinct keys go into a pool (for later rows to look
    up) and, for the row being decided, into an open-addressing table (slots stamped with the row,
    so it is never cleared). A row is a near-duplicate of a kept row of its group among the last
    ``window`` when the lengths are close and the Jaccard similarity of the key sets is at least
    ``threshold``.
    """
    count = order.shape[0]
    duplicate = np.zeros(count, dtype=np.bool_)
    longest = 1
    for row in range(offsets.shape[0] - 1):
        longest = max(longest, offsets[row + 1] - offsets[row])
    points, point_start, lengths, sketches = _compact_rows(data, offsets, order, min_chars, classes)
    size = 1 << _table_bits(longest)
    table_keys = np.empty(size, dtype=np.uint64)
    table_stamps = np.full(size, -1, dtype=np.int64)
    scratch_keys = np.empty(size, dtype=np.uint64)
    scratch_stamps = np.full(size, -1, dtype=np.int64)
    # A text has no more 3-grams than bytes.
    pool = np.empty(max(data.shape[0], 1), dtype=np.uint64)
    gram_start = np.full(count, -1, dtype=np.int64)
    gram_end = np.zeros(count, dtype=np.int64)
    used = 0
    kept = np.empty(window, dtype=np.int64)
    kept_count = 0
    for position in range(count):
        if position == 0 or sorted_groups[position] != sorted_groups[position - 1]:
            kept_count = 0
        length = lengths[position]
        if length < min_chars:
            continue
        found = False
        for slot_index in range(min(kept_count, window)):
            other = kept[(kept_count - 1 - slot_index) % window]
            other_length = lengths[other]
            # Equal texts need no check of their own: their Jaccard similarity is 1.
            shorter, longer = min(length, other_length), max(length, other_length)
            if shorter - 2 < threshold * (longer - 2):
                continue
            if not _sketches_allow(sketches, position, other, length, other_length, threshold):
                continue
            if gram_start[other] < 0:
                gram_start[other] = used
                used = _distinct_grams(
                    points[point_start[other] :], other_length, scratch_keys, scratch_stamps, other, pool, used
                )
                gram_end[other] = used
            if gram_start[position] < 0:
                gram_start[position] = used
                used = _distinct_grams(
                    points[point_start[position] :], length, table_keys, table_stamps, position, pool, used
                )
                gram_end[position] = used
            size = gram_end[position] - gram_start[position]
            other_size = gram_end[other] - gram_start[other]
            possible = min(size, other_size)
            if possible < threshold * (size + other_size - possible):
                continue
            if _similar_enough(
                pool, gram_start[other], gram_end[other], table_keys, table_stamps, position, length, size, threshold
            ):
                found = True
                break
        if found:
            duplicate[order[position]] = True
        else:
            kept[kept_count % window] = position
            kept_count += 1
    return duplicate


def warm_up() -> None:
    """Load the compiled passes: the first call into numba in a process takes about half a second,
    which a build spends while its first chunk is read. (The very first call after an install
    compiles them, for several seconds: ``make setup`` and the image build do it ahead.)"""
    texts = pa.array(["warm up the compiled passes", "warm up the compiled passes!"])
    near_duplicate_mask(texts, np.zeros(2, dtype=np.int64), 0.9, cased=scan_texts(texts).cased)
    # The personal-data analyzer: Presidio's engine and every recognizer's patterns.
    scrub_personal_data("warm up 13800000000 a@b.cn 中关村大街1号 wxid_warmup 192.168.0.1")
