"""Placeholders by kind, stable within a dialogue: the same phone number is ``[PHONE_1]`` in every
turn of one dialogue, a second one ``[PHONE_2]``. Replacement is what Presidio's
``AnonymizerEngine`` does with one custom operator per kind, spliced directly for findings in text
order (what ``analyze`` returns), through the engine for any other list. Where the engine would merge
two values of one kind with only spaces between into one, the splice gives each its own placeholder."""

import re
from collections import Counter
from collections.abc import Collection
from functools import cache
from itertools import pairwise

from platform_core.privacy.analyzer import Finding, analyze
from platform_core.privacy.presidio import AnonymizerEngine, AnonymizerResult, OperatorConfig
from platform_core.privacy.recognizers import ENTITIES
from platform_core.privacy.view import analysis_view

_DIGIT_KINDS = {"phone", "id_number", "bank_card"}
_NON_DIGIT = re.compile("[^0-9]")


def _same_value(kind: str, value: str) -> str:
    """The form two mentions of one value share: digits only for numbers (a Chinese mobile with or
    without +86), lower case and no spaces otherwise."""
    view = analysis_view(value)
    if kind in _DIGIT_KINDS:
        digits = _NON_DIGIT.sub("", view)
        if kind == "phone" and len(digits) == 13 and digits.startswith("86"):
            digits = digits[2:]
        elif kind == "phone" and len(digits) == 15 and digits.startswith("0086"):
            digits = digits[4:]
        return digits.upper() if digits else view
    return "".join(view.split()).lower().lstrip("@")


class PlaceholderBook:
    """The placeholders handed out in one dialogue; ``reset()`` (or a new book) per dialogue."""

    def __init__(self) -> None:
        self._numbers: dict[str, dict[str, int]] = {}

    def reset(self) -> None:
        self._numbers = {}

    def placeholder(self, kind: str, value: str) -> str:
        numbers = self._numbers.setdefault(kind, {})
        key = _same_value(kind, value)
        number = numbers.get(key)
        if number is None:
            number = numbers[key] = len(numbers) + 1
        return f"[{kind.upper()}_{number}]"


@cache
def _anonymizer() -> AnonymizerEngine:
    return AnonymizerEngine()


def replace_findings(text: str, findings: list[Finding], book: PlaceholderBook) -> str:
    """``text`` with each finding replaced by its kind's placeholder from ``book``."""
    if not findings:
        return text
    # Numbers are handed out in text order (the anonymizer replaces from the end).
    chosen: dict[tuple[str, str], str] = {}
    for finding in findings:
        chosen.setdefault((finding.kind, finding.text), book.placeholder(finding.kind, finding.text))
    if _in_order(findings):
        return _spliced(text, findings, chosen)
    return _anonymized(text, findings, chosen)


def _anonymized(text: str, findings: list[Finding], chosen: dict[tuple[str, str], str]) -> str:
    """Presidio's ``AnonymizerEngine`` with one custom operator per kind."""
    operators = {
        entity: OperatorConfig("custom", {"lambda": _operator(entity.lower(), chosen)})
        for entity in {finding.kind.upper() for finding in findings}
    }
    results = [AnonymizerResult(f.kind.upper(), f.start, f.end, f.score) for f in findings]
    return _anonymizer().anonymize(text=text, analyzer_results=results, operators=operators).text


def _in_order(findings: list[Finding]) -> bool:
    """Findings in text order, none empty, none overlapping (what ``analyze`` returns)."""
    return all(f.start < f.end for f in findings) and all(a.end <= b.start for a, b in pairwise(findings))


def _spliced(text: str, findings: list[Finding], chosen: dict[tuple[str, str], str]) -> str:
    """What ``AnonymizerEngine.anonymize`` writes when it replaces the findings one by one: the
    text between them kept, each one its placeholder. Presidio's engine costs about a third of a
    candidate turn's analysis in an export of millions of turns; ``tests/platform_core/
    test_privacy.py`` holds the two equal on the evaluation set."""
    pieces, position = [], 0
    for finding in findings:
        pieces += (text[position : finding.start], chosen[(finding.kind, text[finding.start : finding.end])])
        position = finding.end
    pieces.append(text[position:])
    return "".join(pieces)


def _operator(kind: str, chosen: dict[tuple[str, str], str]):
    return lambda value: chosen[(kind, value)]


def scrub(
    text: str | None,
    book: PlaceholderBook | None = None,
    counts: Counter | None = None,
    *,
    threshold: float | None = None,
    passed: Collection[str] | None = None,
    findings: list[Finding] | None = None,
) -> tuple[str, int]:
    """``text`` with personal data replaced by placeholders, and how many replacements were made.

    ``counts`` (if given) is incremented per kind; ``book`` keeps placeholders stable across the
    texts of one dialogue (a fresh one when not given); ``passed`` as for ``analyze``.
    ``findings``: what ``analyze(text, threshold=threshold, passed=passed)`` returns, when the
    caller has it already (an export analyses its candidate turns in another process).
    """
    if not text:
        return text or "", 0
    if findings is None:
        findings = analyze(text, threshold=threshold, passed=passed)
    if not findings:
        return text, 0
    if counts is not None:
        counts.update(finding.kind for finding in findings)
    return replace_findings(text, findings, book or PlaceholderBook()), len(findings)


KINDS = tuple(entity.lower() for entity in ENTITIES)
