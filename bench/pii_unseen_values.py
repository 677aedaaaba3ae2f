"""Value makers for the evaluation sets written from chat (``unseen``, ``final2``): the formats
people type when they pass on contact or personal details, written without looking at the
recognizers. Look-alikes are in ``bench/pii_unseen_look_alikes.py``.

Every maker takes a ``random.Random`` and returns the value as it would be typed.
"""

from __future__ import annotations

import random
import string
from datetime import date, timedelta

_ZH_DIGITS = {"plain": "零一二三四五六七八九", "upper": "零壹贰叁肆伍陆柒捌玖", "circle": "〇一二三四五六七八九"}


def _digits(rng: random.Random, count: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(count))


def _nonzero_digits(rng: random.Random, count: int) -> str:
    return rng.choice("123456789") + _digits(rng, count - 1)


def _full_width(text: str) -> str:
    return "".join(chr(ord(char) + 0xFEE0) if char.isdigit() else char for char in text)


def _luhn_complete(body: str) -> str:
    total = 0
    for position, char in enumerate(reversed(body)):
        digit = int(char)
        if position % 2 == 0:
            digit *= 2
            digit -= 9 if digit > 9 else 0
        total += digit
    return body + str((10 - total % 10) % 10)


# -- phones ------------------------------------------------------------------------------------
_MOBILE_PREFIXES = ["130", "131", "132", "135", "136", "137", "138", "139", "147", "150", "151", "152", "155",
                    "156", "157", "158", "159", "166", "170", "173", "176", "177", "178", "180", "181", "182",
                    "183", "185", "186", "187", "188", "189", "191", "193", "195", "198", "199"]


def _mobile_digits(rng: random.Random) -> str:
    return rng.choice(_MOBILE_PREFIXES) + _digits(rng, 8)


def cn_mobile(rng: random.Random) -> str:
    """A Chinese mobile as people write it: run together, 3-4-4, 3-8, with +86 / 0086 / (86)."""
    d = _mobile_digits(rng)
    forms = [
        d, d, d,
        f"{d[:3]} {d[3:7]} {d[7:]}", f"{d[:3]}-{d[3:7]}-{d[7:]}", f"{d[:3]} {d[3:]}", f"{d[:3]}.{d[3:7]}.{d[7:]}",
        f"+86 {d}", f"+86-{d[:3]}-{d[3:7]}-{d[7:]}", f"+86 {d[:3]} {d[3:7]} {d[7:]}", f"0086-{d}", f"(+86){d}",
        f"86-{d}", f"+8613{d[2:]}" if d.startswith("13") else f"+86{d}", f"{d[:3]}  {d[3:7]}  {d[7:]}",
        _full_width(d), f"{d[:3]}－{d[3:7]}－{d[7:]}",
    ]
    return rng.choice(forms)


_AREA_CODES = ["010", "020", "021", "022", "023", "024", "025", "027", "028", "029", "0311", "0351", "0371",
               "0431", "0451", "0531", "0532", "0571", "0574", "0591", "0592", "0731", "0755", "0757", "0769",
               "0791", "0851", "0871", "0898", "0931"]


def cn_landline(rng: random.Random) -> str:
    """A landline with its area code: 010-62751234, (0755)8888 6666, 021 5888 1234, +86 10 ..."""
    area = rng.choice(_AREA_CODES)
    local = _nonzero_digits(rng, 8 if len(area) == 3 else rng.choice([7, 8]))
    half = len(local) // 2
    forms = [
        f"{area}-{local}", f"{area}-{local}", f"{area}{local}", f"({area}){local}", f"（{area}）{local}",
        f"{area} {local[:half]} {local[half:]}", f"{area}-{local[:half]}-{local[half:]}", f"({area}) {local}",
        f"+86 {area[1:]} {local}", f"+86-{area[1:]}-{local}", f"{area} {local}", f"{area}—{local}",
    ]
    return rng.choice(forms)


def cn_landline_with_extension(rng: random.Random) -> tuple[str, str, str]:
    """A landline, and its extension after it (the extension stays outside the planted value)."""
    return "", cn_landline(rng), rng.choice(["转", "转分机", "-", " ext. ", " 分机"]) + _digits(rng, rng.choice([3, 4]))


