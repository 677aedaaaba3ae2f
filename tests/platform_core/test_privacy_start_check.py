"""The start check put in front of every recognizer pattern: the characters a match can start with,
read from the pattern itself, and matches unchanged by it."""

import pytest
import regex

from bench.pii_evalset import TEMPLATE_SETS, build
from platform_core.privacy.analyzer import engine
from platform_core.privacy.recognizers.base import first_characters, with_start_check
from platform_core.privacy.view import analysis_view


@pytest.mark.parametrize(
    ("pattern", "first"),
    [
        (r"(?<![a-z])(?:\(0|0[1-9])+\d", r"[0\(]"),  # lookbehinds consume nothing
        (r"a?b", "[ab]"),  # an optional part lets the next one start the match
        (r"(?:ab|\s+c)", r"[\sa]"),
        (r"[2-9][0-9]{2}", "[2-9]"),
        (r"邮编\s{0,2}\K[0-9]{3,6}", "[邮]"),  # \K moves the reported start, not where the search begins
        (r"(?=x)y", "[y]"),
        (r"(?:\G|(?<![a-z]))[a-z]++@", "[a-z]"),  # \G consumes nothing either
    ],
)
def test_the_first_characters_of_a_pattern_are_read_from_it(pattern, first):
    assert first_characters(pattern) == first


@pytest.mark.parametrize("pattern", [r"a?", r".x", r"[^a]b", r"(a?)\1b", r"(?:a|)"])
def test_a_pattern_that_may_start_anywhere_gets_no_start_check(pattern):
    assert first_characters(pattern) is None
    assert with_start_check(pattern) == pattern


def test_the_start_check_changes_no_match_of_any_recognizer_pattern():
    texts = [analysis_view(line.text) for name in TEMPLATE_SETS for line in build(name, per_kind=20, look_alikes=100)]
    checked = 0
    for recognizer in engine()._all_recognizers():
        for (name, raw, _score), pattern in zip(type(recognizer).patterns_spec, recognizer.patterns, strict=True):
            assert pattern.name == name
            plain = regex.compile(raw, flags=recognizer.global_regex_flags)
            checked_pattern = regex.compile(pattern.regex, flags=recognizer.global_regex_flags)
            checked += pattern.regex != raw
            for text in texts:
                assert [m.span() for m in checked_pattern.finditer(text)] == [m.span() for m in plain.finditer(text)], (
                    name,
                    text,
                )
    assert checked >= 25  # nearly every pattern has a start check
