"""The personal-data analyzer: every kind in Chinese and English, look-alikes left alone, context
words, per-dialogue placeholders, the prefilter against the analyzer, the contact-details check."""

import random
import re
from collections import Counter
from itertools import pairwise

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from bench.pii_evalset import KINDS, TEMPLATE_SETS, build
from platform_core.errors import Refused
from platform_core.privacy import analyzer as analyzer_module
from platform_core.privacy.analyzer import (
    PREFILTER,
    PREFILTERS,
    Finding,
    analyze,
    analyze_many,
    engine,
    might_contain,
    raw_findings,
)
from platform_core.privacy.anonymize import PlaceholderBook, _anonymized, _in_order, _spliced, scrub
from platform_core.privacy.checks import PERSONAL_DATA, personal_data_check, refused_kinds_in
from platform_core.privacy.presidio import AnalyzerEngine, NoOpNlpEngine
from platform_core.privacy.recognizers import LANGUAGE
from platform_core.privacy.view import analysis_view

# (kind, text, the value that must be found), written for these tests (not the evaluation set).
EXAMPLES = [
    ("phone", "有事打我手机 139 0011 2233", "139 0011 2233"),
    ("phone", "办公室座机 010-62751234 转 8", "010-62751234 转 8"),
    ("phone", "手机号一三八一二三四五六七八，记一下", "一三八一二三四五六七八"),
    ("phone", "我的号码是１３９１２３４５６７８", "１３９１２３４５６７８"),
    ("phone", "call me on (555) 123-4567 after work", "(555) 123-4567"),
    ("phone", "my mobile is 07700 900123", "07700 900123"),
    ("phone", "ring the London office, +44 20 7946 0958", "+44 20 7946 0958"),
    ("email", "简历发到 zhang.wei@163.com 就可以", "zhang.wei@163.com"),
    ("email", "write to Ann.Lee@Example.org soon", "Ann.Lee@Example.org"),
    ("handle", "加我微信：sunny_0719，备注来意", "sunny_0719"),
    ("handle", "我的微信号 wxid_k2j4h5g6f7d8", "wxid_k2j4h5g6f7d8"),
    ("handle", "QQ：2837465910 晚上在", "2837465910"),
    ("handle", "add me on WeChat: lucky_star88", "lucky_star88"),
    ("handle", "message me on Telegram @quiet_reader", "@quiet_reader"),
    ("handle", "my LINE ID is momo_0303", "momo_0303"),
    ("id_number", "身份证号 11010519491231002X 请核对", "11010519491231002X"),
    ("id_number", "My SSN is 219-09-9999.", "219-09-9999"),
    ("bank_card", "工资卡 6222 0202 0000 0000 006 别外传", None),
    ("bank_card", "charge my card 4111 1111 1111 1111", "4111 1111 1111 1111"),
    ("address", "我住在中关村大街27号", "中关村大街27号"),
    ("address", "寄到上海市徐汇区淮海中路1200号3号楼2单元501室", "上海市徐汇区淮海中路1200号3号楼2单元501室"),
    ("address", "邮编100080，别写错", "100080"),
    ("address", "I live at 221B Baker Street, second floor", "221B Baker Street"),
    ("address", "post it to London NW1 6XE", "NW1 6XE"),
    ("ip_address", "服务器地址 192.168.10.23，密码另发", "192.168.10.23"),
    ("ip_address", "the box answers on 2001:db8::8a2e:370", "2001:db8::8a2e:370"),
    ("url", "我的微博主页 https://weibo.com/u/5566778899", "https://weibo.com/u/5566778899"),
    ("url", "all my code is on https://github.com/quietreader", "https://github.com/quietreader"),
]

