"""The analyzer on the forms people type to get contact details past a filter, in Chinese and
English: numerals, spelled-out e-mail, platform slang, spaced numbers, whole addresses; and the
look-alikes near those forms that must stay as they are. Written for these tests, not taken from
the evaluation set."""

from collections import Counter

import pytest

from platform_core.errors import Refused
from platform_core.privacy.analyzer import analyze, raw_findings
from platform_core.privacy.anonymize import PlaceholderBook, scrub
from platform_core.privacy.checks import PERSONAL_DATA, personal_data_check

# (kind, text, the value that must be found whole)
FORMATS = [
    ("phone", "我的号码是壹叁玖 捌捌贰壹 零零肆伍，别外传", "壹叁玖 捌捌贰壹 零零肆伍"),
    ("phone", "新号码 150.2233.4455，老号不用了", "150.2233.4455"),
    ("phone", "电话 1·5·0·2·2·3·3·4·4·5·5 去掉点就行", "1·5·0·2·2·3·3·4·4·5·5"),
    ("phone", "手机号一五零，二二三三，四四五五", "一五零，二二三三，四四五五"),
    ("phone", "香港手机 9876 5432，过来打给我", "9876 5432"),
    ("phone", "WhatsApp me on 0044 7911 123456", "0044 7911 123456"),
    ("phone", "whatsapp +49 170 12345678 after ten", "+49 170 12345678"),
    ("phone", "my cell is 2125550199", "2125550199"),
    ("phone", "ring me on 07911 123 456 tomorrow", "07911 123 456"),
    ("phone", "office (0571) 8765 432 ext 12", "(0571) 8765 432 ext 12"),
    ("email", "邮箱 ann.lee AT example.com，你懂的", "ann.lee AT example.com"),
    ("email", "写信到 zhou_li{at}163.com 就行", "zhou_li{at}163.com"),
    ("email", "我的邮箱 wang.fang艾特qq.com", "wang.fang艾特qq.com"),
    ("email", "email me: tom.b#gmail.com (swap the #)", "tom.b#gmail.com"),
    ("email", "邮箱 jing99@163。com", "jing99@163。com"),
    ("email", "my email is patlee at outlook dot com", "patlee at outlook dot com"),
    ("email", "reach me at kate.o @ proton.me", "kate.o @ proton.me"),
    ("handle", "绿泡泡 xiaolu_2020 加一下", "xiaolu_2020"),
    ("handle", "v：moonriver88", "moonriver88"),
    ("handle", "加个v吧 riverside", "riverside"),
    ("handle", "扣扣也行 3345678901", "3345678901"),
    ("handle", "Q号 2233445566", "2233445566"),
    ("handle", "I'm @night_owl42 on telegram", "@night_owl42"),
    ("handle", "飞机 @harbour_cat 找我", "@harbour_cat"),
    ("handle", "加我賴 sunnyday.tw", "sunnyday.tw"),
    ("handle", "telegram username: quietfox", "quietfox"),
    ("handle", "加我 momo_1999 微信", "momo_1999"),
    ("id_number", "身份证 110105 19491231 002X", "110105 19491231 002X"),
    ("id_number", "my social: 219099999", "219099999"),
    ("bank_card", "卡号 4111  1111  1111  1111 转这里", "4111  1111  1111  1111"),
    ("address", "地址：翠湖小区5期12幢1803", "翠湖小区5期12幢1803"),
    ("address", "寄到锦绣家园7-2-1502", "锦绣家园7-2-1502"),
    ("address", "老家是四川省南充市营山县城关镇李家村3组8号", "四川省南充市营山县城关镇李家村3组8号"),
    ("address", "公司在建国路88号现代城大厦21楼", "建国路88号现代城大厦21楼"),
    ("address", "上海市长宁区愚园路1258弄6号302室", "上海市长宁区愚园路1258弄6号302室"),
    ("address", "ship it to Flat 2, 17 Mill Lane, Cambridge CB2 1RX", "Flat 2, 17 Mill Lane, Cambridge CB2 1RX"),
    ("address", "we are at 41 5th Street, Apt 3C, Denver, CO 80205", "41 5th Street, Apt 3C, Denver, CO 80205"),
    ("address", "send it to PO Box 4821", "PO Box 4821"),
    ("url", "my steam: https://steamcommunity.com/id/quietfox", "https://steamcommunity.com/id/quietfox"),
    # Dashes with spaces around them, en and em dashes.
    ("phone", "新手机 136 – 2211 – 9087，旧的停了", "136 – 2211 – 9087"),
    ("phone", "text 139—8821—0045 tonight", "139—8821—0045"),
    ("phone", "办公室 021 - 64452210", "021 - 64452210"),
    # A courier's mobile: "快递" alone does not make it a tracking number.
    ("phone", "快递小哥电话 13822104567", "13822104567"),
    ("email", "mail: lee.kim AT YAHOO DOT CO DOT UK", "lee.kim AT YAHOO DOT CO DOT UK"),
    ("email", "邮箱 chen_hao艾特sina点cn", "chen_hao艾特sina点cn"),
    # Arrows, "的", a space inside 微信, slang with an emoji, a bare "Q:" and "QQ #".
    ("handle", "wechat => riverlight", "riverlight"),
    ("handle", "微信号 👉 tealeaf_77", "tealeaf_77"),
    ("handle", "微 信 hazel_2019", "hazel_2019"),
    ("handle", "薇🌸：Peachy1998", "Peachy1998"),
    ("handle", "我微snowman_21", "snowman_21"),
    ("handle", "Q：556677889", "556677889"),
    ("handle", "QQ # 1122334455", "1122334455"),
    ("handle", "find me on Line, pimmy", "pimmy"),
    ("handle", "line的账号是 ploy_99", "ploy_99"),
    ("id_number", "身份证 110105-19491231-002X", "110105-19491231-002X"),
    ("id_number", "my social is 219 09 9999", "219 09 9999"),
    ("id_number", "the social security number is 219.09.9999", "219.09.9999"),
    ("address", "寄到东城区和平里街12号院3号楼1201", "东城区和平里街12号院3号楼1201"),
    ("address", "老家在广西壮族自治区百色市田阳县那坡镇新民村6组", "广西壮族自治区百色市田阳县那坡镇新民村6组"),
    ("address", "bring it to 88 elm street apt 4", "88 elm street apt 4"),
    ("address", "ADDRESS: 12 QUEEN'S ROAD", "12 QUEEN'S ROAD"),
    ("ip_address", "服务器：2408:8207::1f", "2408:8207::1f"),
    ("url", "看我微博 weibo.com/u/1234567890", "weibo.com/u/1234567890"),
    ("url", "my posts: https://news.example.net/author/jlee", "https://news.example.net/author/jlee"),
]

