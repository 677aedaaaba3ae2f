"""Value makers for the ``final3`` set: contact and personal details the way people type them to
slip past a filter (split digits, words for separators, full-width forms, emoji, typos), written
after the fixes on ``final2``'s misses were planned and before the recognizers were changed or
measured on this set. Look-alikes take the line's language too.
"""

from __future__ import annotations

import random
import string

from bench.pii_unseen_values import bank_card as _card_digits
from bench.pii_unseen_values import cn_id as _cn_id

_NUMERALS = "零一二三四五六七八九"
_FULL = {c: chr(ord(c) + 0xFEE0) for c in string.digits + string.ascii_letters + "@.-_:/"}


def _d(rng: random.Random, count: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(count))


def _full_width(text: str) -> str:
    return "".join(_FULL.get(c, c) for c in text)


def _mobile(rng: random.Random) -> str:
    return rng.choice(["13", "14", "15", "16", "17", "18", "19"]) + rng.choice("0123456789") + _d(rng, 8)


def mobile(rng: random.Random) -> str:
    d = _mobile(rng)
    spoken = "".join(_NUMERALS[int(c)] for c in d)
    return rng.choice([
        d, d, d, f"{d[:3]}.{d[3:7]}.{d[7:]}", f"{d[:3]}/{d[3:7]}/{d[7:]}", f"{d[:3]}_{d[3:7]}_{d[7:]}", _full_width(d),
        f"{d[:3]} {d[3:7]} {d[7:]}", f"{d[:3]}—{d[3:7]}—{d[7:]}", f"{d[:3]}-{d[3:7]}-{d[7:]}", f"0086 {d}", f"86-{d}",
        f"{d[:3]}{spoken[3:7]}{d[7:]}", f"{spoken[:3]} {spoken[3:7]} {spoken[7:]}", f"{d[:3]}～{d[3:7]}～{d[7:]}",
        f"{d[:4]} {d[4:8]} {d[8:]}", f"{d[:3]} – {d[3:7]} – {d[7:]}",
    ])


def landline(rng: random.Random) -> str:
    area = rng.choice(["010", "021", "022", "023", "0755", "0591", "0731", "0898", "0451", "0871"])
    local = rng.choice("2345678") + _d(rng, 7 if len(area) == 3 else 6)
    return rng.choice([f"{area}-{local}", f"{area} {local[:4]} {local[4:]}", f"（{area}）{local}", f"{area}—{local}",
                       f"{area}.{local[:4]}.{local[4:]}", f"+86-{area[1:]}-{local}"])


def us_phone(rng: random.Random) -> str:
    a, e, n = rng.choice("23456789") + _d(rng, 2), rng.choice("23456789") + _d(rng, 2), _d(rng, 4)
    return rng.choice([f"({a}) {e}-{n}", f"{a}-{e}-{n}", f"{a}.{e}.{n}", f"+1 {a} {e} {n}", f"1-{a}-{e}-{n}", f"{a} - {e} - {n}",
                       f"{a}/{e}-{n}", f"+1{a}{e}{n}"])


def uk_phone(rng: random.Random) -> str:
    m = "07" + rng.choice("34789") + _d(rng, 8)
    return rng.choice([f"{m[:5]} {m[5:]}", f"+44 {m[1:5]} {m[5:8]} {m[8:]}", f"+44 (0){m[1:5]} {m[5:]}", f"0161 {_d(rng, 3)} {_d(rng, 4)}",
                       f"020 {rng.choice('378')}{_d(rng, 3)} {_d(rng, 4)}", f"{m[:5]}-{m[5:8]}-{m[8:]}"])


def intl_phone(rng: random.Random) -> str:
    return rng.choice([
        f"+49 151 {_d(rng, 4)} {_d(rng, 4)}", f"+60 12-{_d(rng, 3)} {_d(rng, 4)}", f"+886 9{_d(rng, 2)} {_d(rng, 3)} {_d(rng, 3)}",
        f"+82 10-{_d(rng, 4)}-{_d(rng, 4)}", f"+853 6{_d(rng, 3)} {_d(rng, 4)}", f"+66 8{_d(rng, 1)} {_d(rng, 3)} {_d(rng, 4)}",
        f"+7 9{_d(rng, 2)} {_d(rng, 3)}-{_d(rng, 2)}-{_d(rng, 2)}", f"+55 11 9{_d(rng, 4)}-{_d(rng, 4)}", f"+61 4{_d(rng, 2)} {_d(rng, 3)} {_d(rng, 3)}",
    ])