LOOK_ALIKES = [
    "我们2023-10-15出发，14:30在门口集合",
    "这件衣服¥1,299.00，打完折999元",
    "比分3:2，他拿了98.5分",
    "ISBN 978-7-02-000220-9 这本书很厚",
    "ISBN 0-306-40615-2, second edition",
    "升级到版本 2.3.1.4 以后好多了",
    "version 10.0.19045 is out",
    "订单号 2023112012345678 已发货",
    "order #4111111111111111 shipped",
    "born in 1998, moved here in 2010",
    "we sold 12000 units, 3.5 kg each",
    "第1001名，第27号选手",
    "M2 8GB is enough",
    "pages 123-145 and 1,000,000 views",
    "一二三四五六七，大家一起数",
]


@pytest.mark.parametrize(("kind", "text", "value"), EXAMPLES, ids=[f"{k}-{i}" for i, (k, _, _) in enumerate(EXAMPLES)])
def test_every_kind_is_found_in_both_languages(kind, text, value):
    findings = analyze(text)
    assert [finding.kind for finding in findings] == [kind], findings
    if value is not None:
        assert findings[0].text == value


def test_a_luhn_valid_unionpay_number_without_grouping_by_fours_is_a_bank_card():
    number = "6222020200000000006"
    assert [f.kind for f in analyze(f"卡号{number}")] == ["bank_card"]
    assert analyze("卡号6222020200000000007") == []  # Luhn fails


@pytest.mark.parametrize("text", LOOK_ALIKES)
def test_look_alikes_are_left_alone(text):
    assert analyze(text) == []
    assert scrub(text) == (text, 0)


def test_context_words_raise_and_lower_scores():
    # A US-style number alone scores the pattern's base; "call" near it raises it.
    alone = raw_findings("(555) 123-4567", 0.0)[0].score
    called = raw_findings("call (555) 123-4567", 0.0)[0].score
    assert called > alone
    # An order number that happens to pass Luhn is a card number by shape, lowered by "订单".
    card = raw_findings("卡号 4111111111111111", 0.0)
    order = raw_findings("订单 4111111111111111", 0.0)
    assert card[0].kind == "bank_card" and card[0].score >= 0.5
    assert not order or order[0].score < 0.5


def test_the_engine_loads_no_language_model():
    assert isinstance(engine().nlp_engine, NoOpNlpEngine)


def test_placeholders_are_by_kind_and_stable_within_a_dialogue():
    book = PlaceholderBook()
    counts: Counter = Counter()
    first, made_first = scrub("我的手机13912345678，邮箱 a.b@qq.com", book, counts)
    second, made_second = scrub("再说一遍：139 1234 5678，另一个号 13700001111", book, counts)
    third, _ = scrub("+86 13912345678 is the same number", book, counts)
    assert first == "我的手机[PHONE_1]，邮箱 [EMAIL_1]"
    assert second == "再说一遍：[PHONE_1]，另一个号 [PHONE_2]"
    assert third == "[PHONE_1] is the same number"
    assert (made_first, made_second) == (2, 2)
    assert counts == Counter({"phone": 4, "email": 1})
    # A new dialogue starts numbering again.
    assert scrub("13700001111", PlaceholderBook())[0] == "[PHONE_1]"


# Every set, the later ones ("final3", "final4") included since their first-run misses were fixed in
# general terms; their first-run figures (the unseen ones) are in bench/README.md.
@pytest.mark.parametrize("template_set", TEMPLATE_SETS)
def test_evaluation_set_recall_per_kind_and_no_look_alike_changes(template_set):
    lines = build(template_set, per_kind=25, look_alikes=200)
    planted: Counter = Counter()
    found: Counter = Counter()
    for line in lines:
        findings = analyze(line.text)
        for kind, start, end in line.planted:
            planted[kind] += 1
            found[kind] += any(f.kind == kind and f.start <= start and f.end >= end for f in findings)
        for start, end in line.look_alikes:
            assert not any(f.start < end and f.end > start for f in findings), (line.text, findings)
    assert set(planted) == set(KINDS)
    assert {kind: found[kind] / planted[kind] for kind in KINDS} == pytest.approx(
        {kind: 1.0 for kind in KINDS}, abs=0.05
    )


