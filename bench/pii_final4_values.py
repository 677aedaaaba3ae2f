"""Value makers for the ``final4`` set: personal details in the forms people type in everyday chat
(most common forms most often, then the rest: any separator between digit groups, full-width and
circled digits, 幺 for one, spelled-out @ and dot, Hong Kong, Taiwan, UK, US, Canadian and
Australian numbers and addresses, IPv6, profile links of many sites), written before reading the
recognizers or measuring them on this set. Look-alikes take the line's language and include the
tricky ones (12-digit courier numbers, 19-digit order numbers, timestamps, 4-part versions,
ISBN-13, flight numbers, amounts grouped like card numbers).
"""

from __future__ import annotations

import random
import string

from bench.pii_unseen_values import _luhn_complete
from bench.pii_unseen_values import cn_id as _cn_id

_FULL = {c: chr(ord(c) + 0xFEE0) for c in string.digits + string.ascii_letters + "@.-_:/()+"}
_CIRCLED = "⓪①②③④⑤⑥⑦⑧⑨"
_SPOKEN = "零幺二三四五六七八九"


def _d(rng: random.Random, count: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(count))


def _nz(rng: random.Random, count: int) -> str:
    return rng.choice("23456789") + _d(rng, count - 1)


def _full_width(text: str) -> str:
    return "".join(_FULL.get(c, c) for c in text)


def _sep(rng: random.Random) -> str:
    return rng.choice([" ", " ", "-", "-", ".", "　", " - ", "/", "_", "·", "－", "—"])


# -- phones ----------------------------------------------------------------------------------------
def _mobile(rng: random.Random) -> str:
    return rng.choice(
        ["133", "134", "136", "139", "150", "153", "157", "166", "172", "175", "180", "184", "187", "191", "199"]
    ) + _d(rng, 8)


def mobile(rng: random.Random) -> str:
    d = _mobile(rng)
    s = _sep(rng)
    return rng.choice(
        [
            d,
            d,
            d,
            d,
            f"{d[:3]} {d[3:7]} {d[7:]}",
            f"{d[:3]}-{d[3:7]}-{d[7:]}",
            f"{d[:3]}{s}{d[3:7]}{s}{d[7:]}",
            f"+86 {d}",
            f"+86 {d[:3]} {d[3:7]} {d[7:]}",
            f"(+86) {d}",
            f"+86-{d}",
            _full_width(d),
            _full_width(f"{d[:3]} {d[3:7]} {d[7:]}"),
            " ".join(d),
            f"{d[:3]} {d[3:]}",
            f"{d[:7]} {d[7:]}",
            "".join(_SPOKEN[int(c)] for c in d),
            "".join(_CIRCLED[int(c)] for c in d),
            f"{d[:3]}{''.join(_SPOKEN[int(c)] for c in d[3:7])}{d[7:]}",
            f"86{d}",
        ]
    )


def landline(rng: random.Random) -> str:
    area = rng.choice(["010", "020", "021", "025", "027", "028", "0512", "0532", "0571", "0755", "0769", "0851"])
    local = _nz(rng, 8 if len(area) == 3 else rng.choice([7, 8]))
    h = len(local) // 2
    tw = f"0{rng.choice('2345678')}"
    return rng.choice(
        [
            f"{area}-{local}",
            f"{area}-{local}",
            f"{area} {local}",
            f"({area}) {local[:h]} {local[h:]}",
            f"（{area}）{local}",
            f"{area}-{local[:h]}-{local[h:]}",
            f"+86 {area[1:]} {local}",
            f"{area}{local}",
            f"({tw}) {_nz(rng, 4)}-{_d(rng, 4)}",
            f"{tw}-{_nz(rng, 4)}-{_d(rng, 4)}",  # Taiwan landlines
        ]
    )


def us_phone(rng: random.Random) -> str:
    a, e, n = _nz(rng, 3), _nz(rng, 3), _d(rng, 4)
    return rng.choice(
        [
            f"({a}) {e}-{n}",
            f"({a}) {e}-{n}",
            f"{a}-{e}-{n}",
            f"{a}-{e}-{n}",
            f"{a}.{e}.{n}",
            f"{a} {e} {n}",
            f"+1 ({a}) {e}-{n}",
            f"+1 {a}-{e}-{n}",
            f"1-{a}-{e}-{n}",
            f"{a}{e}{n}",
            f"+1{a}{e}{n}",
            f"({a}){e}-{n}",
            f"{a}–{e}–{n}",
        ]
    )


