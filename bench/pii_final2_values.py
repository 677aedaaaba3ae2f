"""Value makers for the ``final2`` set: contact and personal details as people type them in chat,
written after the recognizers were fixed on ``unseen`` and before measuring them on this set.
Common forms recur (most people write a mobile as eleven plain digits); the rest are forms of
their own. Look-alikes take the line's language too.
"""

from __future__ import annotations

import random
import string

from bench.pii_unseen_values import bank_card as _card_digits
from bench.pii_unseen_values import cn_id as _cn_id

_DIGIT = string.digits
_NUMERALS = "零一二三四五六七八九"


def _d(rng: random.Random, count: int) -> str:
    return "".join(rng.choice(_DIGIT) for _ in range(count))


def _mobile(rng: random.Random) -> str:
    return rng.choice(["13", "15", "17", "18", "19"]) + rng.choice("0123456789") + _d(rng, 8)


def _half_width_mix(text: str, rng: random.Random) -> str:
    """Some digits full-width, as an input method switched halfway leaves them."""
    return "".join(chr(ord(c) + 0xFEE0) if c.isdigit() and rng.random() < 0.4 else c for c in text)


def mobile(rng: random.Random) -> str:
    d = _mobile(rng)
    spoken = "".join(_NUMERALS[int(c)] for c in d)
    return rng.choice([
        d, d, d, d, f"+86 {d[:3]}-{d[3:7]}-{d[7:]}", f"{d[:3]}-{d[3:7]}-{d[7:]}", f"{d[:3]} {d[3:7]} {d[7:]}",
        f"(+86) {d[:3]} {d[3:7]} {d[7:]}", f"{d[:3]}–{d[3:7]}–{d[7:]}", f"{d[:3]} {spoken[3:7]} {d[7:]}",
        spoken.replace("一", "幺"), " ".join(spoken), _half_width_mix(d, rng), f"{d[:3]} - {d[3:7]} - {d[7:]}",
        f"+86{d}", f"{d[:7]} {d[7:]}",
    ])


def landline(rng: random.Random) -> str:
    area = rng.choice(["010", "021", "020", "0755", "0512", "028", "0571", "027", "0532", "0371"])
    local = rng.choice("2345678") + _d(rng, 7 if len(area) == 3 else rng.choice([6, 7]))
    h = len(local) // 2
    return rng.choice([
        f"{area}-{local[:h]} {local[h:]}", f"({area}) {local[:h]}-{local[h:]}", f"{area} {local[:h]} {local[h:]}",
        f"{area}-{local[:h]}-{local[h:]}", f"+86 {area[1:]} {local[:h]} {local[h:]}", f"{area} - {local}", f"{area}{local}",
    ])


def us_phone(rng: random.Random) -> str:
    a, e, n = rng.choice("23456789") + _d(rng, 2), rng.choice("23456789") + _d(rng, 2), _d(rng, 4)
    return rng.choice([f"({a}){e}-{n}", f"+1-{a}-{e}-{n}", f"{a} {e} {n}", f"1.{a}.{e}.{n}", f"+1 ({a}) {e} {n}",
                       f"{a}-{e}-{n}", f"{a}.{e}.{n}"])


def uk_phone(rng: random.Random) -> str:
    m = "07" + rng.choice("4579") + _d(rng, 8)
    london = "0207" + _d(rng, 7)
    return rng.choice([f"+44 {m[1:5]} {m[5:]}", f"{m[:5]}-{m[5:]}", f"{london[:3]}-{london[3:7]}-{london[7:]}",
                       f"+44 (0) 20 {london[3:7]} {london[7:]}", f"0117 {_d(rng, 3)} {_d(rng, 4)}", f"{m[:5]} {m[5:8]} {m[8:]}"])


def intl_phone(rng: random.Random) -> str:
    return rng.choice([
        f"+61 (0)4 {_d(rng, 4)} {_d(rng, 4)}", f"+65-{rng.choice('89')}{_d(rng, 3)}-{_d(rng, 4)}", f"+81-90-{_d(rng, 4)}-{_d(rng, 4)}",
        f"+852-{rng.choice('569')}{_d(rng, 3)}-{_d(rng, 4)}", f"+33 (0)6 {_d(rng, 2)} {_d(rng, 2)} {_d(rng, 2)} {_d(rng, 2)}",
        f"+39 347 {_d(rng, 3)} {_d(rng, 4)}", f"+34 6{_d(rng, 2)} {_d(rng, 2)} {_d(rng, 2)} {_d(rng, 2)}",
        f"+971 50 {_d(rng, 3)} {_d(rng, 4)}", f"+1 416-{_d(rng, 3)}-{_d(rng, 4)}", f"+64 21 {_d(rng, 3)} {_d(rng, 4)}",
    ])