def numeral_phone(rng: random.Random) -> str:
    """A mobile written in Chinese numerals, as people do to get past filters: 幺/两, 大写, mixed."""
    d = _mobile_digits(rng)
    style = rng.choice(["plain", "plain", "plain", "upper", "circle"])
    table = _ZH_DIGITS[style]
    spoken = [table[int(char)] for char in d]
    if style == "plain" and rng.random() < 0.4:
        spoken = ["幺" if char == "1" and rng.random() < 0.7 else spoken[i] for i, char in enumerate(d)]
    if rng.random() < 0.2:
        spoken = ["两" if char == "2" else spoken[i] for i, char in enumerate(d)]
    form = rng.choice(["run", "run", "groups", "mixed", "comma"])
    if form == "groups":
        return "".join(spoken[:3]) + " " + "".join(spoken[3:7]) + " " + "".join(spoken[7:])
    if form == "mixed":  # half digits, half numerals
        return d[:3] + "".join(spoken[3:7]) + d[7:]
    if form == "comma":
        return "".join(spoken[:3]) + "，" + "".join(spoken[3:7]) + "，" + "".join(spoken[7:])
    return "".join(spoken)


def spaced_digits_phone(rng: random.Random) -> str:
    """A mobile with a separator between every digit, another way past filters."""
    return rng.choice([" ", "-", ".", "_", " · "]).join(_mobile_digits(rng))


def _us_parts(rng: random.Random) -> tuple[str, str, str]:
    return str(rng.randint(2, 9)) + _digits(rng, 2), str(rng.randint(2, 9)) + _digits(rng, 2), _digits(rng, 4)


def us_phone(rng: random.Random) -> str:
    area, exchange, line = _us_parts(rng)
    forms = [f"({area}) {exchange}-{line}", f"{area}-{exchange}-{line}", f"{area}.{exchange}.{line}",
             f"{area} {exchange} {line}", f"({area}){exchange}-{line}", f"1-{area}-{exchange}-{line}",
             f"+1 {area} {exchange} {line}", f"+1 ({area}) {exchange}-{line}", f"{area}{exchange}{line}",
             f"1 ({area}) {exchange} {line}", f"+1-{area}-{exchange}-{line}"]
    return rng.choice(forms)


def uk_phone(rng: random.Random) -> str:
    mobile = "07" + rng.choice("345789") + _digits(rng, 8)
    london = "020" + rng.choice("378") + _digits(rng, 7)
    city = rng.choice(["0113", "0114", "0115", "0116", "0117", "0121", "0131", "0141", "0151", "0161", "0191"])
    city_local = _nonzero_digits(rng, 7)
    forms = [f"{mobile[:5]} {mobile[5:]}", mobile, f"{mobile[:5]} {mobile[5:8]} {mobile[8:]}",
             f"+44 {mobile[1:5]} {mobile[5:]}", f"+44 (0){mobile[1:5]} {mobile[5:]}", f"+447{mobile[2:]}",
             f"{london[:3]} {london[3:7]} {london[7:]}", f"({london[:3]}) {london[3:7]} {london[7:]}",
             f"+44 20 {london[3:7]} {london[7:]}", f"{city} {city_local[:3]} {city_local[3:]}",
             f"{city}-{city_local}", f"0044 {mobile[1:]}"]
    return rng.choice(forms)


def intl_phone(rng: random.Random) -> str:
    """Numbers from elsewhere, written the local way after the country code."""
    forms = [
        f"+81 90-{_digits(rng, 4)}-{_digits(rng, 4)}", f"+81 3-{_digits(rng, 4)}-{_digits(rng, 4)}",
        f"+49 151 {_digits(rng, 8)}", f"+49 (0)30 {_digits(rng, 8)}", f"+61 4{_digits(rng, 2)} {_digits(rng, 3)} {_digits(rng, 3)}",
        f"+33 6 {_digits(rng, 2)} {_digits(rng, 2)} {_digits(rng, 2)} {_digits(rng, 2)}",
        f"+852 {rng.choice('5689')}{_digits(rng, 3)} {_digits(rng, 4)}", f"+853 6{_digits(rng, 3)} {_digits(rng, 4)}",
        f"+886 9{_digits(rng, 2)} {_digits(rng, 3)} {_digits(rng, 3)}", f"+886-9{_digits(rng, 8)}",
        f"+65 {rng.choice('89')}{_digits(rng, 3)} {_digits(rng, 4)}", f"+82 10-{_digits(rng, 4)}-{_digits(rng, 4)}",
        f"+7 9{_digits(rng, 2)} {_digits(rng, 3)}-{_digits(rng, 2)}-{_digits(rng, 2)}",
        f"+91 9{_digits(rng, 4)} {_digits(rng, 5)}", f"+60 1{_digits(rng, 1)}-{_digits(rng, 3)} {_digits(rng, 4)}",
        f"00852 {rng.choice('5689')}{_digits(rng, 7)}", f"+1 604 {_digits(rng, 3)} {_digits(rng, 4)}",
    ]
    return rng.choice(forms)