def uk_phone(rng: random.Random) -> str:
    m = "07" + rng.choice("4579") + _d(rng, 8)
    return rng.choice(
        [
            f"{m[:5]} {m[5:]}",
            f"{m[:5]} {m[5:]}",
            m,
            f"+44 {m[1:5]} {m[5:]}",
            f"+44 7{m[2:5]} {m[5:8]} {m[8:]}",
            f"+447{m[2:]}",
            f"020 {rng.choice('78')}{_d(rng, 3)} {_d(rng, 4)}",
            f"+44 (0)20 {rng.choice('78')}{_d(rng, 3)} {_d(rng, 4)}",
            f"0161 {_nz(rng, 3)} {_d(rng, 4)}",
            f"0131-{_nz(rng, 3)}-{_d(rng, 4)}",
            f"{m[:4]} {m[4:7]} {m[7:]}",
        ]
    )


def intl_phone(rng: random.Random) -> str:
    return rng.choice(
        [
            f"+852 {rng.choice('5679')}{_d(rng, 3)} {_d(rng, 4)}",
            f"+852-{rng.choice('569')}{_d(rng, 7)}",
            f"(852) {rng.choice('69')}{_d(rng, 3)}-{_d(rng, 4)}",
            f"{rng.choice('69')}{_d(rng, 3)} {_d(rng, 4)}",  # a Hong Kong mobile written locally
            f"09{_d(rng, 2)}-{_d(rng, 3)}-{_d(rng, 3)}",
            f"09{_d(rng, 2)} {_d(rng, 3)} {_d(rng, 3)}",
            f"+886 9{_d(rng, 2)} {_d(rng, 3)} {_d(rng, 3)}",
            f"+886-9{_d(rng, 8)}",
            f"04{_d(rng, 2)} {_d(rng, 3)} {_d(rng, 3)}",
            f"+61 4{_d(rng, 2)} {_d(rng, 3)} {_d(rng, 3)}",
            f"(0{rng.choice('2378')}) {_nz(rng, 4)} {_d(rng, 4)}",
            f"+61 {rng.choice('2378')} {_nz(rng, 4)} {_d(rng, 4)}",
            f"+65 {rng.choice('89')}{_d(rng, 3)} {_d(rng, 4)}",
            f"+81 90-{_d(rng, 4)}-{_d(rng, 4)}",
            f"+60 1{_d(rng, 1)}-{_d(rng, 3)} {_d(rng, 4)}",
            f"+1 (604) {_nz(rng, 3)}-{_d(rng, 4)}",
            f"+33 6 {_d(rng, 2)} {_d(rng, 2)} {_d(rng, 2)} {_d(rng, 2)}",
            f"+82 10 {_d(rng, 4)} {_d(rng, 4)}",
        ]
    )


# -- email -----------------------------------------------------------------------------------------
_NAMES = [
    "xiaoyu",
    "wang.lei",
    "amy_chen",
    "j.smith",
    "cathy88",
    "liuqing",
    "ming.zhou",
    "sarahk",
    "ben.t",
    "hello.kitty",
    "annie_w",
    "dj.li",
    "m.rossi",
    "zhangsan2001",
    "kellyho",
]
_HOSTS = [
    "qq.com",
    "163.com",
    "126.com",
    "gmail.com",
    "hotmail.com",
    "outlook.com",
    "foxmail.com",
    "icloud.com",
    "yahoo.com.hk",
    "mail.ustc.edu.cn",
    "connect.hku.hk",
    "ntu.edu.tw",
    "btinternet.com",
    "bigpond.com",
    "sina.com",
    "yahoo.co.uk",
]


def email(rng: random.Random) -> str:
    name, host = rng.choice(_NAMES), rng.choice(_HOSTS)
    return rng.choice(
        [
            f"{name}@{host}",
            f"{name}@{host}",
            f"{name}{rng.randint(1, 99)}@{host}",
            f"{_nz(rng, rng.choice([8, 9, 10]))}@qq.com",
            f"{name}+work@{host}",
            f"{name.upper()}@{host.upper()}",
            f"{name}＠{host}",
            _full_width(f"{name}@{host}"),
            f"{name.replace('.', '_')}@{host}",
            f"{name}@{host}".replace("@", " @ ", 1),
        ]
    )


def spelled_email(rng: random.Random) -> str:
    name, host = rng.choice(_NAMES), rng.choice(_HOSTS)
    head, _, tail = host.partition(".")
    spoken_tail = " dot ".join(tail.split("."))
    return rng.choice(
        [
            f"{name} at {head} dot {spoken_tail}",
            f"{name} [at] {head} [dot] {tail.replace('.', ' [dot] ')}",
            f"{name}(at){host}",
            f"{name} (at) {head} (dot) {spoken_tail.replace(' dot ', ' (dot) ')}",
            f"{name}[at]{host}",
            f"{name} AT {host}",
            f"{name}#{host}",
            f"{name}艾特{host}",
            f"{name} 艾特 {head} 点 {' 点 '.join(tail.split('.'))}",
            f"{name}圈{host}",
            f"{name}{{at}}{host}",
            f"{name} at {host}",
            f"{name}@{head} dot {spoken_tail}",
            f"{name} @ {head} . {' . '.join(tail.split('.'))}",
            f"{name}（at）{host}",
            f"{name} at {head}.{tail}",
            f"{name}_at_{head}_dot_{'_dot_'.join(tail.split('.'))}",
        ]
    )


