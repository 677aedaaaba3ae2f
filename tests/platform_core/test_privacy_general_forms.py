"""The analyzer on classes of forms rather than single strings, in Chinese and English: any
separator between digit groups and any grouping, circled digits, national phone forms (Taiwan,
Australia, Hong Kong, UK), "@" and "." spelled or spaced in every way, ids after "add me / 加我"
or after other platforms' names, Hong Kong, Taiwan, UK and Canadian identity numbers, addresses
of Hong Kong, Taiwan, the US, Canada and Australia, IPv4 with "。" or a port, bracketed IPv6,
profile links of more sites; and the look-alikes closest to each. Written for these tests, not
taken from an evaluation set."""

import pytest

from platform_core.privacy.analyzer import analyze, might_contain

# (kind, text, the value that must be found whole)
FORMS = [
    # Digit groups: any separator repeated, any grouping, circled digits, "86" without "+".
    ("phone", "电话 138/1234/5678 打我", "138/1234/5678"),
    ("phone", "手机1936 5161 086，晚上打", "1936 5161 086"),
    ("phone", "my number 139_2233_4455 lol", "139_2233_4455"),
    ("phone", "号码 ①③⑧①②③④⑤⑥⑦⑧", "①③⑧①②③④⑤⑥⑦⑧"),
    ("phone", "手机 8613912345678", "8613912345678"),
    # National forms from a leading 0, a bracketed country code, dashes in US numbers.
    ("phone", "台湾手机 0912-345-678", "0912-345-678"),
    ("phone", "call me on 0412 345 678 in Sydney", "0412 345 678"),
    ("phone", "our office is (02) 9876 5432", "(02) 9876 5432"),
    ("phone", "香港电话 (852) 6123-4567", "(852) 6123-4567"),
    ("phone", "text me 415–555–0132", "415–555–0132"),
    # "@" and "." in every disguise.
    ("email", "邮箱 xiaoming圈qq.com", "xiaoming圈qq.com"),
    ("email", "mail me: lin.yi(a)163.com", "lin.yi(a)163.com"),
    ("email", "my email is tom.h @ gmail . com", "tom.h @ gmail . com"),
    ("email", "邮箱 sam.k@outlook点com", "sam.k@outlook点com"),
    ("email", "email: nora[at]gmail[.]com", "nora[at]gmail[.]com"),
    ("email", "邮箱 kelly 艾特 163 点 com", "kelly 艾特 163 点 com"),
    ("email", "write to wu.dan@zju dot edu dot cn", "wu.dan@zju dot edu dot cn"),
    # An id after "add me / 加我" alone, after other platforms, QQ numbers grouped or after "Q ".
    ("handle", "加我 coco_1998", "coco_1998"),
    ("handle", "add me: nana.tw", "nana.tw"),
    ("handle", "ig: bun.art", "bun.art"),
    ("handle", "我的ins是 rosie_92", "rosie_92"),
    ("handle", "抖音号：dy_mango99", "dy_mango99"),
    ("handle", "discord ghost#4821", "ghost#4821"),
    ("handle", "my line is nana_0815", "nana_0815"),
    ("handle", "加我Q 123 456 789", "123 456 789"),
    ("handle", "球球 2837465910", "2837465910"),
    ("handle", "赖 yuna_tw", "yuna_tw"),
    # Identity numbers grouped anyhow; Hong Kong, Taiwan, UK and Canadian numbers.
    ("id_number", "身份证 110 105 1949 1231 002X", "110 105 1949 1231 002X"),
    ("id_number", "身份证号 110105.19491231.002X", "110105.19491231.002X"),
    ("id_number", "我的香港身份证 A123456(3)", "A123456(3)"),
    ("id_number", "身分證字號 A123456789", "A123456789"),
    ("id_number", "my national insurance number is AB 12 34 56 C", "AB 12 34 56 C"),
    ("id_number", "SIN: 130 692 544", "130 692 544"),
    # Cards grouped with dots or slashes.
    ("bank_card", "卡号 6222.0202.0000.0000.006", "6222.0202.0000.0000.006"),
    ("bank_card", "card number 4111/1111/1111/1111", "4111/1111/1111/1111"),
    # Addresses: Taiwan and Hong Kong in traditional characters, an estate of any name with its
    # building, unit and room; Australian, US, Canadian and Hong Kong English forms.
    ("address", "寄到台北市大安區忠孝東路四段216巷8弄5號3樓", "台北市大安區忠孝東路四段216巷8弄5號3樓"),
    ("address", "地址：九龍旺角彌敦道688號12樓B室", "九龍旺角彌敦道688號12樓B室"),
    ("address", "我住万达华府3栋2单元1502", "万达华府3栋2单元1502"),
    ("address", "新界沙田第一城12座3樓5室", "新界沙田第一城12座3樓5室"),
    ("address", "send it to Unit 5/23 George St, Sydney NSW 2000", "Unit 5/23 George St, Sydney NSW 2000"),
    ("address", "I live at 350 W 34th St, Apt 12B, New York, NY 10001", "350 W 34th St, Apt 12B, New York, NY 10001"),
    ("address", "my address is 123 Yonge St, Toronto, ON M5B 2H1", "123 Yonge St, Toronto, ON M5B 2H1"),
    (
        "address",
        "ship to Flat B, 12/F, Block 2, 88 Nathan Road, Mong Kok, Kowloon",
        "Flat B, 12/F, Block 2, 88 Nathan Road, Mong Kok, Kowloon",
    ),
    ("address", "postcode: m5v 3l9", "m5v 3l9"),
    # IPv4 with "。" or a port, IPv6 in brackets with a port.
    ("ip_address", "服务器 192。168。1。20", "192。168。1。20"),
    ("ip_address", "join our server 45.77.12.8:25565", "45.77.12.8:25565"),
    ("ip_address", "connect to [2001:db8::1f]:8443", "[2001:db8::1f]:8443"),
    # Profiles on more sites, a personal sub-domain, query strings, a share link said to be a profile.
    ("url", "my portfolio: https://ko-fi.com/miadraws", "https://ko-fi.com/miadraws"),
    ("url", "blog at https://inkwang.lofter.com", "https://inkwang.lofter.com"),
    ("url", "instagram.com/zoe.k?igsh=abc123", "instagram.com/zoe.k?igsh=abc123"),
    ("url", "关注我的主页 http://xhslink.com/a1B2c3", "http://xhslink.com/a1B2c3"),
]

