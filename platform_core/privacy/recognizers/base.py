"""What every recognizer shares: the kinds, the recognizer class with its prefilter and negative
context words, the digit boundaries and separators of numbers, and the digits' prefilter."""

import re
import re._constants as sre
import re._parser as sre_parse
from functools import cache

from platform_core.privacy.presidio import Pattern, PatternRecognizer
from platform_core.privacy.view import RAW_DIGIT

LANGUAGE = "xx"  # one multilingual recognizer set: a chat line mixes Chinese and English freely

# Kinds of personal data; a kind names its Presidio entity (upper case) and its placeholder.
PHONE = "PHONE"
EMAIL = "EMAIL"
HANDLE = "HANDLE"
ID_NUMBER = "ID_NUMBER"
BANK_CARD = "BANK_CARD"
ADDRESS = "ADDRESS"
IP_ADDRESS = "IP_ADDRESS"
URL = "URL"
ENTITIES = (PHONE, EMAIL, HANDLE, ID_NUMBER, BANK_CARD, ADDRESS, IP_ADDRESS, URL)
ENTITIES_BY_SPECIFICITY = (ID_NUMBER, BANK_CARD, EMAIL, URL, HANDLE, IP_ADDRESS, PHONE, ADDRESS)

# Digit boundaries: letters, digits and "_" (ASCII only: CJK characters are word characters for
# ``\w``, and a number right after "电话" is still a number).
B = r"(?<![0-9A-Za-z_])"
A = r"(?![0-9A-Za-z_])"
# A number written in groups starts no later than its first group: not right after a digit and one
# separator ("9400 1361 2345 …" holds no mobile starting at its second group).
NOT_A_TAIL = r"(?<![0-9][ .\-–—/_·~])(?<![0-9] [-–—] )"
# Between two groups of digits: one or two spaces, or one of - – — / _ · ~ (a space on either side
# allowed); a pattern that needs the same one throughout captures it and repeats it. Not a dot: four
# numbers with dots are an IP address or a version; a pattern spells out the dotted forms it reads.
GROUP_SEP = r"(?: {1,2}| ?[-–—/_·~] ?)"


@cache
def _compiled(pattern: str) -> re.Pattern:
    """One compiled prefilter or gate per expression (phone, ID, SSN and card numbers share a prefilter)."""
    return re.compile(pattern)


def _word(word: str) -> str:
    escaped = re.escape(word.lower())
    return f"(?<![a-z]){escaped}(?![a-z])" if word.isascii() else escaped


class TroupeRecognizer(PatternRecognizer):
    """A pattern recognizer with a raw-text prefilter, an optional gate and negative context words."""

    entity: str = ""
    prefilter: str = ""
    # A necessary condition on the analysis view (``re`` syntax): every text the recognizer finds
    # something in matches it. A text that passes the prefilter (shared by several recognizers) but
    # not the gate skips this recognizer: one ``re`` search instead of every pattern's.
    gate: str = ""
    negative_context: tuple[str, ...] = ()
    patterns_spec: tuple[tuple[str, str, float], ...] = ()
    context_words: tuple[str, ...] = ()
    # Characters after a match read for context words; None: the enhancer's default.
    context_suffix_chars: int | None = None

    def __init__(self) -> None:
        super().__init__(
            supported_entity=self.entity,
            name=type(self).__name__,
            supported_language=LANGUAGE,
            patterns=[Pattern(name, with_start_check(regex), score) for name, regex, score in self.patterns_spec],
            context=list(self.context_words),
        )
        self.prefilter_regex = _compiled(self.prefilter)
        self.gate_regex = _compiled(self.gate) if self.gate else None
        # Latin words count as whole words ("ver" is not in "server"); Chinese ones as substrings.
        self.negative_words = (
            re.compile("|".join(_word(word) for word in self.negative_context)) if self.negative_context else None
        )


def any_of(*patterns: str) -> str:
    """One expression for several patterns of one score: Presidio's cost per pattern and text (its
    timeout, timing and logging) is as large as the scan of a chat line itself."""
    return "(?:" + "|".join(patterns) + ")"


# Between two digits of a number in the raw text, for the prefilter: spaces, hyphens and dashes,
# brackets, "+", "/", "_", "·", "~" (not "." or ",": prices and dates have them; the dotted and
# comma-grouped forms a pattern accepts are spelled out).
_RAW_SEP = "[ \\-–—－()（）/+_·~～＿\u3000]"

