"""Recognizer gates: a text that fails a recognizer's gate is one that recognizer finds nothing in,
so skipping it there changes no finding."""

import re

import pytest

from bench.pii_evalset import TEMPLATE_SETS, build
from platform_core.privacy.analyzer import PREFILTERS, analyze, engine
from platform_core.privacy.recognizers.handles import HandleRecognizer
from platform_core.privacy.recognizers.ids import BankCardRecognizer, IdNumberRecognizer, SsnRecognizer
from platform_core.privacy.view import analysis_view

from . import test_privacy, test_privacy_formats, test_privacy_general_forms


def _texts() -> list[str]:
    lines = [line.text for name in TEMPLATE_SETS for line in build(name, per_kind=25, look_alikes=150)]
    for examples, look_alikes in (
        (test_privacy.EXAMPLES, test_privacy.LOOK_ALIKES),
        (test_privacy_formats.FORMATS, test_privacy_formats.LOOK_ALIKES),
        (test_privacy_general_forms.FORMS, test_privacy_general_forms.LOOK_ALIKES),
    ):
        lines += [text for _kind, text, _value in examples] + list(look_alikes)
    return lines


def test_no_gate_turns_away_a_text_its_recognizer_finds_something_in():
    gated = [recognizer for recognizer in engine()._all_recognizers() if recognizer.gate_regex is not None]
    assert {type(recognizer) for recognizer in gated} >= {IdNumberRecognizer, SsnRecognizer, BankCardRecognizer}
    found = 0
    for text in map(analysis_view, _texts()):
        for recognizer in gated:
            results = recognizer.analyze(text=text, entities=recognizer.supported_entities, nlp_artifacts=None)
            if results:
                found += 1
                assert recognizer.gate_regex.search(text), (recognizer.name, text)
    assert found >= 300  # enough to tell


@pytest.mark.parametrize(
    ("recognizer", "text"),
    [
        (BankCardRecognizer, "call 138 1234 5678 tonight"),  # eleven digits: no card
        (IdNumberRecognizer, "ring the London office, +44 20 7946 0958"),
        (SsnRecognizer, "有事打我手机 139 0011 2233"),
    ],
)
def test_a_number_too_short_for_a_kind_skips_that_recognizer(recognizer, text):
    (instance,) = [candidate for candidate in engine()._all_recognizers() if isinstance(candidate, recognizer)]
    assert instance.prefilter_regex.search(text)  # the shared number prefilter lets the line through
    assert instance.gate_regex.search(analysis_view(text)) is None


def _handle_prefilter_passes(text: str) -> bool:
    return re.search(HandleRecognizer.prefilter, text) is not None


def test_the_at_sign_of_an_email_address_does_not_select_the_handle_recognizer():
    assert HandleRecognizer.prefilter in PREFILTERS
    assert not _handle_prefilter_passes("简历发到 zhang.wei@163.com 就可以")
    assert not _handle_prefilter_passes("write to Ann.Lee＠Example.org soon")
    for text in ("message me on Telegram @quiet_reader", "@quiet_reader 私聊", "找我（＠momo_88）"):
        assert _handle_prefilter_passes(text), text
    assert [finding.kind for finding in analyze("加我 @quiet_reader 私聊")] == ["handle"]