_NAMES = ["xiaoming", "lin.yi", "jenny_w", "tom.h", "zhao123", "sakura", "mr.chen", "lucy_lu", "kevin.z", "yangyang",
          "nora", "sam.k", "wu.dan", "alex_2008", "hui.min"]
_HOSTS = ["qq.com", "163.com", "gmail.com", "sina.cn", "126.com", "outlook.com", "yeah.net", "aliyun.com", "sohu.com",
          "protonmail.com", "zju.edu.cn", "live.cn"]


def email(rng: random.Random) -> str:
    name, host = rng.choice(_NAMES), rng.choice(_HOSTS)
    return rng.choice([f"{name}@{host}", f"{name}{rng.randint(10, 99)}@{host}", f"{name.title()}@{host}", f"{_d(rng, 9)}@qq.com",
                       _full_width(f"{name}@{host}"), f"{name}_{rng.randint(1, 9)}@{host}"])


def spelled_email(rng: random.Random) -> str:
    name, host = rng.choice(_NAMES), rng.choice(_HOSTS)
    head, _, tail = host.partition(".")
    return rng.choice([
        f"{name} at {head} dot {tail}", f"{name}圈a{host}", f"{name}（at）{head}（dot）{tail}", f"{name} @ {head} . {tail}",
        f"{name}@{head}点{tail}", f"{name} AT {head.upper()} DOT {tail.upper()}", f"{name}[at]{head}[.]{tail}", f"{name}＃{host}",
        f"{name} at {head}.{tail}", f"{name}(a){host}", f"{name} #{head}.{tail}", f"{name}艾特{head}点com" if tail == "com" else f"{name}艾特{host}",
    ])


def wechat_id(rng: random.Random) -> str:
    base = rng.choice(["xiaotu", "Yummy", "bluesky", "momo", "peach", "Ricky", "tiantian", "lulu", "sugar", "panda"])
    return rng.choice([f"{base}_{rng.randint(10, 999)}", f"{base}{rng.randint(1985, 2006)}", f"wxid_{''.join(rng.choice(string.ascii_lowercase + string.digits) for _ in range(12))}",
                       f"{base.lower()}-{_d(rng, 4)}", f"{base[:2]}{_mobile(rng)}", f"{base}.{rng.choice(['sh', 'gz', 'hz', 'cd'])}"])


def qq_number(rng: random.Random) -> str:
    q = rng.choice("123456789") + _d(rng, rng.choice([7, 8, 9, 9, 10]))
    return rng.choice([q, q, q, f"{q[:3]} {q[3:6]} {q[6:]}", _full_width(q), "".join(_NUMERALS[int(c)] for c in q)])


def telegram_name(rng: random.Random) -> str:
    return rng.choice(["sleepy", "grey", "wild", "tiny", "salty"]) + rng.choice(["_wolf", "panda", "_bean", "cloud", "_tea"]) + rng.choice(["", "_x", str(rng.randint(1, 99))])


def line_id(rng: random.Random) -> str:
    return rng.choice(["ploy", "aoi", "hana", "bow", "may"]) + rng.choice(["_", ".", ""]) + rng.choice(["bkk", "tpe", "0505", "chan", "xx"])


def cn_id(rng: random.Random) -> str:
    n = _cn_id(rng).replace(" ", "")
    return rng.choice([n, n, n, f"{n[:6]}-{n[6:14]}-{n[14:]}", f"{n[:6]} {n[6:10]} {n[10:14]} {n[14:]}", f"{n[:3]} {n[3:6]} {n[6:14]} {n[14:]}",
                       _full_width(n), f"{n[:6]}.{n[6:14]}.{n[14:]}", f"{n[:17]}x" if n.endswith("X") else n, f"{n[:6]}—{n[6:14]}—{n[14:]}"])