_NAMES = ["li.na", "wangfang", "chen_yu", "zhou.jie", "amy.wong", "ben", "carol.h", "dave_m", "erin", "frank.liu",
          "gigi", "henry99", "iris.z", "jun", "kelly.tan", "leon", "maggie.c", "nick_r", "olivia", "peng.x"]
_HOSTS = ["gmail.com", "qq.com", "163.com", "outlook.com", "foxmail.com", "mail.ustc.edu.cn", "yahoo.co.uk", "icloud.com",
          "126.com", "sina.com", "studio-xyz.com", "hotmail.com"]


def email(rng: random.Random) -> str:
    name, host = rng.choice(_NAMES), rng.choice(_HOSTS)
    return rng.choice([f"{name}@{host}", f"{name}{rng.randint(1, 999)}@{host}", f"{name}+work@{host}",
                       f"{name.upper()}@{host.upper()}", f"{name}@mail.{host}"])


def spelled_email(rng: random.Random) -> str:
    name, host = rng.choice(_NAMES), rng.choice(_HOSTS)
    dotted = host.replace(".", " dot ")
    return rng.choice([f"{name} at {host}", f"{name}(at){host.replace('.', '(dot)')}", f"{name} [at] {host.replace('.', ' [dot] ')}",
                       f"{name}＠{host.replace('.', '．')}", f"{name} @{host}", f"{name}艾特{host.replace('.', '点')}",
                       f"{name}#{host}", f"{name} AT {dotted.upper()}"])


def wechat_id(rng: random.Random) -> str:
    base = rng.choice(["Moonlight", "xiao-yu", "tangtang", "Sunny", "lemon", "coco", "ocean", "kiki", "dumpling", "maple"])
    return rng.choice([f"{base}_{rng.randint(1, 99)}", f"{base}{rng.randint(1990, 2005)}", f"{base.lower()}{rng.choice(['_', '-'])}{rng.choice(['cn', 'sh', 'bj'])}",
                       f"{base[0].lower()}{_mobile(rng)}", f"{base.lower()}{base.lower()}", f"{base}{_d(rng, 3)}"])


def qq_number(rng: random.Random) -> str:
    return rng.choice("123456789") + _d(rng, rng.choice([7, 8, 8, 9, 9, 10]))


def telegram_name(rng: random.Random) -> str:
    return rng.choice(["night", "blue", "quiet", "lucky", "lazy", "paper"]) + rng.choice(["_cat", "fox", "_owl", "bird", "_moon"]) + rng.choice(["", str(rng.randint(1, 99))])


def line_id(rng: random.Random) -> str:
    return rng.choice(["mei", "yuki", "anan", "pim", "nana"]) + rng.choice([".", "_", "", "-"]) + rng.choice(["tw", "th", "jp", "love", "0921"])


def cn_id(rng: random.Random) -> str:
    number = _cn_id(rng).replace(" ", "")
    return rng.choice([number, number, number.lower(), f"{number[:6]} {number[6:14]} {number[14:]}", f"{number[:6]}-{number[6:14]}-{number[14:]}"])


def ssn(rng: random.Random) -> str:
    a, g, s = rng.randint(100, 665), rng.randint(10, 99), rng.randint(1000, 9999)
    return rng.choice([f"{a}-{g}-{s}", f"{a} {g} {s}", f"{a}{g}{s}", f"{a}.{g}.{s}"])


def bank_card(rng: random.Random) -> str:
    digits = "".join(c for c in _card_digits(rng) if c.isdigit())
    grouped = " ".join(digits[i : i + 4] for i in range(0, len(digits), 4))
    return rng.choice([digits, grouped, grouped.replace(" ", "-"), grouped])


_DISTRICTS = ["朝阳区", "海淀区", "浦东新区", "天河区", "南山区", "余杭区", "西湖区", "江宁区", "武侯区", "鼓楼区", ""]
_ROADS = ["望京街", "学院路", "科苑路", "华夏路", "文一西路", "古荡路", "双龙大道", "人民南路", "中山北路", "建设大道"]
_BUILDINGS = ["富力中心", "望京SOHO", "国贸大厦", "环球中心", "天安大厦", "中银大厦"]