# -- handles ---------------------------------------------------------------------------------------
def wechat_id(rng: random.Random) -> str:
    base = rng.choice(
        ["Coco", "ayu", "lemon", "xixi", "DaWei", "sunny", "qiqi", "mumu", "Kiki", "dongdong", "june", "yoyo"]
    )
    return rng.choice(
        [
            f"{base}_{rng.randint(1, 999)}",
            f"{base.lower()}{rng.randint(1990, 2008)}",
            f"{base}{_d(rng, 4)}",
            f"wxid_{''.join(rng.choice(string.ascii_lowercase + string.digits) for _ in range(14))}",
            f"{base.lower()}-{rng.choice(['bj', 'sh', 'cd'])}{_d(rng, 2)}",
            f"{base}{rng.choice(['Lin', 'Wang', 'Zhou'])}{rng.randint(1, 99)}",
            f"{base.lower()}_{rng.choice(['art', 'gz', 'studio'])}",
        ]
    )


def qq_number(rng: random.Random) -> str:
    q = rng.choice("123456789") + _d(rng, rng.choice([6, 7, 8, 8, 9, 9, 10]))
    return rng.choice(
        [q, q, q, q, f"{q[:3]} {q[3:6]} {q[6:]}", _full_width(q), " ".join(q), "".join(_CIRCLED[int(c)] for c in q)]
    )


def telegram_name(rng: random.Random) -> str:
    """Any non-WeChat/QQ/LINE handle: Telegram, Instagram, Discord, Snapchat, Kakao, 抖音号, 小红书号."""
    name = (
        rng.choice(["moonlit", "bun", "ghost", "pixel", "rosie", "kai", "noodle", "yuki", "otter", "mango"])
        + rng.choice(["_fox", ".art", "_92", "cat", "__", "_z", "tea", "_draws", ""])
        + rng.choice(["", str(rng.randint(1, 999))])
    )
    return rng.choice([f"@{name}", f"@{name}", name, name, f"{name}#{_d(rng, 4)}", _full_width(f"@{name}")])


def line_id(rng: random.Random) -> str:
    return (
        rng.choice(["nana", "pim", "meiling", "tzu", "yuna", "jojo"])
        + rng.choice(["_", ".", "-", ""])
        + rng.choice(["tw", "0815", "bkk", "chan", "99", "love"])
    )


# -- ids and cards ---------------------------------------------------------------------------------
def _hk_id(rng: random.Random) -> str:
    letter = rng.choice("ACDEGHKMPRVYZ")
    body = _d(rng, 6)
    total = 36 * 9 + (ord(letter) - 55) * 8 + sum(int(c) * w for c, w in zip(body, range(7, 1, -1), strict=True))
    check = (11 - total % 11) % 11
    return f"{letter}{body}({'A' if check == 10 else check})"


def _tw_id(rng: random.Random) -> str:
    letters = "ABCDEFGHJKLMNPQRSTUVXYWZIO"
    letter = rng.choice(letters[:20])
    code = letters.index(letter) + 10
    body = rng.choice("12") + _d(rng, 7)
    total = code // 10 + (code % 10) * 9 + sum(int(c) * w for c, w in zip(body, range(8, 0, -1), strict=True))
    return f"{letter}{body}{(10 - total % 10) % 10}"


def cn_id(rng: random.Random) -> str:
    n = _cn_id(rng).replace(" ", "").upper()
    return rng.choice(
        [
            n,
            n,
            n,
            n,
            n,
            f"{n[:6]} {n[6:14]} {n[14:]}",
            f"{n[:6]}-{n[6:14]}-{n[14:]}",
            _full_width(n),
            f"{n[:3]} {n[3:6]} {n[6:10]} {n[10:14]} {n[14:]}",
            n[:-1] + n[-1].lower(),
            " ".join([n[i : i + 4] for i in range(0, 16, 4)] + [n[16:]]),
            _hk_id(rng),
            _tw_id(rng),
        ]
    )


