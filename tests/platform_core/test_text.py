"""The one normalisation of user-typed text (platform_core/text.py, docs/text-normalisation.md)."""

import random
import unicodedata

import pytest

from platform_core.text import user_text_changed, user_text_clean


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("hello", "hello"),
        ("  hello \n", "hello"),
        ("a\x00b", "ab"),
        ("a\ud800b", "ab"),
        ("line\x85two", "line\ntwo"),
        ("one\r\ntwo\rthree\u2028four", "one\ntwo\nthree\nfour"),
        ("abc\u202edef", "abcdef"),
        ("\u2066isolated\u2069", "isolated"),
        ("a\u200bb\ufeffc\u2060d\u00ade", "abcde"),
        ("e\u0301", "\u00e9"),
        ("e\u200b\u0301", "\u00e9"),  # NFC after removal: the result is composed
        ("\u3164", ""),
        ("tab\tkept", "tab\tkept"),
        ("\x7f\x1b[31m", "[31m"),
    ],
)
def test_user_text_clean_stores_the_visible_text(raw, stored):
    assert user_text_clean(raw) == stored


@pytest.mark.parametrize("raw", ["\u200b\u200b\u200b", "\ufeff", "\u202e\u202d", "\x00\ud800", " \u200d "])
def test_text_of_invisible_characters_only_cleans_to_empty(raw):
    assert user_text_clean(raw) == ""


def test_joiners_inside_visible_text_stay():
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    assert user_text_clean(family) == family
    persian = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"
    assert user_text_clean(persian) == persian
    assert user_text_clean("\u200dx\u200c") == "x"


def test_subdivision_flag_tags_stay_after_their_base_only():
    england = "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f"
    assert user_text_clean(england) == england
    assert user_text_clean("a\U000e0067\U000e007f") == "a"


def test_user_text_changed_reports_a_change_but_not_outer_spaces():
    assert user_text_changed("a\u200bb")
    assert not user_text_changed("  plain  ")


def test_user_text_clean_is_idempotent_and_leaves_no_invisible_character():
    alphabet = "ab é\u0301\u200b\u200c\u200d\u202e\u2066\ufeff\x00\x85\r\n\t\ud800\u3164\U0001f468\u00ad\ufdd0"
    rng = random.Random(14)
    for _ in range(2000):
        raw = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        once = user_text_clean(raw)
        assert user_text_clean(once) == once, repr(raw)
        assert unicodedata.is_normalized("NFC", once)
        assert not any(unicodedata.category(c) == "Cc" and c not in "\t\n" for c in once)
        assert not any(c in once for c in "\u200b\u202e\u2066\ufeff\ud800\u3164\u00ad\ufdd0\x85")
        once.encode("utf-8")