@pytest.mark.parametrize("template_set", TEMPLATE_SETS)
def test_the_prefilter_never_drops_a_line_the_analyzer_flags(template_set):
    lines = build(template_set, per_kind=25, look_alikes=200)
    texts = [line.text for line in lines]
    flagged = [text for text in texts if raw_findings(text, 0.01)]
    assert len(flagged) >= 0.75 * 8 * 25  # enough to tell
    assert all(might_contain(text) for text in flagged)
    # The export selects candidates with the same expression through Arrow (RE2): same answers.
    column = pa.array(texts)
    for expression in (PREFILTER, *PREFILTERS):  # the union, and each recognizer's (passed to the analysis)
        by_re2 = pc.match_substring_regex(column, expression).to_pylist()
        assert by_re2 == [re.search(expression, text) is not None for text in texts]


def test_contact_details_are_refused_and_other_personal_data_follows_the_setting(settings):
    with pytest.raises(Refused) as refused:
        personal_data_check("加我微信 sunny_0719 或者打 13912345678")
    assert refused.value.code == PERSONAL_DATA
    assert refused.value.kinds == ["handle", "phone"]
    assert "phone number" in refused.value.message
    personal_data_check("我们2023-10-15出发，14:30集合")
    # An ID number is not a contact detail by default; the kinds are a setting.
    assert refused_kinds_in("身份证 11010519491231002X") == []
    settings.PRIVACY_LIVE_REFUSED_KINDS = ["id_number"]
    assert refused_kinds_in("身份证 11010519491231002X") == ["id_number"]


def test_the_live_threshold_is_a_setting(settings):
    text = "(555) 123-4567"  # base score 0.5, no context word
    assert refused_kinds_in(text) == ["phone"]
    settings.PRIVACY_LIVE_SCORE_THRESHOLD = 0.8
    assert refused_kinds_in(text) == []


@pytest.mark.parametrize("template_set", TEMPLATE_SETS)
def test_the_shortcut_gives_what_presidios_analyze_gives(template_set):
    """``analyze_all`` (prefilters per recognizer, no per-call setup) against the plain
    ``AnalyzerEngine.analyze`` with every recognizer run: same results, scores included."""
    analyzer = engine()

    def key(results):
        return sorted((r.entity_type, r.start, r.end, round(r.score, 6)) for r in results)

    lines = build(template_set, per_kind=12, look_alikes=100)
    compared = 0
    for line in lines:
        view = analysis_view(line.text)
        plain = AnalyzerEngine.analyze(analyzer, text=view, language=LANGUAGE, score_threshold=0.01)
        assert key(analyzer.analyze_all(view, 0.01)) == key(plain), line.text
        compared += bool(plain)
    assert compared >= 0.9 * 8 * 12  # enough to tell


def _with_prefilters(texts: list[str]) -> list[tuple[str, tuple[str, ...]]]:
    """Each text with the prefilters it matches, as ``analyze_many`` takes them."""
    return [(text, tuple(p for p in PREFILTERS if re.search(p, text))) for text in texts]


@pytest.mark.parametrize("template_set", TEMPLATE_SETS)
def test_texts_analysed_together_get_what_each_gets_alone(template_set):
    """``analyze_many`` joins texts that need the same recognizers into one analysis: nothing may
    reach from one text into the next, at any score."""
    lines = [line.text for line in build(template_set, per_kind=12, look_alikes=100)]
    lines += [text for _kind, text, _value in EXAMPLES]
    # Texts that end or start the way a neighbour could continue: digits, a context word, a URL path.
    lines += ["电话", "13800138000", "call me on", "555 0100", "see https://weibo.com/u/", "12345 和", "\0\n我的邮箱"]
    lines += ["x" * 5000 + " 13912345678", "加我微信"]
    random.Random(template_set).shuffle(lines)
    items = _with_prefilters(lines + lines[:20])
    for threshold in (0.01, 0.5):
        alone = [analyze(text, threshold=threshold, passed=passed) for text, passed in items]
        assert analyze_many(items, threshold) == alone
    assert sum(map(bool, alone)) >= 8 * 12