# Every number the phone, ID, SSN and card patterns read: seven digits with at most three
# separators between two of them ("191 - 7554"); 3-2-4, 3-3-4 or 3-4-4 digits with dots, 4-4-4
# and 4-6-5 digits with dots (cards), 3-4-4 with commas; seven digits one at a time with dots; "+" then a
# country code and a dot; the letters and digits of UK and Hong Kong identity numbers.
NUMBER_PREFILTER = (
    f"{RAW_DIGIT}(?:{_RAW_SEP}{{0,3}}{RAW_DIGIT}){{6}}"
    f"|{RAW_DIGIT}{{3}}[.．]{RAW_DIGIT}{{2,4}}[.．]{RAW_DIGIT}{{4}}"
    f"|{RAW_DIGIT}{{4}}[.．]{RAW_DIGIT}{{4}}[.．]{RAW_DIGIT}{{4}}|{RAW_DIGIT}{{4}}[.．]{RAW_DIGIT}{{6}}[.．]{RAW_DIGIT}{{5}}"
    f"|{RAW_DIGIT}{{3}}[,，]{RAW_DIGIT}{{4}}[,，]{RAW_DIGIT}{{4}}"
    f"|{RAW_DIGIT}(?: ?[.．] ?{RAW_DIGIT}){{6}}"
    "|[+＋][0-9０-９]{1,3}[.．][0-9０-９]"
    # Identity numbers with letters: "AB 12 34 56 C" (UK), "A123456(A)" (Hong Kong).
    "|[A-Za-z]{2} ?[0-9]{2} ?[0-9]{2} ?[0-9]{2} ?[A-Da-d]|[A-Za-z][0-9]{6}[(（]?[0-9Aa]"
)


def with_start_check(pattern: str) -> str:
    """``pattern`` behind a lookahead for the characters a match of it can start with, when those
    are known: the regex engine then leaves most positions of a line after one class test, instead
    of trying each alternative's lookbehinds there (4-5x faster on patterns that open with them).
    The matches are the same: every match starts with one of those characters."""
    first = first_characters(pattern)
    return f"(?=(?i:{first})){pattern}" if first else pattern


def first_characters(pattern: str) -> str | None:
    """A character class of every character a match of ``pattern`` can start with, or None when
    that is unknown: a match may be empty or start with any character (``.``, a negated class), or
    the pattern is not ``re`` syntax (the ``regex`` module's ``\\K`` and ``\\G`` are: they consume nothing)."""
    try:
        found = _first_of_sequence(list(sre_parse.parse(_REGEX_ONLY_ZERO_WIDTH.sub(r"\1(?:)", pattern))))
    except (re.error, TypeError, ValueError):
        return None
    if found is None or found[1]:
        return None
    return "[" + "".join(sorted(found[0])) + "]"


_REGEX_ONLY_ZERO_WIDTH = re.compile(r"(?<!\\)((?:\\\\)*)\\[KG]")
_ZERO_WIDTH = (sre.ASSERT, sre.ASSERT_NOT, sre.AT)
_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT)
_CATEGORIES = {
    sre.CATEGORY_DIGIT: r"\d",
    sre.CATEGORY_NOT_DIGIT: r"\D",
    sre.CATEGORY_SPACE: r"\s",
    sre.CATEGORY_NOT_SPACE: r"\S",
    sre.CATEGORY_WORD: r"\w",
    sre.CATEGORY_NOT_WORD: r"\W",
}
# (class items, whether the part can match the empty string); None: any character may come first.
_First = tuple[set[str], bool] | None


def _first_of_sequence(items: list) -> _First:
    found: set[str] = set()
    for op, value in items:
        if op in _ZERO_WIDTH:
            continue
        part = _first_of_item(op, value)
        if part is None:
            return None
        found |= part[0]
        if not part[1]:
            return found, False
    return found, True


def _first_of_item(op, value) -> _First:
    if op is sre.LITERAL:
        return {_class_char(value)}, False
    if op is sre.IN:
        return _first_of_class(value)
    if op is sre.SUBPATTERN:
        return _first_of_sequence(list(value[-1]))
    if op is sre.ATOMIC_GROUP:
        return _first_of_sequence(list(value))
    if op in _REPEATS:
        low, _high, body = value
        part = _first_of_sequence(list(body))
        return None if part is None else (part[0], part[1] or low == 0)
    if op is sre.BRANCH:
        found: set[str] = set()
        empty = False
        for branch in value[1]:
            part = _first_of_sequence(list(branch))
            if part is None:
                return None
            found |= part[0]
            empty = empty or part[1]
        return found, empty
    return None  # any character, a negated literal, a back reference, a conditional


def _first_of_class(members: list) -> _First:
    found: set[str] = set()
    for kind, value in members:
        if kind is sre.LITERAL:
            found.add(_class_char(value))
        elif kind is sre.RANGE:
            found.add(f"{_class_char(value[0])}-{_class_char(value[1])}")
        elif kind is sre.CATEGORY and value in _CATEGORIES:
            found.add(_CATEGORIES[value])
        else:
            return None  # a negated class
    return found, False


def _class_char(code: int) -> str:
    return re.escape(chr(code)) if chr(code).isprintable() else f"\\U{code:08x}"