def hk_local_phone(rng: random.Random) -> str:
    """A Hong Kong mobile without its country code (8 digits, 4-4)."""
    number = rng.choice("5679") + _digits(rng, 7)
    return rng.choice([number, f"{number[:4]} {number[4:]}", f"{number[:4]}-{number[4:]}"])


def any_phone(rng: random.Random) -> str:
    return rng.choice([cn_mobile, cn_mobile, cn_landline, numeral_phone, us_phone, uk_phone, intl_phone])(rng)


# -- e-mail ------------------------------------------------------------------------------------
_GIVEN = ["wei", "lei", "jing", "yan", "xiaoming", "lily", "tom", "sarah", "james", "emma", "kate", "oliver", "amy",
          "chen", "hao", "yuki", "mo", "daniel", "grace", "leo", "mia", "zoe", "jack", "ruby", "sam", "ellie"]
_FAMILY = ["zhang", "wang", "li", "liu", "chen", "yang", "huang", "zhao", "smith", "jones", "brown", "taylor",
           "wilson", "evans", "walker", "nguyen", "kim", "park", "oconnor", "murphy", "patel", "garcia"]
_MAIL_HOSTS = ["qq.com", "163.com", "126.com", "sina.com", "sina.cn", "foxmail.com", "139.com", "aliyun.com",
               "gmail.com", "outlook.com", "hotmail.com", "yahoo.com", "icloud.com", "proton.me", "hotmail.co.uk",
               "btinternet.com", "pku.edu.cn", "mail.tsinghua.edu.cn", "ucl.ac.uk", "stanford.edu", "yahoo.com.tw",
               "example-studio.cn", "mycompany.io"]


def _mailbox(rng: random.Random) -> str:
    given, family = rng.choice(_GIVEN), rng.choice(_FAMILY)
    return rng.choice([f"{given}.{family}", f"{given}_{family}{rng.randint(1, 99)}", f"{family}{given}",
                       f"{given}{rng.randint(1980, 2006)}", f"{given[0]}{family}", str(rng.randint(10000, 3999999999)),
                       f"{given}-{family}", f"{given.capitalize()}{family.capitalize()}", f"{given}+chat",
                       f"{family}.{given}.{rng.randint(1, 9)}", f"x{given}{rng.randint(100, 999)}"])


def email(rng: random.Random) -> str:
    return f"{_mailbox(rng)}@{rng.choice(_MAIL_HOSTS)}"


def obfuscated_email(rng: random.Random) -> str:
    """An address spelled so filters miss it: [at], (at), " at … dot ", #, full-width ＠, spaces, 艾特."""
    box, host = _mailbox(rng), rng.choice(_MAIL_HOSTS)
    dotted = host.replace(".", " dot ")
    forms = [f"{box}[at]{host}", f"{box}(at){host}", f"{box} at {dotted}", f"{box} AT {host}", f"{box}#{host}",
             f"{box}＠{host}", f"{box} @ {host}", f"{box}艾特{host}", f"{box} [at] {host.replace('.', ' [dot] ')}",
             f"{box}@{host.replace('.', '。')}", f"{box}{{at}}{host}"]
    return rng.choice(forms)


# -- handles -----------------------------------------------------------------------------------
def _handle_word(rng: random.Random) -> str:
    word = rng.choice(_GIVEN + _FAMILY + ["sunny", "moon", "kitty", "tiger", "blue", "sky", "cookie", "panda", "nova"])
    return word


def wechat_id(rng: random.Random) -> str:
    """WeChat ids: a letter first, 6–20 letters, digits, _ and -; or the old wxid_ form."""
    word, other = _handle_word(rng), _handle_word(rng)
    forms = [f"{word}_{rng.randint(0, 9999):04d}", f"{word}{other}{rng.randint(1, 99)}", f"{word}{rng.randint(1985, 2008)}",
             f"{word.capitalize()}-{other}", f"wxid_{''.join(rng.choice(string.ascii_lowercase + string.digits) for _ in range(14))}",
             f"{word[0]}{_mobile_digits(rng)}", f"{word}_{other}", f"{word}{rng.randint(100000, 999999)}",
             f"{word.upper()}{rng.randint(10, 99)}", f"{word}-{rng.randint(1, 999)}", f"{word}{other}_"]
    return rng.choice(forms).ljust(6, "8")  # WeChat takes no id shorter than six characters