LOOK_ALIKES = [
    "运单号1381234567890 明天到",
    "订单 0912-345-678 已发货",
    "SKU 012-345-678 in stock",
    "USPS 9400 1361 2345 6789 0123 45",
    "FedEx 0489 1234 5678 arrives Monday",
    "ref A123456789 on the form",
    "SA 2024 was fun",
    "取件码12-3-4567",
    "5号楼2023年翻新",
    "3车12A座，别坐错",
    "twitter is down again",
    "my line is busy",
    "Q1 2024 revenue",
    "home by 12:30 at home. So tired",
    "v2.0 更新了",
    "一共1 380 000元",
    "build 10.0.19045.3693",
    "看这个视频 b23.tv/BV1xx411",
    "https://www.patreon.com/posts/12345678",
    "05-03-2024 14:30 开会",
]


@pytest.mark.parametrize(("kind", "text", "value"), FORMS, ids=[f"{k}-{i}" for i, (k, _, _) in enumerate(FORMS)])
def test_each_general_form_is_found_whole_and_passes_the_prefilter(kind, text, value):
    assert might_contain(text)
    findings = analyze(text)
    assert [(f.kind, f.text) for f in findings] == [(kind, value)], findings


@pytest.mark.parametrize("text", LOOK_ALIKES)
def test_the_look_alikes_nearest_the_general_forms_are_left_alone(text):
    assert analyze(text) == []