def ssn(rng: random.Random) -> str:
    a, g, s = rng.choice([rng.randint(1, 665), rng.randint(667, 899)]), rng.randint(1, 99), rng.randint(1, 9999)
    prefix = rng.choice(
        [
            a + b
            for a in "ABCEGHJKLMNPRSTWXYZ"
            for b in "ABCEGHJKLMNPRSTWXYZ"
            if a + b not in ("BG", "GB", "NK", "KN", "NT", "TN", "ZZ")
        ]
    )
    nino = f"{prefix} {_d(rng, 2)} {_d(rng, 2)} {_d(rng, 2)} {rng.choice('ABCD')}"
    sin = _luhn_complete(rng.choice("1234569") + _d(rng, 7))
    return rng.choice(
        [
            f"{a:03d}-{g:02d}-{s:04d}",
            f"{a:03d}-{g:02d}-{s:04d}",
            f"{a:03d} {g:02d} {s:04d}",
            f"{a:03d}{g:02d}{s:04d}",
            f"{a:03d}.{g:02d}.{s:04d}",
            nino,
            nino.replace(" ", ""),
            f"{sin[:3]} {sin[3:6]} {sin[6:]}",
            f"{sin[:3]}-{sin[3:6]}-{sin[6:]}",
        ]
    )


def bank_card(rng: random.Random) -> str:
    prefix, length = rng.choice(
        [
            ("62", 19),
            ("62", 16),
            ("622848", 19),
            ("4", 16),
            ("4", 16),
            ("5", 16),
            ("37", 15),
            (str(rng.randint(3528, 3589)), 16),
            ("6011", 16),
        ]
    )
    n = _luhn_complete(prefix + _d(rng, length - len(prefix) - 1))
    groups = [n[i : i + 4] for i in range(0, length, 4)] if length != 15 else [n[:4], n[4:10], n[10:]]
    s = _sep(rng)
    return rng.choice(
        [
            n,
            n,
            " ".join(groups),
            " ".join(groups),
            "-".join(groups),
            s.join(groups),
            _full_width(n),
            _full_width(" ".join(groups)),
            f"{n[:6]} {n[6:]}",
            " ".join(n),
        ]
    )


# -- addresses -------------------------------------------------------------------------------------
def zh_address(rng: random.Random) -> str:
    n = rng.randint(1, 888)
    mainland = rng.choice(
        [
            "北京市朝阳区",
            "上海市闵行区",
            "广东省深圳市宝安区",
            "浙江省杭州市余杭区",
            "四川省成都市高新区",
            "江苏省苏州市姑苏区",
            "湖北省武汉市洪山区",
            "西安市雁塔区",
            "天津市南开区",
            "福建省厦门市湖里区",
            "海淀区",
            "徐汇区",
            "",
        ]
    )
    road = rng.choice(
        [
            "望京西路",
            "虹桥路",
            "新湖路",
            "文一西路",
            "天府三街",
            "干将西路",
            "珞喻路",
            "小寨东路",
            "复康路",
            "仙岳路",
            "学院路",
        ]
    )
    estate = rng.choice(["阳光100", "万达华府", "龙湖时代天街", "绿地海珀", "融创玖樘", "翠苑一区", "世纪花园"])
    return rng.choice(
        [
            f"{mainland}{road}{n}号",
            f"{mainland}{road}{n}号{estate}{rng.randint(1, 20)}栋{rng.randint(1, 4)}单元{rng.randint(101, 2602)}",
            f"{mainland}{estate}{rng.randint(1, 30)}号楼{rng.randint(101, 2202)}室",
            f"{road}{n}号{rng.randint(1, 12)}楼{rng.choice('ABCD')}座",
            f"{estate}{rng.randint(1, 20)}-{rng.randint(1, 4)}-{rng.randint(101, 1802)}",
            f"{mainland}{road}{n}弄{rng.randint(1, 50)}号{rng.randint(101, 602)}",
            f"{rng.choice(['河南省周口市', '云南省大理州', '江西省赣州市'])}{rng.choice(['郸城县', '宾川县', '于都县'])}{rng.choice(['城关镇', '金牛镇', '贡江镇'])}{rng.choice(['李楼村', '河东村'])}{rng.randint(1, 9)}组{rng.randint(1, 80)}号",
            # Hong Kong and Taiwan, traditional characters
            f"九龍旺角彌敦道{rng.randint(1, 800)}號{rng.randint(1, 30)}樓{rng.choice('ABCDEF')}室",
            f"香港島銅鑼灣軒尼詩道{rng.randint(1, 600)}號{rng.randint(2, 40)}樓",
            f"新界沙田{rng.choice(['第一城', '禾輋邨', '沙角邨'])}{rng.randint(1, 50)}座{rng.randint(1, 30)}樓{rng.randint(1, 20)}室",
            f"台北市大安區忠孝東路四段{rng.randint(1, 300)}巷{rng.randint(1, 20)}弄{rng.randint(1, 60)}號{rng.randint(2, 12)}樓",
            f"新北市板橋區文化路一段{rng.randint(1, 300)}號{rng.randint(2, 15)}樓之{rng.randint(1, 5)}",
            f"台中市西屯區台灣大道三段{rng.randint(1, 900)}號",
        ]
    )