def qq_number(rng: random.Random) -> str:
    return _nonzero_digits(rng, rng.choice([6, 7, 8, 9, 9, 10, 10, 10, 11]))


def telegram_name(rng: random.Random) -> str:
    word, other = _handle_word(rng), _handle_word(rng)
    return rng.choice([f"{word}_{other}", f"{word}{other}{rng.randint(1, 99)}", f"{word.capitalize()}{other.capitalize()}",
                       f"{word}_{rng.randint(1990, 2006)}", f"real{word}", f"{word}{other}_bot" if rng.random() < 0.05 else f"the{word}"])


def telegram_at(rng: random.Random) -> str:
    return "@" + telegram_name(rng)


def telegram_link(rng: random.Random) -> str:
    name = telegram_name(rng)
    return rng.choice([f"t.me/{name}", f"https://t.me/{name}", f"http://t.me/{name}", f"https://telegram.me/{name}"])


def line_id(rng: random.Random) -> str:
    word, other = _handle_word(rng), _handle_word(rng)
    return rng.choice([f"{word}.{other}", f"{word}{rng.randint(1, 999)}", f"{word}_{other}", f"{word}-{rng.randint(10, 99)}",
                       f"{word}{other}", f"@{word}{rng.randint(1, 99)}"])


# -- ID numbers and cards ----------------------------------------------------------------------
_REGIONS = ["110101", "110108", "120103", "310104", "310115", "320102", "330106", "340104", "350203", "370202",
            "420106", "430104", "440106", "440305", "500103", "510107", "610113", "210102", "130102", "450103"]


def cn_id(rng: random.Random) -> str:
    born = date(1960, 1, 1) + timedelta(days=rng.randint(0, 16000))
    body = rng.choice(_REGIONS) + born.strftime("%Y%m%d") + _digits(rng, 3)
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    number = body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]
    forms = [number, number, number, number.replace("X", "x"), f"{number[:6]} {number[6:14]} {number[14:]}"]
    return rng.choice(forms)


def ssn(rng: random.Random) -> str:
    area = rng.choice([rng.randint(1, 665), rng.randint(667, 899)])
    group, serial = rng.randint(1, 99), rng.randint(1, 9999)
    return rng.choice([f"{area:03d}-{group:02d}-{serial:04d}", f"{area:03d}-{group:02d}-{serial:04d}",
                       f"{area:03d} {group:02d} {serial:04d}", f"{area:03d}{group:02d}{serial:04d}"])


_CARD_PREFIXES = [("4", 16), ("4", 16), ("51", 16), ("53", 16), ("55", 16), ("2221", 16), ("34", 15), ("37", 15),
                  ("6011", 16), ("622202", 19), ("621700", 19), ("622848", 19), ("621226", 19), ("623668", 19),
                  ("625807", 16), ("622588", 16), ("356", 16)]


def bank_card(rng: random.Random) -> str:
    prefix, length = rng.choice(_CARD_PREFIXES)
    number = _luhn_complete(prefix + _digits(rng, length - len(prefix) - 1))
    if length == 15:
        grouped = f"{number[:4]} {number[4:10]} {number[10:]}"
    else:
        grouped = " ".join(number[i:i + 4] for i in range(0, length, 4))
    return rng.choice([number, grouped, grouped, grouped.replace(" ", "-"), grouped.replace(" ", "  ")])


# -- addresses ---------------------------------------------------------------------------------
_ZH_PLACES = ["北京市海淀区", "北京市朝阳区", "上海市浦东新区", "上海市徐汇区", "广州市天河区", "深圳市南山区", "杭州市西湖区",
              "成都市武侯区", "武汉市洪山区", "南京市鼓楼区", "西安市雁塔区", "重庆市渝中区", "苏州工业园区", "长沙市岳麓区",
              "天津市和平区", "厦门市思明区", "青岛市市南区", "郑州市金水区", "", "", ""]
