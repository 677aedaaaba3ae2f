"""The personal-data evaluation set: chat lines with planted personal data, and look-alikes.

Lines come from templates (Chinese and English, per kind) filled with random values from a fixed
seed. Two disjoint template sets: ``dev`` (the recognizers were written against it) and
``held_out`` (written at the same time, never used to tune them); ``bench/pii_eval.py`` reports
both. A planted line knows where its values are: ``Line.planted`` holds (kind, start, end).
Look-alike lines hold dates, times, prices, scores, ISBNs, versions, order numbers, years and
quantities, none of which may change.
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable
from dataclasses import dataclass, field

# "dev": the recognizers were written against it; "held_out" (written with it) and "fresh" (written
# after that round of fixes) each found gaps on their first run, which were then fixed (see
# bench/README.md); "final": written after the last change to the recognizers, never tuned on.
TEMPLATE_SETS = ("dev", "held_out", "fresh", "final")
KINDS = ("phone", "email", "handle", "id_number", "bank_card", "address", "ip_address", "url")


@dataclass
class Line:
    text: str
    language: str
    kind: str  # a personal-data kind, or "look_alike"
    template_set: str
    planted: list[tuple[str, int, int]] = field(default_factory=list)
    look_alikes: list[tuple[int, int]] = field(default_factory=list)


# -- value makers --------------------------------------------------------------------------------
_CN_NUMERALS = dict(zip("0123456789", "零一二三四五六七八九", strict=True))


def _digits(rng: random.Random, count: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(count))


def _cn_mobile_digits(rng: random.Random) -> str:
    return "1" + rng.choice("3456789") + _digits(rng, 9)


def cn_mobile(rng: random.Random) -> str:
    d = _cn_mobile_digits(rng)
    return rng.choice(
        [d, f"{d[:3]} {d[3:7]} {d[7:]}", f"{d[:3]}-{d[3:7]}-{d[7:]}", f"+86 {d}", f"+86-{d[:3]}-{d[3:7]}-{d[7:]}"]
    )


def cn_landline(rng: random.Random) -> str:
    area = rng.choice(
        [
            "010",
            "020",
            "021",
            "022",
            "023",
            "024",
            "025",
            "027",
            "028",
            "029",
            "0311",
            "0371",
            "0571",
            "0755",
            "0769",
            "0898",
        ]
    )
    local = rng.choice("23456789") + _digits(rng, 7 if len(area) == 3 else rng.choice([6, 7]))
    return rng.choice(
        [
            f"{area}-{local}",
            f"({area}) {local[:4]} {local[4:]}",
            f"{area} {local}",
            f"{area}-{local}转{rng.randint(100, 899)}",
        ]
    )


def intl_phone(rng: random.Random) -> str:
    return rng.choice(
        [
            f"+44 20 {_digits(rng, 4)} {_digits(rng, 4)}",
            f"+1 {rng.randint(201, 989)} {rng.randint(200, 999)} {_digits(rng, 4)}",
            f"+81 3-{_digits(rng, 4)}-{_digits(rng, 4)}",
            f"+49 30 {_digits(rng, 8)}",
            f"+33 1 {_digits(rng, 2)} {_digits(rng, 2)} {_digits(rng, 2)} {_digits(rng, 2)}",
            f"+852 {rng.choice('5689')}{_digits(rng, 3)} {_digits(rng, 4)}",
            f"+886 9{_digits(rng, 2)} {_digits(rng, 3)} {_digits(rng, 3)}",
            f"+61 2 {_digits(rng, 4)} {_digits(rng, 4)}",
        ]
    )


def us_phone(rng: random.Random) -> str:
    area, exchange, line = rng.randint(201, 989), rng.randint(100, 999), _digits(rng, 4)
    return rng.choice([f"({area}) {exchange}-{line}", f"{area}-{exchange}-{line}", f"{area}.{exchange}.{line}"])


def uk_phone(rng: random.Random) -> str:
    return rng.choice(
        [
            f"07{_digits(rng, 3)} {_digits(rng, 6)}",
            f"020 {_digits(rng, 4)} {_digits(rng, 4)}",
            f"0161 {_digits(rng, 3)} {_digits(rng, 4)}",
            f"07{_digits(rng, 9)}",
        ]
    )


def numeral_phone(rng: random.Random) -> str:
    spoken = "".join(_CN_NUMERALS[d] for d in _cn_mobile_digits(rng))
    if rng.random() < 0.3:
        spoken = "幺" + spoken[1:]
    return rng.choice([spoken, f"{spoken[:3]} {spoken[3:7]} {spoken[7:]}"])


def phone(rng: random.Random) -> str:
    return rng.choice([cn_mobile, cn_mobile, cn_landline, intl_phone, us_phone, uk_phone, numeral_phone])(rng)


_NAMES = [
    "lily",
    "ann.lee",
    "zhangsan",
    "wang.fang",
    "mike_chen",
    "sora",
    "j.smith",
    "liu_yang",
    "amy",
    "k.tanaka",
    "chenjing",
    "tom.b",
]


def email(rng: random.Random) -> str:
    user = rng.choice(_NAMES) + rng.choice(["", str(rng.randint(1, 9999)), "_" + str(rng.randint(80, 99))])
    domain = rng.choice(
        [
            "qq.com",
            "163.com",
            "126.com",
            "gmail.com",
            "outlook.com",
            "example.org",
            "sina.com.cn",
            "company.co.uk",
            "foxmail.com",
        ]
    )
    if user[0].isdigit():
        user = "u" + user
    return rng.choice(
        [f"{user}@{domain}", f"{user}@{domain}", f"{user.upper()}@{domain.upper()}", f"{user} [at] {domain}"]
    )


def _handle_name(rng: random.Random) -> str:
    base = rng.choice(
        ["lily", "moon", "night_owl", "zhang", "amy", "sunny", "xiaoyu", "kevin", "tea_lover", "momo", "bear"]
    )
    return (
        base + rng.choice(["_", "", "-"]) + str(rng.randint(10, 99999))
        if rng.random() < 0.85
        else base + "_" + rng.choice(["cn", "sh", "bj"])
    )


def wechat_id(rng: random.Random) -> str:
    return rng.choice(
        [_handle_name(rng), "wxid_" + "".join(rng.choice(string.ascii_lowercase + string.digits) for _ in range(14))]
    )


def qq_number(rng: random.Random) -> str:
    return str(rng.randint(10000, 3999999999))


def telegram_id(rng: random.Random) -> str:
    return "@" + _handle_name(rng).replace("-", "_")


def line_id(rng: random.Random) -> str:
    return _handle_name(rng)


def cn_id(rng: random.Random) -> str:
    region = rng.choice(["110105", "310104", "440305", "320102", "510107", "330106", "420111", "610113"])
    birth = f"{rng.randint(1950, 2005)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    body = region + birth + _digits(rng, 3)
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]


def ssn(rng: random.Random) -> str:
    area = rng.choice([a for a in range(1, 900) if a != 666])
    return f"{area:03d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}"


def _luhn_complete(body: str) -> str:
    for check in string.digits:
        number = body + check
        total = 0
        for index, char in enumerate(reversed(number)):
            value = int(char) * (2 if index % 2 else 1)
            total += value - 9 if value > 9 else value
        if total % 10 == 0:
            return number
    raise AssertionError


def bank_card(rng: random.Random) -> str:
    prefix, length = rng.choice(
        [
            ("4", 16),
            ("5" + rng.choice("12345"), 16),
            ("62", 16),
            ("62", 19),
            ("37", 15),
            ("6011", 16),
            ("35" + str(rng.randint(28, 89)), 16),
        ]
    )
    number = _luhn_complete(prefix + _digits(rng, length - len(prefix) - 1))
    style = rng.random()
    if style < 0.4 and length == 16:
        return " ".join(number[i : i + 4] for i in range(0, 16, 4))
    if style < 0.55 and length == 16:
        return "-".join(number[i : i + 4] for i in range(0, 16, 4))
    return number


_ZH_CITIES = ["北京市海淀区", "上海市徐汇区", "广州市天河区", "深圳市南山区", "杭州市西湖区", "成都市武侯区", "", ""]
_ZH_ROADS = [
    "中关村大街",
    "南京西路",
    "人民路",
    "解放路",
    "建国门外大街",
    "淮海中路",
    "天河路",
    "科技园南路",
    "文三路",
    "一环路南四段",
    "五四大街",
]


def zh_address(rng: random.Random) -> str:
    units = rng.choice(
        [
            "",
            "",
            f"{rng.randint(1, 20)}号楼{rng.randint(1, 6)}单元{rng.randint(101, 2508)}室",
            f"{rng.randint(101, 3006)}室",
            f"{rng.randint(1, 30)}栋{rng.randint(101, 1808)}",
        ]
    )
    return f"{rng.choice(_ZH_CITIES)}{rng.choice(_ZH_ROADS)}{rng.randint(1, 999)}号{units}"


_EN_STREETS = [
    "Baker Street",
    "Elm St",
    "Pennsylvania Avenue",
    "Oak Road",
    "Maple Ave",
    "Church Lane",
    "Sunset Boulevard",
    "High Street",
    "Park Place",
    "King's Road",
]


def en_address(rng: random.Random) -> str:
    number = f"{rng.randint(1, 9999)}{rng.choice(['', '', 'B'])}"
    extra = rng.choice(["", "", f", Apt {rng.randint(1, 40)}{rng.choice('ABC')}", " NW"])
    return f"{number} {rng.choice(_EN_STREETS)}{extra}"


def postcode(rng: random.Random) -> str:
    return rng.choice(
        [
            f"邮编|{rng.randint(100000, 850000)}",
            rng.choice(["SW1A 1AA", "M1 1AE", "EC1A 1BB", "B33 8TH", "CR2 6XH", "DN55 1PT", "W1A 0AX", "NW1 6XE"]),
            f"{rng.choice(['CA', 'NY', 'TX', 'MA', 'WA'])} {rng.randint(10000, 99999)}",
        ]
    )


def address(rng: random.Random) -> str:
    return rng.choice([zh_address, zh_address, en_address, en_address, postcode])(rng)


def ip_address(rng: random.Random) -> str:
    return rng.choice(
        [
            f"192.168.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
            f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
            f"{rng.randint(1, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
            f"2001:db8::{rng.randint(1, 65535):x}:{rng.randint(1, 65535):x}",
            f"fe80::{rng.randint(1, 65535):x}:{rng.randint(1, 65535):x}:{rng.randint(1, 65535):x}",
        ]
    )


def url(rng: random.Random) -> str:
    name = _handle_name(rng).replace("-", "")
    return rng.choice(
        [
            f"https://weibo.com/u/{rng.randint(1000000000, 7999999999)}",
            f"https://github.com/{name}",
            f"space.bilibili.com/{rng.randint(10000, 99999999)}",
            f"https://www.instagram.com/{name}/",
            f"https://example.com/users/{name}",
            f"https://www.zhihu.com/people/{name}",
            f"https://www.douyin.com/user/{name}",
            f"https://blog.example.net/~{name}",
            f"https://www.linkedin.com/in/{name}",
        ]
    )


# -- look-alike makers --------------------------------------------------------------------------
def look_alike(rng: random.Random) -> str:
    year, month, day = rng.randint(1980, 2030), rng.randint(1, 12), rng.randint(1, 28)
    return rng.choice(
        [
            f"{year}-{month:02d}-{day:02d}",
            f"{year}/{month}/{day}",
            f"{year}年{month}月{day}日",
            f"{month:02d}/{day:02d}/{year}",
            f"{year}{month:02d}{day:02d}",
            f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}",
            f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}",
            f"¥{rng.randint(1, 99)},{rng.randint(100, 999)}.00",
            f"${rng.randint(1, 999)},{rng.randint(100, 999)}.{rng.randint(10, 99)}",
            f"{rng.randint(100, 99999)}元",
            f"{rng.randint(0, 5)}:{rng.randint(0, 5)}",
            f"{rng.randint(50, 100)}.{rng.randint(0, 9)}分",
            f"ISBN 978-7-{rng.randint(100, 999)}-{rng.randint(10000, 99999)}-{rng.randint(0, 9)}",
            f"ISBN 0-306-{rng.randint(10000, 99999)}-{rng.randint(0, 9)}",
            f"version {rng.randint(1, 20)}.{rng.randint(0, 20)}.{rng.randint(0, 99)}",
            f"v{rng.randint(1, 9)}.{rng.randint(0, 9)}.{rng.randint(0, 9)}.{rng.randint(0, 99)}",
            f"版本 {rng.randint(1, 12)}.{rng.randint(0, 9)}.{rng.randint(0, 9)}.{rng.randint(0, 999)}",
            f"订单号 {rng.randint(2019, 2025)}{_digits(rng, 12)}",
            f"order #{rng.randint(1000000, 99999999)}",
            f"快递单号 SF{_digits(rng, 13)}",
            f"{rng.randint(1900, 2030)}年",
            f"in {rng.randint(1900, 2030)}",
            f"{rng.randint(2, 99999)} 件",
            f"{rng.randint(1, 99)}.{rng.randint(0, 9)} kg",
            f"{rng.randint(1, 9)},{rng.randint(100, 999)},{rng.randint(100, 999)} views",
            f"{rng.choice([64, 128, 256, 512])}GB",
            f"第{rng.randint(1, 9999)}名",
            f"room {rng.randint(101, 2999)}",
            f"{rng.randint(1, 300)}-{rng.randint(301, 600)} 页",
        ]
    )


def fresh_look_alike(rng: random.Random) -> str:
    """Look-alikes of other shapes, for the fresh set only."""
    year, month, day = rng.randint(1980, 2030), rng.randint(1, 12), rng.randint(1, 28)
    return rng.choice(
        [
            f"{year}.{month:02d}.{day:02d}",
            f"{rng.randint(8, 11)}:00-{rng.randint(12, 18)}:30",
            f"ISBN-13: 978{_digits(rng, 10)}",
            f"Q{rng.randint(1, 4)} {year}",
            f"iPhone {rng.randint(11, 16)} Pro {rng.choice([128, 256, 512])}GB",
            f"第{rng.randint(1, 30)}季第{rng.randint(1, 24)}集",
            f"{rng.randint(1, 9)}.{_digits(rng, 5)}",
            f"{rng.randint(1, 99)}%",
            f"build {rng.randint(1000, 99999)}",
            f"工单编号 {year}{_digits(rng, 8)}",
            f"{rng.randint(1, 12)}月{rng.randint(1, 28)}号下午{rng.randint(1, 6)}点",
            f"{rng.randint(2, 20)}号线",
            f"{rng.randint(1, 9)}号选手",
        ]
    )


# -- templates ----------------------------------------------------------------------------------
Maker = Callable[[random.Random], str]
# kind -> language -> (dev, held-out, fresh templates); "{v}" is the planted value.
_PLANTED: dict[str, tuple[Maker, dict[str, tuple[list[str], list[str]]]]] = {
    "phone": (
        phone,
        {
            "zh": (
                [
                    "我的电话是{v}，有事随时打给我",
                    "手机{v}，晚上九点以后别打哈",
                    "回头联系我吧：{v}",
                    "座机{v}，白天都在",
                    "有空打{v}找我聊聊",
                    "号码给你 {v} 记一下",
                ],
                ["你直接拨{v}就能找到我", "这是我新换的号{v}，旧的不用了", "下了班call我 {v}", "老板说有问题就打 {v}"],
                ["等我到了车站给你发短信，我号{v}", "实在找不到路就拨{v}", "紧急联系人电话：{v}（我妈）"],
            ),
            "en": (
                [
                    "call me at {v} tonight",
                    "my number is {v}, text anytime",
                    "phone: {v}",
                    "you can reach me on {v} after six",
                    "ring {v} if the ferry is late",
                ],
                [
                    "save this, {v}, and send me a message",
                    "I'm on {v} all weekend",
                    "best way to get me is {v}",
                    "drop a text to {v} when you land",
                ],
                ["if nobody answers, try {v} instead", "the front desk said to dial {v}", "ok here it is: {v}"],
            ),
        },
    ),
    "email": (
        email,
        {
            "zh": (
                ["我的邮箱是{v}，把照片发过来吧", "发邮件到{v}就行", "稿子发{v}，谢谢", "联系邮箱：{v}"],
                ["你把简历投到{v}吧", "文件我转到{v}了，你查收一下", "{v} 这个地址我每天都看"],
                ["我工作邮箱{v}，周末不看", "有意向的话请联系{v}"],
            ),
            "en": (
                ["email me at {v}", "my address is {v}, send the pictures there", "contact: {v}", "drop a line to {v}"],
                ["send the draft over to {v} tomorrow", "I only check {v} on Mondays", "forward it to {v} please"],
                ["reply to {v} with your answers", "my uni mail is {v}"],
            ),
        },
    ),
    "id_number": (
        lambda rng: rng.choice([cn_id, cn_id, ssn])(rng),
        {
            "zh": (
                ["我的身份证号是{v}", "证件号{v}，帮我订一下票", "实名登记用这个：{v}"],
                ["订酒店的时候填了{v}", "他把号码{v}发到群里了，太危险了"],
                ["身份证{v}，麻烦帮我挂个号", "报名表上的证件号码：{v}"],
            ),
            "en": (
                ["my SSN is {v}", "here is my ID number {v} for the form", "social security number: {v}"],
                ["the clerk read {v} out loud", "fill in {v} on line 4 of the form"],
                ["SSN {v}, don't share it", "for the background check: {v}"],
            ),
        },
    ),
    "bank_card": (
        bank_card,
        {
            "zh": (
                ["钱打到我卡上：{v}", "卡号{v}，户名张三", "用这张信用卡{v}付吧"],
                ["转账到{v}，工商银行", "我那张{v}还能用"],
                ["退款请打回原卡{v}", "那张尾号不对，用{v}这张"],
            ),
            "en": (
                ["my card number is {v}", "charge it to {v}, expiry 09/27", "pay with card {v}"],
                ["use {v} for the deposit", "the Visa {v} still works"],
                ["card on file: {v}", "refund it to {v} please"],
            ),
        },
    ),
    "address": (
        address,
        {
            "zh": (
                ["我住在{v}，欢迎来玩", "快递寄到{v}", "地址：{v}，到了给我打电话", "我们在{v}见面吧"],
                ["明天去{v}找我", "新家在{v}，下周搬", "包裹放{v}门口就好"],
                ["到了{v}楼下给我打电话", "我老家在{v}"],
            ),
            "en": (
                ["I live at {v}", "send the parcel to {v}", "address: {v}", "meet me at {v} at noon"],
                ["we moved to {v} last spring", "drop it off at {v}, thanks", "my flat is {v}"],
                ["the party is at {v} on Saturday", "ship it to {v}"],
            ),
        },
    ),
    "ip_address": (
        ip_address,
        {
            "zh": (
                ["服务器IP是{v}", "连不上的话试试{v}", "我家路由器地址{v}"],
                ["登录{v}这台机器看看日志", "他从{v}连进来的"],
                ["把白名单加上{v}", "内网机器{v}又挂了"],
            ),
            "en": (
                ["the server ip is {v}", "ssh into {v} and check", "my home ip is {v}"],
                ["try pinging {v} first", "logs show a login from {v}"],
                ["whitelist {v} on the firewall", "the camera sits at {v}"],
            ),
        },
    ),
    "url": (
        url,
        {
            "zh": (
                ["我的主页：{v}", "关注我 {v}", "链接在这 {v}"],
                ["去{v}看我发的视频", "我把作品都放在{v}上了"],
                ["我的B站：{v}", "简历在{v}，你看一下"],
            ),
            "en": (
                ["follow me at {v}", "my profile: {v}", "check out {v}"],
                ["all my drawings are on {v}", "I posted the clip to {v}"],
                ["my portfolio lives at {v}", "more photos on {v}"],
            ),
        },
    ),
}
# Handles: the platform's name is part of the template; one value maker per platform.
_HANDLES: dict[str, tuple[Maker, dict[str, tuple[list[str], list[str]]]]] = {
    "wechat": (
        wechat_id,
        {
            "zh": (
                ["加我微信：{v}", "我微信号是{v}，备注一下名字", "vx {v} 私聊", "wx：{v}"],
                ["有事微信找我 {v}", "威信 {v}，加的时候说一声"],
                ["我的vx是{v}，通过一下"],
            ),
            "en": (
                ["add me on WeChat: {v}", "my WeChat ID is {v}", "wechat {v}"],
                ["ping me on wechat: {v}", "find me on WeChat, {v}"],
                ["hit me up on WeChat {v}"],
            ),
        },
    ),
    "qq": (
        qq_number,
        {
            "zh": (
                ["我QQ是{v}", "扣扣{v}，晚上在线", "QQ：{v} 加我"],
                ["有问题QQ找我 {v}", "我的QQ号 {v}"],
                ["QQ号码：{v}，验证写暗号"],
            ),
            "en": (["my QQ is {v}", "add me on QQ: {v}"], ["QQ {v}, I'm online at night"], ["my QQ number: {v}"]),
        },
    ),
    "telegram": (
        telegram_id,
        {
            "zh": (["电报 {v}", "TG: {v} 找我"], ["我的telegram是{v}"], ["飞机号 TG {v}"]),
            "en": (["telegram: {v}", "message me on Telegram {v}"], ["find me on telegram, {v}"], ["Telegram is {v}"]),
        },
    ),
    "line": (
        line_id,
        {
            "zh": (["加我LINE：{v}", "LINE ID：{v}"], ["我的Line ID是{v}"], ["LINE {v} 歡迎加"]),
            "en": (["my LINE ID is {v}", "LINE: {v}"], ["add me on LINE: {v}"], ["LINE ID {v}, say hi"]),
        },
    ),
}
_LOOK_ALIKE = {
    "zh": (
        [
            "我们{v}出发",
            "这本书{v}，挺厚的",
            "上次比赛{v}",
            "价格是{v}，不贵",
            "手机升级到{v}以后好用多了",
            "{v}那天下雨了",
            "一共买了{v}",
            "结果是{v}",
        ],
        ["记得{v}前交作业", "他说大概{v}左右", "排在{v}，还行吧", "账单上写着{v}"],
        ["会议定在{v}，别迟到", "这个月电费{v}", "我们队赢了，{v}"],
    ),
    "en": (
        [
            "we leave on {v}",
            "the book is {v}",
            "final score {v}",
            "it costs {v}",
            "after updating to {v} it works",
            "it rained on {v}",
            "we sold {v}",
            "the result was {v}",
        ],
        ["hand it in by {v}", "roughly {v}, give or take", "they listed it as {v}", "the receipt says {v}"],
        ["the meeting moved to {v}", "shipping took {v}", "we won, {v} in the end"],
    ),
}


# The "final" set: written after the last change to the recognizers and never tuned on.
_FINAL: dict[str, dict[str, list[str]]] = {
    "phone": {
        "zh": ["周末随时可以打给我，{v}", "这是我爸的手机 {v}，找不到我就打他的"],
        "en": ["text me at {v} when you're outside", "reach the hotel on {v}"],
    },
    "email": {"zh": ["把合同扫描件发我邮箱 {v}"], "en": ["cc me at {v} on that thread"]},
    "id_number": {"zh": ["买高铁票要用身份证{v}"], "en": ["her social security no. is {v}"]},
    "bank_card": {"zh": ["押金退到{v}这张卡"], "en": ["my Mastercard is {v}"]},
    "address": {"zh": ["周六来我家吃饭，{v}"], "en": ["come round to {v} for dinner"]},
    "ip_address": {"zh": ["打印机的地址是{v}"], "en": ["the printer sits at {v}"]},
    "url": {"zh": ["我的作品集在这里：{v}"], "en": ["say hi on {v}"]},
    "wechat": {"zh": ["方便的话加个微信 {v}"], "en": ["my WeChat: {v}"]},
    "qq": {"zh": ["扣扣号：{v}"], "en": ["QQ: {v}"]},
    "telegram": {"zh": ["TG {v}"], "en": ["on Telegram I'm {v}"]},
    "line": {"zh": ["Line ID：{v}"], "en": ["LINE ID: {v}"]},
    "look_alike": {"zh": ["车票显示{v}，记得提前到", "这次涨到了{v}"], "en": ["the ticket says {v}", "it went up to {v}"]},
}


def _templates(name: str, by_language: dict[str, tuple[list[str], ...]], language: str, template_set: str) -> list[str]:
    if template_set == "final":
        return _FINAL[name][language]
    return by_language[language][TEMPLATE_SETS.index(template_set)]


def _fill(template: str, value: str) -> tuple[str, int, int]:
    """The line, and where the value is in it; a value "context|data" plants both, data marked."""
    start = template.index("{v}")
    context, _, data = value.rpartition("|")
    return template.replace("{v}", context + data), start + len(context), start + len(context) + len(data)


def _planted_line(rng: random.Random, kind: str, template_set: str) -> Line:
    language = rng.choice(["zh", "en"])
    name = rng.choice(list(_HANDLES)) if kind == "handle" else kind
    maker, by_language = _HANDLES[name] if kind == "handle" else _PLANTED[kind]
    template = rng.choice(_templates(name, by_language, language, template_set))
    value = maker(rng)
    text, start, end = _fill(template, value)
    return Line(text=text, language=language, kind=kind, template_set=template_set, planted=[(kind, start, end)])


def _look_alike_line(rng: random.Random, template_set: str) -> Line:
    language = rng.choice(["zh", "en"])
    template = rng.choice(_templates("look_alike", _LOOK_ALIKE, language, template_set))
    maker = fresh_look_alike if template_set in ("fresh", "final") and rng.random() < 0.5 else look_alike
    text, start, end = _fill(template, maker(rng))
    return Line(text=text, language=language, kind="look_alike", template_set=template_set, look_alikes=[(start, end)])


def build(template_set: str, *, per_kind: int = 50, look_alikes: int = 400, seed: int = 18) -> list[Line]:
    """``per_kind`` planted lines for every kind and ``look_alikes`` look-alike lines."""
    rng = random.Random(f"{seed}:{template_set}")
    lines = [_planted_line(rng, kind, template_set) for kind in KINDS for _ in range(per_kind)]
    lines += [_look_alike_line(rng, template_set) for _ in range(look_alikes)]
    return lines