def ssn(rng: random.Random) -> str:
    a, g, s = rng.randint(101, 665), rng.randint(10, 99), rng.randint(1000, 9999)
    return rng.choice([f"{a}-{g}-{s}", f"{a} {g} {s}", f"{a}.{g}.{s}", f"{a} - {g} - {s}", f"{a}–{g}–{s}", f"{a}/{g}/{s}", f"{a}{g}{s}"])


def bank_card(rng: random.Random) -> str:
    digits = "".join(c for c in _card_digits(rng) if c.isdigit())
    grouped = " ".join(digits[i : i + 4] for i in range(0, len(digits), 4))
    return rng.choice([digits, grouped, grouped.replace(" ", "."), grouped.replace(" ", " - "), _full_width(digits), grouped.replace(" ", "  ")])


_CITIES = ["北京市", "上海市", "广州市", "杭州市", "成都市", "武汉市", "南京市", "重庆市", ""]
_DISTRICTS = ["东城区", "静安区", "越秀区", "拱墅区", "锦江区", "江汉区", "秦淮区", "渝中区", "福田区"]
_ROADS = ["东四十条", "南京西路", "环市东路", "莫干山路", "春熙路", "解放大道", "中山南路", "解放碑步行街", "深南大道"]


def zh_address(rng: random.Random) -> str:
    city, district, road = rng.choice(_CITIES), rng.choice(_DISTRICTS), rng.choice(_ROADS)
    n = rng.randint(1, 999)
    estate = rng.choice(["碧桂园", "万科城", "翠苑三区", "金地花园", "保利香槟国际", "绿城桂花园"])
    return rng.choice([
        f"{city}{district}{road}{n}号", f"{district}{road}{n}弄{rng.randint(1, 60)}号{rng.randint(101, 1502)}室",
        f"{city}{district}{estate}{rng.randint(1, 30)}栋{rng.randint(1, 3)}单元{rng.randint(1, 33)}0{rng.randint(1, 6)}",
        f"{district}{road}{n}号{rng.randint(1, 40)}楼", f"{estate}{rng.randint(1, 30)}-{rng.randint(1, 6)}-{rng.randint(101, 2802)}",
        f"{city}{district}{road}{n}号院{rng.randint(1, 12)}号楼{rng.randint(1, 6)}单元{rng.randint(101, 1802)}",
        f"{rng.choice(['山东省临沂市沂南县', '湖南省邵阳市新宁县', '甘肃省天水市秦安县'])}{rng.choice(['青驼', '回龙', '兴国'])}镇{rng.choice(['东', '西', '南'])}{rng.choice(['岭', '湾', '庄'])}村{rng.randint(1, 200)}号",
        f"{road}{n}号（{rng.choice(['地铁站', '万达广场', '人民医院'])}对面）",
    ])


def zh_postcode(rng: random.Random) -> str:
    return rng.choice("1234567") + _d(rng, 5)


def en_address(rng: random.Random) -> str:
    n = rng.randint(2, 4999)
    street = rng.choice(["Baker Street", "Sunset Blvd", "Queen St", "Harbour Road", "Pine Avenue", "Mill Lane", "High Street",
                         "Lexington Ave", "Church Road", "Cedar Drive"])
    return rng.choice([
        f"{n} {street}", f"{n} {street.lower()}", f"flat {rng.randint(1, 30)}, {n} {street}", f"{n} {street}, Brooklyn, NY {rng.randint(11201, 11256)}",
        f"{n} {street}, Leeds LS{rng.randint(1, 29)} {rng.randint(1, 9)}JT", f"{n} {street.upper()}", f"#{rng.randint(2, 30)}-{rng.randint(1, 20)}, {n} {street}",
        f"{n} {street.lower()} apt {rng.randint(1, 20)}{rng.choice('ABCD')}", f"{n}, {street}, Toronto ON M5V {rng.randint(1, 9)}A{rng.randint(1, 9)}",
    ])