def zh_postcode(rng: random.Random) -> str:
    return rng.choice("1234567") + _d(rng, 5)


def en_address(rng: random.Random) -> str:
    n = rng.randint(3, 9800)
    return rng.choice(
        [
            # US
            f"{n} {rng.choice(['Maple Ave', 'Elm Street', 'W 34th St', 'Mission St', 'Oak Blvd'])}, {rng.choice(['Apt', 'Unit', '#'])} {rng.randint(1, 30)}{rng.choice('ABC')}, "
            f"{rng.choice(['San Francisco, CA 941', 'Austin, TX 787', 'Seattle, WA 981'])}{_d(rng, 2)}",
            f"{n} {rng.choice(['Maple Ave', 'Elm Street', 'Mission St', 'Peachtree Rd NE'])}",
            f"{n} N {rng.choice(['Main', 'State', 'Clark'])} St, Chicago, IL 606{_d(rng, 2)}",
            f"PO Box {rng.randint(10, 9999)}, {rng.choice(['Portland, OR 97208', 'Reno, NV 89501'])}",
            # UK
            f"{rng.randint(1, 200)} {rng.choice(['Station Road', 'Victoria Street', 'Kings Road', 'Abbey Lane'])}, {rng.choice(['London SW3 5UZ', 'Bristol BS1 4DJ', 'Manchester M1 2AB', 'Glasgow G2 8LU'])}",
            f"Flat {rng.randint(1, 40)}, {rng.randint(1, 99)} {rng.choice(['Elm Grove', 'Park Crescent', 'Castle Hill'])}",
            # Canada
            f"{n} {rng.choice(['Yonge St', 'Queen St W', 'Robson St', 'Rue Sainte-Catherine O'])}, {rng.choice(['Toronto, ON M5B 2H1', 'Vancouver, BC V6E 1B5', 'Montréal, QC H3B 1A7'])}",
            f"{rng.randint(100, 2500)}-{n} {rng.choice(['Bay Street', 'Granville St'])}",
            # Australia
            f"Unit {rng.randint(1, 40)}/{rng.randint(1, 300)} {rng.choice(['George St', 'Chapel Street', 'Queen St'])}, {rng.choice(['Sydney NSW 2000', 'South Yarra VIC 3141', 'Brisbane QLD 4000'])}",
            f"{rng.randint(1, 300)} {rng.choice(['Bourke Street', 'Hay St', 'Anzac Parade'])}, {rng.choice(['Melbourne VIC 3000', 'Perth WA 6000', 'Kensington NSW 2033'])}",
            # Hong Kong in English
            f"Flat {rng.choice('ABCDEFGH')}, {rng.randint(2, 40)}/F, {rng.choice(['Block 2', 'Tower 5', 'Lok Fu Court'])}, {rng.randint(1, 300)} {rng.choice(['Nathan Road', 'Hennessy Road', 'Kings Road'])}, "
            f"{rng.choice(['Mong Kok, Kowloon', 'Wan Chai, Hong Kong', 'North Point'])}",
            f"Room {rng.randint(101, 2808)}, {rng.randint(1, 300)} Des Voeux Road Central",
        ]
    )


def uk_postcode(rng: random.Random) -> str:
    code = rng.choice(
        ["SW1A 1AA", "EC1V 9HX", "M4 1HN", "B15 2TT", "G12 8QQ", "EH8 9YL", "CB2 1TN", "BS8 1TH", "W1D 3QF", "N7 9BQ"]
    )
    ca = f"{rng.choice('KLMNTV')}{rng.randint(1, 9)}{rng.choice('ABCEGHJ')} {rng.randint(1, 9)}{rng.choice('ABCEGHJ')}{rng.randint(1, 9)}"
    return rng.choice([code, code, code.lower(), code.replace(" ", ""), ca, ca.replace(" ", "")])


def us_zip(rng: random.Random) -> str:
    state, first = rng.choice([("NSW", "2"), ("VIC", "3"), ("QLD", "4"), ("WA", "6")])  # each state's postcodes
    return rng.choice(
        [
            f"{rng.randint(10001, 99929):05d}",
            f"{rng.randint(10001, 99929):05d}",
            f"{rng.randint(10001, 99929):05d}-{_d(rng, 4)}",
            f"{rng.choice(['CA', 'NY', 'TX', 'WA'])} {rng.randint(10001, 99929):05d}",
            f"{state} {first}{_d(rng, 3)}",
        ]
    )