def zh_address(rng: random.Random) -> str:
    district, road = rng.choice(_DISTRICTS), rng.choice(_ROADS)
    estate = rng.choice(["幸福里小区", "古荡新村", "桃源居", "阳光100", "龙湖春江郦城", "世纪花园"])
    return rng.choice([
        f"{district}{road}{rng.randint(1, 400)}号",
        f"{district}{road}{rng.randint(1, 400)}号{rng.choice(_BUILDINGS)}{rng.randint(2, 50)}层",
        f"{district}{estate}{rng.randint(1, 30)}号楼{rng.randint(1, 6)}单元{rng.randint(1, 30)}0{rng.randint(1, 4)}室",
        f"{district}{road}{rng.randint(1, 400)}号院{rng.randint(1, 20)}号楼{rng.randint(101, 2402)}",
        f"{estate}东{rng.randint(1, 20)}幢{rng.randint(1, 4)}单元{rng.randint(101, 1802)}",
        f"{rng.choice(['北京大学', '复旦大学', '浙江大学'])}{rng.randint(1, 40)}号楼{rng.randint(101, 620)}",
        f"{rng.choice(['河北省保定市涞源县', '江西省赣州市于都县', '云南省大理州宾川县'])}{rng.choice(['金家庄', '石门', '太和'])}乡{rng.choice(['下坝', '河东', '新庄'])}村{rng.choice(['二', '三', '五'])}组",
    ])


def zh_postcode(rng: random.Random) -> str:
    return rng.choice("12345678") + _d(rng, 5)


def en_address(rng: random.Random) -> str:
    n = rng.randint(1, 2999)
    street = rng.choice(["Downing Street", "Amphitheatre Parkway", "Oak Street", "Evergreen Terrace", "George St", "Maple Avenue",
                         "Kings Road", "Elm St", "Park Lane", "Victoria Road"])
    return rng.choice([
        f"{n} {street}", f"{n} {street}, London SW{rng.randint(1, 20)} {rng.randint(1, 9)}AA", f"Apt {rng.randint(1, 40)}, {n} {street}",
        f"{n} {street}, Mountain View, CA {rng.randint(90001, 96162)}", f"Unit {rng.randint(1, 40)}, {n} {street}, Sydney NSW 2000",
        f"{n} {street.lower()}", f"{n}b {street.lower()}", f"{n} {street} apt {rng.randint(1, 30)}",
    ])


def uk_postcode(rng: random.Random) -> str:
    code = rng.choice(["EC1A 1BB", "W1A 0AX", "M1 1AE", "B33 8TH", "CR2 6XH", "DN55 1PT", "SW1A 2AA", "EH1 1YZ", "G2 3AB", "BS1 4DJ"])
    return rng.choice([code, code, code.lower(), code.replace(" ", "")])


def us_zip(rng: random.Random) -> str:
    return str(rng.randint(10001, 99950))


def ip_address(rng: random.Random) -> str:
    def h() -> str:
        return format(rng.randint(1, 0xFFFF), "x")

    return rng.choice([
        f"{rng.randint(11, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}", f"192.168.0.{rng.randint(2, 254)}",
        f"10.0.{rng.randint(0, 9)}.{rng.randint(10, 254)}", f"172.{rng.randint(16, 31)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
        f"fe80::{h()}", f"2408:8207:{h()}::{h()}", f"240e:{h()}:{h()}:{h()}:{h()}:{h()}:{h()}:{h()}",
    ])


def profile_url(rng: random.Random) -> str:
    name = rng.choice(["quietfox", "lin_yue", "mei.art", "danwrites", "zhouzhou", "coco_draws", "kaito", "hanna.l"])
    uid = str(rng.randint(10**8, 10**10))
    return rng.choice([
        f"weibo.com/u/{uid}", f"https://www.douyin.com/user/MS4wLjABAAAA{uid}xYz", f"space.bilibili.com/{uid}", f"github.com/{name}",
        f"https://twitter.com/{name}", f"instagram.com/{name}", f"https://www.zhihu.com/people/{name}", f"http://blog.example.com/author/{name}",
        f"https://www.linkedin.com/in/{name.replace('.', '-')}/", f"https://www.facebook.com/profile.php?id={uid}",
        f"https://www.tiktok.com/@{name}/video/73{uid}", f"https://vk.com/id{uid}", f"https://www.pixiv.net/users/{uid}",
        f"https://www.threads.net/@{name}", f"https://bsky.app/profile/{name}.bsky.social",
    ])


# -- look-alikes ------------------------------------------------------------------------------------
def _pick(rng: random.Random, language: str, zh: list[str], en: list[str]) -> str:
    return rng.choice(zh if language == "zh" else en)


