"""Curation steps applied to every turn of an export: pure functions, no database.

- ``scrub_personal_data``: personal data (phone numbers, e-mails, messaging handles, ID numbers,
  bank cards, addresses and postcodes, IP addresses, profile links) replaced by placeholders by
  kind, numbered per dialogue (``[PHONE_1]``); the replacements are counted by kind. The rule is
  ``platform_core.privacy`` (Presidio with Troupe's recognizers), the one the live chat, the
  annotation checks and ``pii_audit`` use; this is its entry point for exports.
- ``NearDuplicateFilter``: a turn (of 8 characters or more) of similar length whose character
  3-gram set has Jaccard similarity at or above a threshold with one of the last 8 kept turns of
  the same speaker in the same dialogue is a near-duplicate (repeated or barely edited messages).
  Exact set comparison is deterministic and needs no hashing; the state is one dialogue, so memory
  does not grow with the corpus. The compiled walk in ``exports.build.kernels.batch_curation`` gives the same
  answers for a whole batch at once.
- ``worker_hash``: a worker's id becomes a salted HMAC, stable across exports for the same salt.
"""

import hashlib
import hmac
from collections import Counter
from collections.abc import Collection

from platform_core.privacy.analyzer import Finding
from platform_core.privacy.anonymize import KINDS, PlaceholderBook, scrub

# The kinds counted in a manifest's ``pii_replacements``, in this order.
PII_KINDS = KINDS


def scrub_personal_data(
    text: str,
    counts: Counter | None = None,
    book: PlaceholderBook | None = None,
    passed: Collection[str] | None = None,
    findings: list[Finding] | None = None,
) -> tuple[str, int]:
    """Return ``text`` with personal data replaced, and how many replacements were made.

    ``counts`` (if given) is incremented per kind; ``book`` numbers the placeholders of one
    dialogue (a fresh numbering when not given); ``passed``: the analyzer's prefilters ``text``
    is known to match (a column's RE2 pass), not searched again; ``findings``: the analyzer's
    findings in ``text`` when they were made elsewhere (``exports.build.analysis``).
    """
    return scrub(text, book, counts, passed=passed, findings=findings)


def _compact(text: str) -> str:
    return " ".join(text.split()).lower()


def compact_text(text: str) -> str:
    """What near-duplicate detection compares: whitespace runs collapsed to one space, lower case."""
    return _compact(text)


def shingles(text: str, size: int = 3) -> set[str]:
    compact = _compact(text)
    if len(compact) <= size:
        return {compact}
    return {compact[i : i + size] for i in range(len(compact) - size + 1)}


class NearDuplicateFilter:
    """Remembers the kept turns of one dialogue; call ``reset()`` between dialogues.

    Turns are normalised (whitespace collapsed, lower case). A turn of at least ``min_chars``
    characters is a near-duplicate of an earlier kept turn of the same speaker, among the last
    ``window``, when the two are equal, or when their lengths are close (shorter - 2 >=
    threshold x (longer - 2): their 3-gram counts could be that close) and the Jaccard similarity
    of their character 3-gram sets is at least ``threshold``. Shorter turns ("ok", "哈哈") recur
    naturally and are never dropped.

    Jaccard(S, E) >= t implies |S & E| >= t |S|, so a turn sharing fewer than t |S| of its 3-grams
    with the union of all earlier turns of its speaker cannot be a near-duplicate of any: one set
    intersection rules most turns out before any pair is compared.
    """

    def __init__(self, threshold: float, window: int = 8, min_chars: int = 8) -> None:
        self.threshold = threshold
        # Only the last ``window`` kept turns of a speaker are compared: repetition is local, and
        # the cost per turn stays constant however long a (literary) dialogue gets.
        self.window = window
        self.min_chars = min_chars
        self._kept: dict[str, tuple[list[tuple[str, set[str]]], set[str]]] = {}

    def reset(self) -> None:
        self._kept = {}

    def is_near_duplicate(self, speaker: str, text: str) -> bool:
        """True when ``text`` repeats an earlier kept turn of ``speaker``; otherwise remembers it."""
        compact = _compact(text)
        length = len(compact)
        if length < self.min_chars:
            return False
        grams = {compact[i : i + 3] for i in range(length - 2)}
        state = self._kept.get(speaker)
        if state is None:
            self._kept[speaker] = ([(compact, grams)], set(grams))
            return False
        entries, union = state
        threshold = self.threshold
        size = len(grams)
        if len(grams & union) >= threshold * size:
            for earlier, earlier_grams in entries[-self.window :]:
                if earlier == compact:
                    return True
                other_length = len(earlier)
                shorter, longer = (length, other_length) if length < other_length else (other_length, length)
                if shorter - 2 < threshold * (longer - 2):
                    continue
                common = len(grams & earlier_grams)
                if common >= threshold * (size + len(earlier_grams) - common):
                    return True
        entries.append((compact, grams))
        union |= grams
        return False


def worker_hash(user_id: int | None, salt: str) -> str:
    """``worker-<16 hex>``: the same worker gets the same pseudonym in every export for ``salt``."""
    if user_id is None:
        return ""
    digest = hmac.new(salt.encode(), str(user_id).encode(), hashlib.sha256).hexdigest()
    return f"worker-{digest[:16]}"