# -- network ---------------------------------------------------------------------------------------
def ip_address(rng: random.Random) -> str:
    def h() -> str:
        return format(rng.randint(1, 0xFFFF), "x")

    v4 = f"{rng.randint(1, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    full6 = ":".join(format(rng.randint(0, 0xFFFF), "04x") for _ in range(8))
    return rng.choice(
        [
            v4,
            v4,
            v4,
            f"{v4}:{rng.choice([22, 80, 8080, 3306, 25565, 6379])}",
            f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
            f"172.{rng.randint(16, 31)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
            full6,
            full6.upper(),
            f"2408:{h()}:{h()}::{h()}",
            f"fe80::{h()}:{h()}:{h()}:{h()}",
            f"[2001:db8::{h()}]:{rng.choice([443, 8443])}",
            f"240e:{h()}:{h()}:{h()}:{h()}:{h()}:{h()}:{h()}",
            v4.replace(".", "。"),
            _full_width(v4),
            v4.replace(".", "．"),
            f"{v4}/{rng.choice([24, 32])}",
        ]
    )


def profile_url(rng: random.Random) -> str:
    name = rng.choice(["mia.draws", "oldwang", "chen_yi", "lilsprout", "zoe.k", "tangtang", "ray_photo", "yunshu"])
    uid = str(rng.randint(10**8, 10**10))
    short = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(7))
    return rng.choice(
        [
            f"https://weibo.com/u/{uid}",
            f"weibo.com/{name}",
            f"https://www.xiaohongshu.com/user/profile/{uid}{short.lower()}",
            f"http://xhslink.com/{short}",
            f"https://v.douyin.com/{short}/",
            f"https://www.douyin.com/user/MS4wLjABAAAA{short}",
            f"https://space.bilibili.com/{uid}",
            f"b23.tv/{short}",
            f"https://www.instagram.com/{name}/",
            f"instagram.com/{name}",
            f"https://www.tiktok.com/@{name}",
            f"https://www.facebook.com/{name.replace('.', '')}",
            f"linkedin.com/in/{name.replace('.', '-')}-{_d(rng, 3)}",
            f"https://github.com/{name.replace('.', '-')}",
            f"https://x.com/{name.replace('.', '_')}",
            f"https://www.youtube.com/@{name}",
            f"https://www.pixiv.net/users/{uid}",
            f"https://ko-fi.com/{name.replace('.', '')}",
            f"https://www.patreon.com/{name.replace('.', '')}",
            f"linktr.ee/{name}",
            f"https://www.zhihu.com/people/{name}",
            f"https://www.douban.com/people/{uid}/",
            f"https://www.kuaishou.com/profile/3x{short.lower()}",
            f"https://www.threads.net/@{name}",
            f"https://instagram.com/{name}?igsh={short}",
        ]
    )


# -- look-alikes -----------------------------------------------------------------------------------
def _pick(rng: random.Random, language: str, zh: list[str], en: list[str]) -> str:
    return rng.choice(zh if language == "zh" else en)


def _isbn13(rng: random.Random) -> str:
    body = "978" + rng.choice(["7", "0", "1"]) + _d(rng, 8)
    check = (10 - sum(int(c) * (1 if i % 2 == 0 else 3) for i, c in enumerate(body)) % 10) % 10
    n = body + str(check)
    return rng.choice([n, f"{n[:3]}-{n[3]}-{n[4:7]}-{n[7:12]}-{n[12]}", f"{n[:3]}-{n[3]}-{n[4:8]}-{n[8:12]}-{n[12]}"])