_ZH_ROAD_NAMES = ["中关村", "建国", "人民", "解放", "中山", "南京西", "淮海中", "文三", "科技园", "天府", "珞喻", "长安",
                  "学院", "光华", "延安东", "滨江", "五一", "新华", "和平", "青年", "朝阳北", "复兴", "东风"]
_ZH_ESTATES = ["阳光", "幸福", "金色家园", "碧桂园", "万科城", "翠湖", "华侨城", "锦绣", "绿地", "保利", "融创", "龙湖"]


def zh_street_address(rng: random.Random) -> str:
    road = rng.choice(_ZH_ROAD_NAMES) + rng.choice(["路", "路", "街", "大街", "大道", "巷"])
    number = f"{rng.randint(1, 999)}号"
    tail = rng.choice(["", "", f"{rng.randint(1, 30)}号楼{rng.randint(1, 6)}单元{rng.randint(1, 30)}0{rng.randint(1, 4)}",
                       f"{rng.choice('ABCD')}座{rng.randint(2, 40)}层", f"{rng.randint(1, 30)}0{rng.randint(1, 6)}室",
                       f"{rng.choice(_ZH_ESTATES)}大厦{rng.randint(5, 30)}楼", "院", f"院{rng.randint(1, 20)}号楼"])
    if rng.random() < 0.15:
        road, number = rng.choice(_ZH_ROAD_NAMES) + "路", f"{rng.randint(1, 999)}弄{rng.randint(1, 99)}号"
    return rng.choice(_ZH_PLACES) + road + number + tail


def zh_estate_address(rng: random.Random) -> str:
    estate = rng.choice(_ZH_ESTATES) + rng.choice(["小区", "花园", "苑", "公寓", "新村", "家园"])
    forms = [f"{estate}{rng.randint(1, 30)}栋{rng.randint(1, 6)}单元{rng.randint(1, 30)}0{rng.randint(1, 4)}",
             f"{estate}{rng.randint(1, 30)}号楼{rng.randint(1, 30)}0{rng.randint(1, 4)}室",
             f"{estate}{rng.randint(1, 12)}期{rng.randint(1, 30)}幢{rng.randint(101, 2804)}",
             f"{estate}{rng.randint(1, 30)}-{rng.randint(1, 6)}-{rng.randint(101, 2804)}"]
    return rng.choice(_ZH_PLACES) + rng.choice(forms)


def zh_village_address(rng: random.Random) -> str:
    county = rng.choice(["河南省周口市西华县", "山东省菏泽市曹县", "四川省南充市营山县", "湖南省邵阳市隆回县", "安徽省阜阳市临泉县"])
    return f"{county}{rng.choice(['城关', '红花', '李庄', '石桥', '大王'])}镇{rng.choice(['张', '王', '刘', '小李', '前'])}庄村{rng.randint(1, 12)}组{rng.randint(1, 80)}号"


def zh_postcode(rng: random.Random) -> str:
    return rng.choice(["1", "2", "3", "4", "5", "6", "7", "8"]) + _digits(rng, 5)


_EN_STREETS = ["Baker", "Elm", "Maple", "Oak", "High", "Church", "Station", "Park", "Mill", "Victoria", "Queen's",
               "King", "Washington", "Lincoln", "Sunset", "Market", "Mission", "Cedar", "Pine", "Hillside", "Willow",
               "Green", "Bridge", "Albert", "5th", "Lexington", "Castle"]
_EN_SUFFIXES = ["Street", "St", "St.", "Road", "Rd", "Avenue", "Ave", "Ave.", "Lane", "Ln", "Drive", "Dr",
                "Boulevard", "Blvd", "Way", "Court", "Close", "Crescent", "Place", "Terrace", "Gardens"]
_US_CITIES = [("San Francisco", "CA"), ("Austin", "TX"), ("Brooklyn", "NY"), ("Seattle", "WA"), ("Chicago", "IL"),
              ("Boston", "MA"), ("Denver", "CO"), ("Portland", "OR"), ("Miami", "FL"), ("Atlanta", "GA")]
_UK_TOWNS = ["London", "Manchester", "Bristol", "Leeds", "Edinburgh", "Glasgow", "Cambridge", "Oxford", "Cardiff",
             "Birmingham", "York", "Brighton"]