def test_a_finding_that_would_span_two_texts_analysed_together_sends_them_to_be_analysed_alone(monkeypatch):
    """Were a pattern to reach across the joint (here a plain space), the group falls back to one
    analysis per text rather than hand one text a finding made of two."""
    monkeypatch.setattr(analyzer_module, "_BETWEEN", " ")
    texts = ["lot 4417 2290 and 139", "12345678 ok", "7654 3210 9876 then"]
    items = _with_prefilters(texts)
    assert all(passed for _text, passed in items)
    views = [analysis_view(text) for text in texts[:2]]
    recognizers = engine().recognizers_for(views[0], items[0][1])
    assert analyzer_module._analyzed_together(views, recognizers, 0.01) is None  # "139 12345678" spans both
    assert analyze_many(items, 0.01) == [analyze(text, threshold=0.01, passed=passed) for text, passed in items]


# Two findings of one kind with only this between them are merged into one by the anonymizer
# (``AnonymizerEngine._merge_entities_with_spaces_between``, the expression it uses).
_MERGED_GAP = re.compile(r"^( )+$")


def _replaced_one_by_one(text: str, findings: list[Finding]) -> bool:
    """Whether the anonymizer would replace each finding as it is (the cases where the splice must
    write what it writes): in text order, none empty or overlapping, no two of one kind with only
    spaces between."""
    return _in_order(findings) and not any(
        before.kind == after.kind and _MERGED_GAP.search(text[before.end : after.start])
        for before, after in pairwise(findings)
    )


@pytest.mark.parametrize("template_set", TEMPLATE_SETS)
def test_splicing_the_placeholders_in_gives_what_presidios_anonymizer_writes(template_set):
    """``replace_findings`` splices the placeholders in itself where the anonymizer would replace
    the findings one by one: same text as ``AnonymizerEngine.anonymize``, on lines with one
    finding and on pairs of lines joined (several findings, of one kind or of several)."""
    lines = [line.text for line in build(template_set, per_kind=12, look_alikes=50)]
    texts = lines + [f"{first}，{second} {first}" for first, second in zip(lines, lines[7:], strict=False)]
    spliced = 0
    for text in texts:
        findings = analyze(text)
        book = PlaceholderBook()
        chosen = {(f.kind, f.text): book.placeholder(f.kind, f.text) for f in findings}
        if findings and _replaced_one_by_one(text, findings):
            assert _spliced(text, findings, chosen) == _anonymized(text, findings, chosen), text
            spliced += 1
    assert spliced >= 0.9 * 8 * 12


@pytest.mark.parametrize(
    ("text", "scrubbed"),
    [
        ("call 13812345678 13912345678", "call [PHONE_1] [PHONE_2]"),
        ("13812345678  13700001111 都行", "[PHONE_1]  [PHONE_2] 都行"),
        ("mail a@example.com b@example.org", "mail [EMAIL_1] [EMAIL_2]"),
    ],
)
def test_two_values_of_one_kind_with_only_spaces_between_each_get_a_placeholder(text, scrubbed):
    assert scrub(text) == (scrubbed, 2)


def test_the_anonymizer_replaces_one_by_one_only_findings_in_order_without_a_merging_gap():
    def finding(kind, start, end):
        return Finding(kind=kind, start=start, end=end, score=0.9, text="")

    text = "a 13912345678  13700001111 b"
    same_kind_spaced = [finding("phone", 2, 13), finding("phone", 15, 26)]
    assert not _replaced_one_by_one(text, same_kind_spaced)
    assert _replaced_one_by_one(text, [finding("phone", 2, 13), finding("email", 15, 26)])
    assert not _replaced_one_by_one(text, [finding("phone", 15, 26), finding("email", 2, 13)])
    assert not _replaced_one_by_one(text, [finding("phone", 2, 13), finding("email", 10, 26)])
    assert not _replaced_one_by_one(text, [finding("phone", 2, 2)])