def number_text(rng: random.Random, language: str) -> str:
    """Prices, amounts, scores, quantities and years, some grouped like phone or card numbers."""
    big = rng.randint(1_000_000, 99_999_999)
    return _pick(
        rng,
        language,
        [
            f"¥{rng.randint(1, 9999)}.{_d(rng, 2)}",
            f"{rng.randint(2, 3000)}块",
            f"{big:,}元",
            f"总价{rng.randint(10000, 999999)}",
            f"{rng.randint(1, 99)}.{rng.randint(0, 9)}万",
            f"{rng.randint(1990, 2026)}年",
            f"{rng.randint(1, 500)}个",
            f"{rng.randint(1, 80)}公斤",
            f"{rng.randint(50, 150)}分",
            f"{rng.randint(0, 9)}比{rng.randint(0, 9)}",
            f"第{rng.randint(1, 99)}集",
            f"{rng.randint(10, 999)}毫升",
            f"{rng.randint(1, 99)}折",
            f"余额{big // 100:,}.{_d(rng, 2)}",
            f"{rng.randint(100, 999)}/{rng.randint(100, 999)}",
            f"播放量{rng.randint(1, 999)}万",
            f"{rng.randint(1, 40)}层",
            f"{rng.randint(3000, 20000)}字",
            f"人民币{rng.randint(1, 9)} {_d(rng, 3)} {_d(rng, 3)}元",
            f"验证码{_d(rng, 6)}",
            f"{rng.randint(1, 5)}星",
            f"转账{rng.randint(1, 99)},{_d(rng, 3)}.00元",
            f"工资{rng.randint(3, 30)}k",
        ],
        [
            f"${rng.randint(1, 999)}.{_d(rng, 2)}",
            f"£{rng.randint(1, 500)}",
            f"${big:,}",
            f"USD {big // 100:,}.{_d(rng, 2)}",
            f"{rng.randint(2, 500)} pcs",
            f"in {rng.randint(1970, 2026)}",
            f"class of {rng.randint(2010, 2030)}",
            f"{rng.randint(1, 99)}kg",
            f"{rng.randint(40, 100)}/100",
            f"{rng.randint(0, 7)}-{rng.randint(0, 7)}",
            f"{rng.randint(1, 10)} out of 10",
            f"{rng.randint(100, 9999)} words",
            f"{rng.randint(1, 99)}% off",
            f"{rng.randint(1, 9)},{_d(rng, 3)},{_d(rng, 3)} views",
            f"approx. {rng.randint(1, 9)} {_d(rng, 3)} {_d(rng, 3)}",
            f"{rng.randint(1, 60)} mins",
            f"GPA {rng.randint(2, 4)}.{_d(rng, 2)}",
            f"{rng.randint(18, 99)} years old",
            f"balance ${rng.randint(1, 9)},{_d(rng, 3)},{_d(rng, 3)}.{_d(rng, 2)}",
            f"rank #{rng.randint(1, 9999)}",
            f"{rng.randint(1, 12)} x {rng.randint(1, 12)} = {rng.randint(1, 144)}",
        ],
    )


def date_time_text(rng: random.Random, language: str) -> str:
    y, m, d, h, mi, s = (
        rng.randint(2016, 2027),
        rng.randint(1, 12),
        rng.randint(1, 28),
        rng.randint(0, 23),
        rng.randint(0, 59),
        rng.randint(0, 59),
    )
    stamp = rng.randint(1_500_000_000, 1_800_000_000)
    return _pick(
        rng,
        language,
        [
            f"{y}-{m:02d}-{d:02d}",
            f"{y}/{m}/{d}",
            f"{y}年{m}月{d}日",
            f"{m}月{d}号",
            f"{y}-{m:02d}-{d:02d} {h:02d}:{mi:02d}:{s:02d}",
            f"{h:02d}:{mi:02d}",
            f"下午{rng.randint(1, 6)}点{rng.choice(['', '半', '一刻'])}",
            f"{y}{m:02d}{d:02d}{h:02d}{mi:02d}{s:02d}",
            f"{stamp}",
            f"{stamp}{_d(rng, 3)}",
            f"{y}.{m:02d}.{d:02d} {h:02d}:{mi:02d}",
            f"{m}.{d}-{m}.{min(d + 3, 28)}",
            f"周{rng.choice('一二三四五六日')} {h:02d}:{mi:02d}",
            f"{y}-{m:02d}-{d:02d}T{h:02d}:{mi:02d}:{s:02d}+08:00",
        ],
        [
            f"{m}/{d}/{y}",
            f"{d}/{m}/{y}",
            f"{y}-{m:02d}-{d:02d}",
            f"{h % 12 or 12}:{mi:02d} {rng.choice(['am', 'pm', 'AM', 'PM'])}",
            f"{h:02d}:{mi:02d}:{s:02d}",
            f"{y}-{m:02d}-{d:02d}T{h:02d}:{mi:02d}:{s:02d}Z",
            f"{stamp}",
            f"March {d}, {y}",
            f"{d} Aug {y}",
            f"{y}{m:02d}{d:02d}",
            f"{h:02d}{mi:02d}h",
            f"{m}/{d}-{m}/{min(d + 2, 28)}",
            f"{y}-{y + 1} season",
            f"Q{rng.randint(1, 4)} {y}",
            f"{d}.{m}.{y} {h:02d}:{mi:02d}",
        ],
    )