def uk_postcode(rng: random.Random) -> str:
    area = rng.choice(["SW", "SE", "NW", "N", "E", "W", "EC", "WC", "M", "B", "L", "LS", "EH", "G", "CB", "OX", "BS",
                       "CF", "BN", "YO", "S", "NG", "BT", "NE", "RG", "GU"])
    outward = area + str(rng.randint(1, 20))
    if area in ("SW", "EC", "WC", "W") and rng.random() < 0.3:
        outward = area + str(rng.randint(1, 9)) + rng.choice("ABEHMNPRVWXY")
    inward = str(rng.randint(0, 9)) + "".join(rng.choice("ABDEFGHJLNPQRSTUWXYZ") for _ in range(2))
    code = f"{outward} {inward}"
    return rng.choice([code, code, code, code.replace(" ", ""), code.lower()])


def us_zip(rng: random.Random) -> str:
    code = _nonzero_digits(rng, 5)
    return code if rng.random() < 0.8 else f"{code}-{_digits(rng, 4)}"


def en_street_address(rng: random.Random) -> str:
    street = f"{rng.randint(1, 9999)} {rng.choice(_EN_STREETS)} {rng.choice(_EN_SUFFIXES)}"
    if rng.random() < 0.1:
        street = f"{rng.randint(1, 300)}{rng.choice('ABC')} {rng.choice(_EN_STREETS)} {rng.choice(_EN_SUFFIXES)}"
    flat = rng.choice(["", "", "", f", Apt {rng.randint(1, 30)}{rng.choice('ABCD')}", f" #{rng.randint(100, 999)}",
                       f", Unit {rng.randint(1, 40)}"])
    if rng.random() < 0.15:
        street, flat = f"Flat {rng.randint(1, 40)}, {street}", ""
    city, state = rng.choice(_US_CITIES)
    place = rng.choice(["", "", f", {city}, {state} {us_zip(rng)}", f", {city} {state}",
                        f", {rng.choice(_UK_TOWNS)} {uk_postcode(rng)}", f", {rng.choice(_UK_TOWNS)}"])
    return street + flat + place


def po_box(rng: random.Random) -> str:
    return rng.choice([f"PO Box {rng.randint(1, 9999)}", f"P.O. Box {rng.randint(1, 9999)}"])


# -- networks ------------------------------------------------------------------------------------
def ipv4(rng: random.Random) -> str:
    return rng.choice([
        f"192.168.{rng.randint(0, 10)}.{rng.randint(2, 254)}", f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
        f"172.{rng.randint(16, 31)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
        f"{rng.randint(1, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
        f"{rng.randint(1, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
    ])


def ipv6(rng: random.Random) -> str:
    def group() -> str:
        return format(rng.randint(0, 0xFFFF), "x")
    return rng.choice([f"2001:db8::{group()}", f"fe80::{group()}:{group()}:{group()}:{group()}",
                       ":".join(group() for _ in range(8)), f"2408:{group()}:{group()}::{group()}",
                       f"240e:{group()}:{group()}:{group()}::1"])


def ip_address(rng: random.Random) -> str:
    return ipv4(rng) if rng.random() < 0.8 else ipv6(rng)


def profile_url(rng: random.Random) -> str:
    name = rng.choice(_GIVEN) + rng.choice(["", "_", "."]) + rng.choice(_FAMILY) + rng.choice(["", str(rng.randint(1, 99))])
    uid = _nonzero_digits(rng, rng.choice([8, 9, 10]))
    token = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(24))
    forms = [
        f"https://weibo.com/u/{uid}", f"weibo.com/{uid}", f"https://space.bilibili.com/{uid}",
        f"https://www.zhihu.com/people/{name.replace('.', '-')}", f"https://www.douban.com/people/{uid}/",
        f"https://www.xiaohongshu.com/user/profile/{token[:24].lower()}", f"https://www.douyin.com/user/MS4wLjABAAAA{token}",
        f"https://github.com/{name.replace('.', '-')}", f"github.com/{name.replace('.', '')}",
        f"https://www.instagram.com/{name}/", f"instagram.com/{name}", f"https://twitter.com/{name.replace('.', '_')}",
        f"https://x.com/{name.replace('.', '_')}", f"https://www.linkedin.com/in/{name.replace('.', '-').replace('_', '-')}",
        f"https://www.facebook.com/{name}", f"https://www.youtube.com/@{name.replace('_', '')}",
        f"https://www.tiktok.com/@{name}", f"https://medium.com/@{name}", f"https://www.reddit.com/user/{name}",
        f"https://steamcommunity.com/id/{name}", f"https://example.org/~{name}", f"https://mastodon.social/@{name}",
    ]
    return rng.choice(forms)