def uk_postcode(rng: random.Random) -> str:
    code = rng.choice(["LS1 4AP", "NW1 6XE", "E14 5AB", "OX1 2JD", "CF10 1EP", "L1 8JQ", "NE1 7RU", "SE1 9SG", "AB10 1XG", "BT1 5GS"])
    return rng.choice([code, code.lower(), code.replace(" ", ""), code])


def us_zip(rng: random.Random) -> str:
    return rng.choice([str(rng.randint(10001, 99950)), f"{rng.randint(10001, 99950)}-{_d(rng, 4)}"])


def ip_address(rng: random.Random) -> str:
    def h() -> str:
        return format(rng.randint(1, 0xFFFF), "x")

    v4 = f"{rng.randint(11, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    return rng.choice([
        v4, v4, f"{v4}:{rng.choice([22, 3389, 8080, 443])}", f"192.168.{rng.randint(0, 3)}.{rng.randint(2, 254)}", f"2001:db8:{h()}::{h()}",
        f"2409:{h()}:{h()}:{h()}::{h()}", f"::ffff:{v4}", v4.replace(".", "。"), f"fd00::{h()}:{h()}", _full_width(v4),
    ])


def profile_url(rng: random.Random) -> str:
    name = rng.choice(["xiaolu", "ink_wang", "jia.draws", "sketchyz", "tan_tan", "mochi", "rin.k", "bo_writes"])
    uid = str(rng.randint(10**7, 10**10))
    return rng.choice([
        f"www.weibo.com/{name}", f"m.weibo.cn/u/{uid}", f"xiaohongshu.com/user/profile/{uid}abc", f"https://www.xiaohongshu.com/user/profile/5f{uid}",
        f"douyin.com/user/{uid}", f"https://space.bilibili.com/{uid}/dynamic", f"www.instagram.com/{name}/", f"twitter.com/{name}",
        f"x.com/{name}", f"https://medium.com/@{name}", f"{name}.substack.com", f"https://www.behance.net/{name}", f"https://{name}.lofter.com",
        f"www.zhihu.com/people/{name}", f"https://www.douban.com/people/{uid}/", f"youtube.com/@{name}", f"https://site.example.org/author/{name}/",
    ])


# -- look-alikes ------------------------------------------------------------------------------------
def _pick(rng: random.Random, language: str, zh: list[str], en: list[str]) -> str:
    return rng.choice(zh if language == "zh" else en)


def number_text(rng: random.Random, language: str) -> str:
    return _pick(rng, language, [
        f"{rng.randint(2, 99)}.{_d(rng, 2)}元", f"一共{rng.randint(2, 300)}件", f"{rng.randint(60, 100)}分", f"{rng.randint(1990, 2026)}年",
        f"{rng.randint(1, 30)}号楼", f"{rng.randint(1, 28)}楼{rng.randint(1, 30)}室", f"房间{rng.randint(1001, 2899)}", f"{rng.randint(100, 999)}路公交",
        f"{rng.randint(1, 5)}比{rng.randint(0, 5)}", f"原价{rng.randint(1000, 99999)}，现价{rng.randint(100, 9999)}", f"{rng.randint(3, 40)}万粉丝",
        f"第{rng.randint(1, 400)}名", f"{rng.randint(2, 500)}斤", f"{rng.randint(1, 99)}%", f"验证码{_d(rng, 6)}", f"{rng.randint(10, 200)}平米",
        f"学号{rng.randint(2018, 2025)}{_d(rng, 6)}", f"积分{rng.randint(1000, 99999)}", f"{rng.randint(1, 12)}点{rng.randint(1, 59)}分",
        f"考了{rng.randint(500, 720)}分", f"准考证{_d(rng, 10)}",
    ], [
        f"${rng.randint(1, 99)}.{_d(rng, 2)}", f"{rng.randint(2, 300)} pcs", f"scored {rng.randint(60, 100)}/100", f"in {rng.randint(1990, 2026)}",
        f"room {rng.randint(101, 1999)}", f"{rng.randint(1, 30)} kg", f"{rng.randint(1, 12)}x{rng.randint(1, 12)}", f"{rng.randint(1, 99)}% off",
        f"#{rng.randint(1, 500)} on the list", f"{rng.randint(1000, 99999):,} views", f"level {rng.randint(1, 120)}", f"{rng.randint(10, 95)} mph",
        f"code {_d(rng, 6)}", f"{rng.randint(1, 4)} bed {rng.randint(1, 3)} bath", f"score {rng.randint(0, 5)}-{rng.randint(0, 5)}",
        f"bus {rng.randint(1, 199)}", f"{rng.randint(1, 9)},{_d(rng, 3)},{_d(rng, 3)} users", f"seat {rng.randint(1, 40)}{rng.choice('ABCDEF')}",
    ])