def code_text(rng: random.Random, language: str) -> str:
    """Order, courier, flight and train numbers, ISBNs, versions, model and ticket numbers."""
    return _pick(
        rng,
        language,
        [
            f"订单号{rng.randint(2, 5)}{_d(rng, 18)}",
            f"订单编号：{_d(rng, 12)}",
            f"快递单号{rng.choice(['7731', '7758', '4312', '9861'])}{_d(rng, 8)}",
            f"中通{rng.choice(['75', '78'])}{_d(rng, 10)}",
            f"圆通YT{_d(rng, 13)}",
            f"顺丰 SF{_d(rng, 13)}",
            f"京东JD{_d(rng, 13)}",
            f"运单号1{rng.choice('3589')}{_d(rng, 11)}",
            f"交易单号4200{_d(rng, 24)}",
            f"ISBN {_isbn13(rng)}",
            f"书号{_isbn13(rng)}",
            f"版本v{rng.randint(1, 9)}.{rng.randint(0, 20)}.{rng.randint(0, 99)}",
            f"固件{rng.randint(1, 9)}.{rng.randint(0, 9)}.{rng.randint(0, 9)}.{rng.randint(100, 9999)}",
            f"航班{rng.choice(['CA', 'MU', 'CZ', 'HU', 'CX'])}{rng.randint(100, 9999)}",
            f"G{rng.randint(1, 9999)}次",
            f"{rng.randint(1, 16)}车{rng.randint(1, 20)}{rng.choice('ABCDF')}座",
            f"型号{rng.choice(['RTX', 'iPhone', 'Mate'])} {rng.randint(10, 4090)}",
            f"发票代码{_d(rng, 12)}",
            f"工单#{_d(rng, 7)}",
            f"取件码{rng.randint(1, 30)}-{rng.randint(1, 9)}-{_d(rng, 4)}",
            f"学号{rng.randint(2018, 2025)}{_d(rng, 6)}",
            f"房号{rng.randint(1, 30)}{rng.randint(1, 30):02d}",
            f"车牌沪A{_d(rng, 5)}",
            f"淘宝订单{_d(rng, 19)}",
        ],
        [
            f"order #{_d(rng, 12)}",
            f"order {_d(rng, 3)}-{_d(rng, 7)}-{_d(rng, 7)}",
            f"tracking 1Z{_d(rng, 3)}AA{_d(rng, 10)}",
            f"USPS 9400 {_d(rng, 4)} {_d(rng, 4)} {_d(rng, 4)} {_d(rng, 4)} {_d(rng, 2)}",
            f"FedEx {_d(rng, 4)} {_d(rng, 4)} {_d(rng, 4)}",
            f"ISBN-13 {_isbn13(rng)}",
            f"ISBN {_isbn13(rng)}",
            f"v{rng.randint(1, 20)}.{rng.randint(0, 20)}.{rng.randint(0, 50)}",
            f"version {rng.randint(1, 9)}.{rng.randint(0, 9)}.{rng.randint(0, 9)}.{rng.randint(0, 99)}",
            f"build {rng.randint(10, 24)}.{rng.randint(0, 9)}.{rng.randint(10000, 26999)}.{rng.randint(1, 9999)}",
            f"flight {rng.choice(['BA', 'UA', 'QF', 'AC', 'CX'])} {rng.randint(1, 999)}",
            f"{rng.choice(['BA', 'UA', 'DL', 'NZ'])}{rng.randint(10, 9999)}",
            f"case no. {_d(rng, 4)}-{_d(rng, 6)}",
            f"ticket {rng.choice(['#', 'no. '])}{_d(rng, 8)}",
            f"invoice {_d(rng, 4)}-{_d(rng, 4)}-{_d(rng, 4)}",
            f"SKU {_d(rng, 3)}-{_d(rng, 3)}-{_d(rng, 3)}",
            f"PO#{_d(rng, 10)}",
            f"ref {rng.choice(string.ascii_uppercase)}{_d(rng, 9)}",
            f"model A{_d(rng, 4)}",
            f"confirmation {''.join(rng.choice(string.ascii_uppercase + string.digits) for _ in range(6))}",
            f"route {rng.randint(1, 99)}",
        ],
    )


def link_text(rng: random.Random, language: str) -> str:
    """Links to content, not to a person: articles, videos, products, documentation, a repository."""
    return rng.choice(
        [
            f"https://www.bilibili.com/video/BV1{''.join(rng.choice(string.ascii_letters + string.digits) for _ in range(9))}",
            "https://item.jd.com/100012043978.html",
            f"https://www.youtube.com/watch?v={''.join(rng.choice(string.ascii_letters + string.digits) for _ in range(11))}",
            "https://zh.wikipedia.org/wiki/红楼梦",
            "https://docs.djangoproject.com/en/5.0/topics/i18n/",
            "https://github.com/huggingface/transformers/issues/12345",
            "https://www.bbc.co.uk/news/world-asia-china",
            "https://mp.weixin.qq.com/s/AbCdEfGh123",
            "https://www.zhihu.com/question/345678901/answer/123456789",
            "https://www.amazon.co.uk/dp/0141439513",
            "https://tieba.baidu.com/p/8888888888",
            "https://www.imdb.com/title/tt0111161/",
            "http://example.com/docs/faq.html#pricing",
        ]
    )
