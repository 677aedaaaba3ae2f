"""Value makers for the personal-data evaluation set (``bench/pii_evalset.py``): random phone
numbers, e-mails, handles, ID numbers, cards, addresses, IP addresses, profile links, and
look-alikes (dates, times, prices, scores, ISBNs, versions, order numbers, years, quantities)."""

from __future__ import annotations

import random
import string

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