def number_text(rng: random.Random, language: str) -> str:
    return _pick(rng, language, [
        f"第{rng.randint(1000, 99999)}期", f"身高{rng.randint(150, 195)}cm", f"-{rng.randint(1, 9)}~{rng.randint(1, 9)}℃", f"¥{rng.randint(1000, 99999):,}",
        f"{rng.randint(1, 3)}:{rng.randint(0, 3)}", f"{rng.randint(1000, 9999):,}件", f"房间号{rng.randint(1001, 3520)}", f"尾号{_d(rng, 4)}",
        f"到账{rng.randint(100, 9999):,}.{_d(rng, 2)}元", f"血压{rng.randint(100, 140)}/{rng.randint(60, 90)}", f"体温36.{rng.randint(1, 9)}",
        f"会议号 {_d(rng, 3)} {_d(rng, 3)} {_d(rng, 3)}", f"工号{rng.randint(10000, 99999)}", f"打{rng.choice(['10086', '12306', '95588', '12345'])}问问",
        f"取件码{rng.randint(1, 9)}-{rng.randint(1, 9)}-{rng.randint(1000, 9999)}", f"{rng.randint(1, 12)}排{rng.randint(1, 30)}座",
        f"WiFi密码{_d(rng, 8)}", "+1", f"{rng.randint(2, 9)}G网络", f"经纬度{rng.randint(20, 45)}.{_d(rng, 4)}, {rng.randint(100, 125)}.{_d(rng, 4)}",
    ], [
        f"Room {rng.randint(100, 999)}", f"Gate {rng.randint(1, 60)}", f"Terminal {rng.randint(1, 5)}", f"table {rng.randint(1, 40)}",
        f"Route {rng.randint(1, 99)}", f"{rng.randint(1200, 1600)} on the SAT", f"5'{rng.randint(1, 11)}\"", f"{rng.randint(100, 250)} lbs",
        f"Q{rng.randint(1, 4)} {rng.randint(2019, 2026)}", f"FY{rng.randint(2019, 2027)}", "24/7", "50/50", f"{rng.randint(1, 9)}-{rng.randint(0, 9)} win",
        f"{rng.randint(1000, 9999):,} followers", f"${rng.randint(10, 999):,}.{_d(rng, 2)}", "+1", f"Apollo {rng.randint(7, 17)}",
        f"meeting ID {rng.choice('23456789')}{_d(rng, 2)} {_d(rng, 4)} {_d(rng, 4)}", f"the {rng.randint(1, 99)}th floor", f"iPhone {rng.randint(11, 16)} Pro",
    ])


def date_time_text(rng: random.Random, language: str) -> str:
    y, m, d, h, mi = rng.randint(2018, 2026), rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 23), rng.choice([0, 15, 30, 45])
    return _pick(rng, language, [
        f"{y}/{m:02d}/{d:02d} {h:02d}:{mi:02d}", f"{y}-{m:02d}-{d:02d} {h:02d}:{mi:02d}:00", f"{m}月{d}日{h}点", f"{y}年{m}月", f"周{rng.choice('一二三四五六日')}下午{rng.randint(1, 6)}点",
    ], [
        f"{m:02d}/{d:02d}/{y}", f"{d} {['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun'][m % 6]} {y}", f"{(h % 12) or 12}:{mi:02d}pm", f"{y}-{m:02d}-{d:02d}T{h:02d}:{mi:02d}",
        f"{d}/{m}/{y % 100:02d}",
    ])


def code_text(rng: random.Random, language: str) -> str:
    return _pick(rng, language, [
        f"订单号：E{rng.randint(2020, 2025)}{_d(rng, 13)}", f"快递单号 JT{_d(rng, 13)}", f"ISBN {'978' + _d(rng, 10)}",
        f"v{rng.randint(1, 9)}.{rng.randint(0, 20)}.{rng.randint(0, 9)}", f"CZ{rng.randint(1000, 9999)}航班", f"G{rng.randint(1, 9999)}次列车", f"座位{rng.randint(1, 30)}A",
        f"i9-{rng.randint(12, 14)}900K", f"版本号 {rng.randint(1, 9)}.{rng.randint(0, 9)}.{rng.randint(0, 9)}.{rng.randint(1000, 9999)}",
    ], [
        f"order #{_d(rng, 3)}-{_d(rng, 7)}", f"Android 14 (build UP1A.{_d(rng, 6)}.{_d(rng, 3)})", f"ISBN {'978' + _d(rng, 10)}", f"v{rng.randint(1, 9)}.{rng.randint(0, 20)}.{rng.randint(0, 9)}",
        f"flight BA{rng.randint(10, 999)}", f"RTX {rng.choice(['4070', '4080', '4090'])}", f"USB 3.{rng.randint(0, 2)}", f"case #{_d(rng, 8)}",
        f"firmware {rng.randint(1, 9)}.{rng.randint(0, 9)}.{rng.randint(0, 9)}.{rng.randint(0, 99)}",
    ])


def link_text(rng: random.Random, language: str) -> str:
    return rng.choice(["https://mp.weixin.qq.com/s/AbCdEfGh123", "https://www.bilibili.com/video/BV1GJ411x7h7", "https://www.jd.com/",
                       "https://github.com/pytorch/pytorch/releases", "https://news.ycombinator.com/item?id=38000000",
                       "https://www.instagram.com/p/C0abcDEFghi/", "https://x.com/search?q=troupe", "https://www.youtube.com/results?search_query=tea"])
