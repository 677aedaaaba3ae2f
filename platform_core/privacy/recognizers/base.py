"""What every recognizer shares: the kinds, the recognizer class with its prefilter and negative
context words, the digit boundaries and separators of numbers, and the digits' prefilter."""

import re
from functools import cache

from presidio_analyzer import Pattern, PatternRecognizer

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
    """One compiled prefilter per expression (phone, ID, SSN and card numbers share theirs)."""
    return re.compile(pattern)


def _word(word: str) -> str:
    escaped = re.escape(word.lower())
    return f"(?<![a-z]){escaped}(?![a-z])" if word.isascii() else escaped


class TroupeRecognizer(PatternRecognizer):
    """A pattern recognizer with a raw-text prefilter and negative context words."""

    entity: str = ""
    prefilter: str = ""
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
            patterns=[Pattern(name, regex, score) for name, regex, score in self.patterns_spec],
            context=list(self.context_words),
        )
        self.prefilter_regex = _compiled(self.prefilter)
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
