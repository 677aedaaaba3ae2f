"""Troupe's own Presidio pattern recognizers for personal data in Chinese and English chat text.

Every recognizer is a Presidio ``PatternRecognizer``: regular-expression patterns with a base score,
an optional ``validate_result`` (checksums: ID numbers, Luhn, IPv4 octets, digit counts) and
context words. ``context`` words near a match raise its score; ``negative_context`` words (dates,
prices, ISBNs, versions, order numbers) lower it. ``platform_core.privacy.analyzer`` applies both
through one ``ContextAwareEnhancer`` that reads a window of characters around the match, so the
words work in Chinese (no spaces between words) as in English.

Each recognizer also names its ``prefilter``: an RE2-compatible regular expression (Python's ``re``
reads it the same way) that every text it can match also matches, on the raw text. The union of
all of them selects the texts worth analysing (``analyzer.PREFILTER``); ``tests/platform_core/
test_privacy.py`` checks on the evaluation set that the prefilter never drops a text the analyzer
flags.

Patterns run on the *analysis view* of a text (``view.analysis_view``: full-width folded, Chinese
numerals and circled digits as digits, offsets unchanged); several patterns of one score are one
expression (``base.any_of``), since Presidio's cost per pattern and text is about that of scanning
a chat line.

Modules: ``base`` (kinds, the recognizer class, separators and the digits' prefilter), ``phones``,
``emails``, ``handles``, ``ids`` (identity numbers and cards), ``addresses``, ``network`` (IP
addresses and profile links).
"""

from platform_core.privacy.recognizers.addresses import AddressRecognizer
from platform_core.privacy.recognizers.base import (
    ADDRESS,
    BANK_CARD,
    EMAIL,
    ENTITIES,
    ENTITIES_BY_SPECIFICITY,
    HANDLE,
    ID_NUMBER,
    IP_ADDRESS,
    LANGUAGE,
    PHONE,
    URL,
    TroupeRecognizer,
)
from platform_core.privacy.recognizers.emails import EmailRecognizer
from platform_core.privacy.recognizers.handles import HandleRecognizer
from platform_core.privacy.recognizers.ids import (
    BankCardRecognizer,
    IdNumberRecognizer,
    NationalIdRecognizer,
    SsnRecognizer,
)
from platform_core.privacy.recognizers.network import IpAddressRecognizer, UrlRecognizer
from platform_core.privacy.recognizers.phones import PhoneRecognizer

RECOGNIZERS = (
    PhoneRecognizer,
    EmailRecognizer,
    HandleRecognizer,
    IdNumberRecognizer,
    NationalIdRecognizer,
    SsnRecognizer,
    BankCardRecognizer,
    AddressRecognizer,
    IpAddressRecognizer,
    UrlRecognizer,
)

__all__ = [
    "ADDRESS",
    "BANK_CARD",
    "EMAIL",
    "ENTITIES",
    "ENTITIES_BY_SPECIFICITY",
    "HANDLE",
    "ID_NUMBER",
    "IP_ADDRESS",
    "LANGUAGE",
    "PHONE",
    "RECOGNIZERS",
    "URL",
    "AddressRecognizer",
    "BankCardRecognizer",
    "EmailRecognizer",
    "HandleRecognizer",
    "IdNumberRecognizer",
    "IpAddressRecognizer",
    "NationalIdRecognizer",
    "PhoneRecognizer",
    "SsnRecognizer",
    "TroupeRecognizer",
    "UrlRecognizer",
]
