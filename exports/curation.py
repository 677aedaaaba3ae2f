"""Curation steps applied to every turn of an export: pure functions, no database.

- ``scrub_personal_data``: e-mail addresses, Chinese resident ID numbers (18 digits, checksum
  verified), bank card numbers (13–19 digits, Luhn verified) and phone numbers (Chinese mobile and
  ``+``-prefixed international) are replaced by placeholders; the replacements are counted.
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
import re
from collections import Counter

PLACEHOLDERS = {
    "email": "[EMAIL]",
    "id_number": "[ID_NUMBER]",
    "bank_card": "[BANK_CARD]",
    "phone": "[PHONE]",
}

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
# Region (6) + birth date YYYYMMDD (8) + sequence (3) + check character (digit or X).
_CN_ID = re.compile(r"(?<!\d)[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![\dXx])")
# 13–19 digits, optionally grouped by single spaces or hyphens.
_CARD = re.compile(r"(?<![\d+])\d(?:[ -]?\d){12,18}(?!\d)")
_CN_MOBILE = re.compile(r"(?<![\d+])(?:(?:\+|00)86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}(?!\d)")
_INTL_PHONE = re.compile(r"(?<![\d+])\+\d{1,3}(?:[ -]?\(?\d{1,4}\)?){1,5}(?:[ -]?\d{2,4})(?!\d)")
# Every number pattern above has at least seven digits in a row, allowing single separators;
# most turns have neither that nor an "@", and skip all five passes.
_DIGIT_RUN = re.compile(r"\d(?:[ -]?\d){6}")

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def cn_id_checksum_ok(number: str) -> bool:
    """GB 11643-1999: the 18th character is a weighted sum of the first 17 digits, mod 11."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    total = sum(int(digit) * weight for digit, weight in zip(number[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == number[17].upper()


def luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _digits(text: str) -> str:
    return "".join(char for char in text if char.isdigit())


def scrub_personal_data(text: str, counts: Counter | None = None) -> tuple[str, int]:
    """Return ``text`` with personal data replaced, and how many replacements were made.

    ``counts`` (if given) is incremented per kind: ``email``, ``id_number``, ``bank_card``, ``phone``.
    """
    if not text:
        return text, 0
    has_at = "@" in text
    has_digits = _DIGIT_RUN.search(text) is not None
    if not has_at and not has_digits:
        return text, 0
    made = Counter()

    def replace(kind: str, check=None):
        def substitute(match: re.Match) -> str:
            if check is not None and not check(match.group(0)):
                return match.group(0)
            made[kind] += 1
            return PLACEHOLDERS[kind]

        return substitute

    if has_at:
        text = _EMAIL.sub(replace("email"), text)
        has_digits = has_digits and _DIGIT_RUN.search(text) is not None
    if has_digits:
        text = _CN_ID.sub(replace("id_number", cn_id_checksum_ok), text)
        text = _CARD.sub(replace("bank_card", lambda s: 13 <= len(_digits(s)) <= 19 and luhn_ok(_digits(s))), text)
        text = _CN_MOBILE.sub(replace("phone"), text)
        text = _INTL_PHONE.sub(replace("phone", lambda s: 7 <= len(_digits(s)) <= 15), text)
    if counts is not None:
        counts.update(made)
    return text, sum(made.values())


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