def date_time_text(rng: random.Random, language: str) -> str:
    y, m, d, h, mi = rng.randint(2015, 2027), rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 23), rng.choice([0, 10, 20, 30, 40, 50])
    return _pick(rng, language, [
        f"{y}.{m}.{d}", f"{y}年{m}月{d}日 {h:02d}:{mi:02d}", f"{m}/{d} {h}:{mi:02d}", f"{y}{m:02d}{d:02d}", f"{m}.{d}-{m}.{d + 1}",
        f"{h:02d}:{mi:02d}-{(h + 1) % 24:02d}:{mi:02d}", f"{y}—{y + 1}赛季", f"{h}点半",
    ], [
        f"{m}/{d}/{y}", f"{y}.{m:02d}.{d:02d}", f"{h:02d}:{mi:02d}", f"{d}-{m}-{y}", f"{m}/{d} at {(h % 12) or 12}{rng.choice(['am', 'pm'])}",
        f"{y}-{y + 1}", f"{h:02d}{mi:02d} hrs", f"{d}.{m}.{y}",
    ])


def code_text(rng: random.Random, language: str) -> str:
    return _pick(rng, language, [
        f"订单号{rng.randint(2019, 2026)}{_d(rng, 14)}", f"顺丰SF{_d(rng, 12)}", f"中通{_d(rng, 12)}", f"ISBN 978-7-{_d(rng, 3)}-{_d(rng, 5)}-{rng.randint(0, 9)}",
        f"版本{rng.randint(1, 20)}.{rng.randint(0, 9)}.{rng.randint(0, 30)}", f"MU{rng.randint(1000, 9999)}", f"D{rng.randint(100, 9999)}次",
        f"型号 {rng.choice(['XR', 'KD', 'SM'])}-{rng.randint(100, 999)}{rng.choice('ABC')}", f"发票号{_d(rng, 8)}", f"{rng.randint(1, 16)}车{rng.randint(1, 20)}F",
        f"车牌京A·{_d(rng, 5)}",
    ], [
        f"tracking 1Z{_d(rng, 16)}", f"order {_d(rng, 3)}-{_d(rng, 7)}-{_d(rng, 7)}", f"ISBN-13: 978-0-{_d(rng, 3)}-{_d(rng, 5)}-{rng.randint(0, 9)}",
        f"version {rng.randint(1, 20)}.{rng.randint(0, 9)}.{rng.randint(0, 30)}", f"UA{rng.randint(10, 999)}", f"train {rng.randint(100, 999)}",
        f"model {rng.choice(['SM-S9', 'A2', 'XPS-'])}{_d(rng, 3)}", f"invoice INV-{_d(rng, 6)}", f"PO {_d(rng, 8)}", f"build {_d(rng, 5)}",
        f"ticket #{_d(rng, 6)}", f"part no. {_d(rng, 3)}-{_d(rng, 4)}-{_d(rng, 2)}",
    ])


def link_text(rng: random.Random, language: str) -> str:
    return rng.choice(["https://www.taobao.com/", "https://www.douban.com/group/topic/123456789/", "https://en.wikipedia.org/wiki/Tea",
                       "https://www.bilibili.com/read/cv1234567", "https://docs.python.org/3/library/re.html", "https://www.amazon.com/dp/B08N5WRWNW",
                       "https://www.zhihu.com/question/20000000", "https://www.reddit.com/r/china/"])