LOOK_ALIKES = [
    "MIUI 14.0.4.0 更新以后卡了",
    "I'm on 1.2.0.5 now",
    "see https://www.youtube.com/watch?v=abc123XYZ for the trick",
    "the fix is in https://github.com/django/django/pull/17000/files",
    "总价 12,345,678 元，分三期",
    "@everyone lunch is here",
    "I work at google.com now",
    "坐302路公交去人民公园",
    "我的学号是 91234567",
    "student no. 91234567",
    "the hotel costs 8765 a night",
    "验证码 482913，五分钟内有效",
    "一二三四五六七，数到七就开门",
    "2024.03.15 到 2024.04.01 放假",
    "按 20240315 的版本来",
    "快递单号 73100223344556，明天到",
    "I walked 3 miles down the road",
    "we need 2 more lane closures",
    "微博 2024 年度报告",
    "Q: 12 apples or 15?",
    "score 110.23.2019 in the log",
    "ISBN 978-7-115-42802-8",
]


@pytest.mark.parametrize(("kind", "text", "value"), FORMATS, ids=[f"{k}-{i}" for i, (k, _, _) in enumerate(FORMATS)])
def test_each_evasive_format_is_found_whole(kind, text, value):
    findings = analyze(text)
    assert [(f.kind, f.text) for f in findings] == [(kind, value)], findings


@pytest.mark.parametrize("text", LOOK_ALIKES)
def test_look_alikes_of_the_new_formats_are_left_alone(text):
    assert analyze(text) == []
    assert scrub(text) == (text, 0)


def test_a_latin_context_word_counts_only_where_a_word_starts():
    # An eight-digit number alone scores low; "tel" raises it, "hotel" (which holds "tel") does not.
    assert raw_findings("tel 87654321", 0.0)[0].score >= 0.5
    assert raw_findings("hotel 87654321", 0.0)[0].score < 0.5


def test_overlapping_findings_of_one_kind_are_one_finding():
    # "+49 170 12345678" reads as an international number and, inside it, as a Chinese-length
    # mobile; the placeholder covers it all.
    assert [f.text for f in analyze("whatsapp +49 170 12345678")] == ["+49 170 12345678"]


def test_a_mobile_in_numerals_and_in_digits_shares_one_placeholder():
    book, counts = PlaceholderBook(), Counter()
    first, _ = scrub("电话 壹叁玖捌捌贰壹零零肆伍", book, counts)
    second, _ = scrub("打 139 8821 0045 也行", book, counts)
    assert (first, second) == ("电话 [PHONE_1]", "打 [PHONE_1] 也行")


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("加我绿泡泡 xiaolu_2020，这里抽成太高", ["handle"]),
        ("邮箱 wang.fang艾特qq.com，电话一五零，二二三三，四四五五", ["email", "phone"]),
        ("let's skip the fees, I'm @night_owl42 on telegram", ["handle"]),
        ("come round: Flat 2, 17 Mill Lane, Cambridge CB2 1RX", ["address"]),
    ],
)
def test_the_live_check_refuses_the_new_formats(text, kinds):
    with pytest.raises(Refused) as refused:
        personal_data_check(text)
    assert refused.value.code == PERSONAL_DATA
    assert refused.value.kinds == kinds


def test_an_address_that_starts_where_the_one_before_it_ends_is_found_too():
    # The second local part begins inside the run of characters the first match ended in.
    findings = raw_findings("写信 zhou{at}163.com-li{at}qq.com 都行", 0.5)
    assert [(f.kind, f.text) for f in findings] == [("email", "zhou{at}163.com"), ("email", "-li{at}qq.com")]
