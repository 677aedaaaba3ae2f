"""Troupe's own Presidio pattern recognizers for personal data in Chinese and English chat text.

Every recognizer is a Presidio ``PatternRecognizer``: regular-expression patterns with a base score,
an optional ``validate_result`` (checksums: ID numbers, Luhn, IPv4 octets, digit counts) and
context words. ``context`` words near a match raise its score; ``negative_context`` words (dates,
prices, ISBNs, versions, order numbers) lower it. ``platform_core.privacy.analyzer`` applies both
through one ``ContextAwareEnhancer`` that reads a window of characters around the match, so the
words work in Chinese (no spaces between words) as in English.

Each recognizer also names its ``prefilter``: an RE2-compatible regular expression (Python's ``re``
reads it the same way) that every text it can match also matches, on the raw text. The union of
all of them selects the texts worth analysing (``analyzer.PREFILTER``); ``tests/platform_core/
test_privacy.py`` checks on the evaluation set that the prefilter never drops a text the analyzer
flags.

Patterns run on the *analysis view* of a text (``analysis_view``): full-width ASCII folded to
ASCII and runs of seven or more digits written as Chinese numerals (一三八…) turned into Arabic
digits, character for character, so every offset is the same as in the original text.
"""

import re
from functools import cache

from presidio_analyzer import Pattern, PatternRecognizer

LANGUAGE = "xx"  # one multilingual recognizer set: a chat line mixes Chinese and English freely

# Kinds of personal data; a kind names its Presidio entity (upper case) and its placeholder.
PHONE = "PHONE"
EMAIL = "EMAIL"
HANDLE = "HANDLE"
ID_NUMBER = "ID_NUMBER"
BANK_CARD = "BANK_CARD"
ADDRESS = "ADDRESS"
IP_ADDRESS = "IP_ADDRESS"
URL = "URL"
ENTITIES = (PHONE, EMAIL, HANDLE, ID_NUMBER, BANK_CARD, ADDRESS, IP_ADDRESS, URL)
ENTITIES_BY_SPECIFICITY = (ID_NUMBER, BANK_CARD, EMAIL, URL, HANDLE, IP_ADDRESS, PHONE, ADDRESS)

# -- the analysis view -------------------------------------------------------------------------
_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_FULL_WIDTH[0x3000] = 0x20
_CN_DIGITS = "零〇一二三四五六七八九幺两"
_CN_DIGIT_VALUES = str.maketrans(_CN_DIGITS, "0012345678912")
# Digits for the prefilter on raw text: ASCII, full-width and Chinese numerals.
RAW_DIGIT = f"[0-9０-９{_CN_DIGITS}]"
_D = "[0-9０-９]"  # a digit in a prefilter (raw text): ASCII or full-width


def _ci(word: str) -> str:
    """``word`` for a prefilter, case-insensitive and full-width-tolerant, spelled with character
    classes: Python's ``re`` skips ahead on a leading class but not under ``(?i)``."""
    out = []
    for char in word:
        if char.isascii() and char.isalpha():
            variants = {char.lower(), char.upper(), chr(ord(char.lower()) + 0xFEE0), chr(ord(char.upper()) + 0xFEE0)}
            out.append("[" + "".join(sorted(variants)) + "]")
        elif char.isascii() and not char.isalnum() and char != " ":
            out.append("[" + re.escape(char) + chr(ord(char) + 0xFEE0) + "]")
        else:
            out.append(char)
    return "".join(out)


_NUMERAL_RUN = re.compile(f"(?:[0-9{_CN_DIGITS}][ -]?){{6,}}[0-9{_CN_DIGITS}]")
# One search in C rather than a Python step per character: analysis runs on every candidate turn.
_CN_DIGIT = re.compile(f"[{_CN_DIGITS}]")


def analysis_view(text: str) -> str:
    """``text`` as the patterns read it: same length, same offsets (see the module docstring)."""
    text = text.translate(_FULL_WIDTH)
    if _CN_DIGIT.search(text):
        text = _NUMERAL_RUN.sub(lambda match: match.group(0).translate(_CN_DIGIT_VALUES), text)
    return text


def digits_of(text: str) -> str:
    """The ASCII digits of a text of the analysis view (what a pattern matched)."""
    return "".join(char for char in text if "0" <= char <= "9")


# -- checksums -----------------------------------------------------------------------------------
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def cn_id_checksum_ok(number: str) -> bool:
    """GB 11643-1999: the 18th character is a weighted sum of the first 17 digits, mod 11."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    total = sum(int(digit) * weight for digit, weight in zip(number[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == number[17].upper()


def luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


# -- the recognizer base -------------------------------------------------------------------------
# Digit boundaries: letters, digits and "_" (ASCII only: CJK characters are word characters for
# ``\w``, and a number right after "电话" is still a number).
_B = r"(?<![0-9A-Za-z_])"
_A = r"(?![0-9A-Za-z_])"


@cache
def _compiled(pattern: str) -> re.Pattern:
    """One compiled prefilter per expression (phone, ID, SSN and card numbers share theirs)."""
    return re.compile(pattern)


def _word(word: str) -> str:
    escaped = re.escape(word.lower())
    return f"(?<![a-z]){escaped}(?![a-z])" if word.isascii() else escaped


class TroupeRecognizer(PatternRecognizer):
    """A pattern recognizer with a raw-text prefilter and negative context words."""

    prefilter: str = ""
    negative_context: tuple[str, ...] = ()
    patterns_spec: tuple[tuple[str, str, float], ...] = ()
    context_words: tuple[str, ...] = ()

    def __init__(self) -> None:
        super().__init__(
            supported_entity=self.entity,
            name=type(self).__name__,
            supported_language=LANGUAGE,
            patterns=[Pattern(name, regex, score) for name, regex, score in self.patterns_spec],
            context=list(self.context_words),
        )
        self.prefilter_regex = _compiled(self.prefilter)
        # Latin words count as whole words ("ver" is not in "server"); Chinese ones as substrings.
        self.negative_words = (
            re.compile("|".join(_word(word) for word in self.negative_context)) if self.negative_context else None
        )

    entity: str = ""


class PhoneRecognizer(TroupeRecognizer):
    """Chinese mobile and landline, international (+…), US and UK numbers; 7 to 15 digits."""

    entity = PHONE
    patterns_spec = (
        ("cn_mobile", _B + r"(?<!\+)(?:(?:\+|00)86[ -]?)?1[3-9][0-9](?:[ -]?[0-9]{4}){2}" + _A, 0.7),
        (
            "cn_landline",
            _B + r"(?<![+-])(?:\(0[0-9]{2,3}\)|0[0-9]{2,3})[ -]?[2-9][0-9]{2,3}[ -]?[0-9]{4}"
            r"(?:[ -]?(?:转|ext\.?)[ -]?[0-9]{1,5})?" + _A,
            0.5,
        ),
        ("international", _B + r"\+[1-9][0-9]{0,2}(?:[ -]?\(?[0-9]{1,4}\)?){1,4}[ -]?[0-9]{2,4}" + _A, 0.6),
        ("us", r"(?<![0-9A-Za-z_+.-])(?:\([2-9][0-9]{2}\) ?|[2-9][0-9]{2}[-. ])[0-9]{3}[-. ][0-9]{4}" + _A + r"(?![-.][0-9])", 0.5),
        ("uk", _B + r"(?<![+-])0(?:7[0-9]{3} ?[0-9]{6}|[12][0-9]{1,3} ?[0-9]{3,4} ?[0-9]{3,4})" + _A, 0.5),
    )
    context_words = ("电话", "手机", "座机", "号码", "联系", "打给", "致电", "tel", "phone", "mobile", "call", "text me", "whatsapp", "cell")
    negative_context = ("订单", "单号", "快递", "编号", "流水", "isbn", "order", "tracking", "invoice", "serial", "版本", "version")
    # Seven digits with at most two separators between two of them ("(555) 123-4567"), or the
    # dotted US form.
    prefilter = f"{RAW_DIGIT}(?:[ \\-–()/+\u3000]{{0,2}}{RAW_DIGIT}){{6}}|[0-9０-９]{{3}}[.．][0-9０-９]{{3}}[.．][0-9０-９]{{4}}"

    def validate_result(self, pattern_text: str) -> bool | None:
        return None if 7 <= len(digits_of(pattern_text)) <= 15 else False


class EmailRecognizer(TroupeRecognizer):
    entity = EMAIL
    patterns_spec = (
        ("email", r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}" + _A, 0.9),
        ("email_spelled_at", r"[A-Za-z0-9._%+-]+ ?[\[(]at[\])] ?[A-Za-z0-9-]+(?:(?:\.| ?[\[(]dot[\])] ?)[A-Za-z0-9-]+)*(?:\.| ?[\[(]dot[\])] ?)[A-Za-z]{2,}" + _A, 0.8),
    )
    context_words = ("邮箱", "邮件", "email", "e-mail", "mail")
    prefilter = "[@＠]|[\\[(（［]" + _ci("at") + "[\\])）］]"


_WECHAT = r"(?:微信|weixin|wechat|vx|v信|威信|薇信|wx)"
_QQ = r"(?:qq|扣扣|企鹅)"
_TELEGRAM = r"(?:telegram|电报|纸飞机|(?-i:TG|tg))"
_LINE = r"(?:(?-i:LINE|Line)|line ?id|加我line)"
# After a platform name: an optional "号/ID/账号", then "是/为/:/：" (explicit) or only spaces.
_SUFFIX = r"(?:号|号码|账号|id|ID| id| ID| number| no\.?)?(?:找我|加我|联系我|搜)?"
_SAYS = r"[\s,，]{0,2}(?:是|为|為|:|：|is|on|at)\s{0,2}"
# A handle: 6-20 characters from a letter; after only spaces it must hold a digit or "_".
_ID_ANY = r"[a-z][a-z0-9_-]{5,19}(?![a-z0-9_-])"
_ID_MARKED = r"(?=[a-z-]*[0-9_])[a-z][a-z0-9_-]{5,19}(?![a-z0-9_-])"


class HandleRecognizer(TroupeRecognizer):
    """WeChat, QQ, Telegram and LINE ids after their platform's name (or a wxid_…, a t.me link)."""

    entity = HANDLE
    patterns_spec = (
        ("wxid", r"(?<![a-z0-9_])wxid_[a-z0-9]{4,24}(?![a-z0-9_])", 0.95),
        ("wechat_said", f"(?<={_WECHAT}{_SUFFIX}{_SAYS}){_ID_ANY}", 0.75),
        ("wechat_spaced", f"(?<={_WECHAT}{_SUFFIX}\\s{{0,2}}){_ID_MARKED}", 0.7),
        ("qq", f"(?<={_QQ}(?:号|号码|群|id| id| number| no\\.?)?(?:找我|加我|联系我|搜)?[\\s,，]{{0,2}}(?:是|为|:|：|is)?\\s{{0,2}})[1-9][0-9]{{4,11}}(?![0-9])", 0.8),
        ("telegram_said", f"(?<={_TELEGRAM}{_SUFFIX}{_SAYS})@?[a-z][a-z0-9_]{{4,31}}(?![a-z0-9_])", 0.75),
        ("telegram_at", f"(?<={_TELEGRAM}{_SUFFIX}[\\s,，:：]{{0,3}})@[a-z][a-z0-9_]{{4,31}}(?![a-z0-9_])", 0.75),
        ("telegram_spaced", f"(?<={_TELEGRAM}{_SUFFIX}\\s{{0,2}})(?=[a-z]*[0-9_])[a-z][a-z0-9_]{{4,31}}(?![a-z0-9_])", 0.7),
        ("telegram_link", r"(?<![a-z0-9.])(?:https?://)?(?:t|telegram)\.me/[a-z0-9_]{5,32}", 0.9),
        ("line_said", f"(?<={_LINE}{_SUFFIX}{_SAYS})@?[a-z0-9][a-z0-9._-]{{3,19}}(?![a-z0-9._-])", 0.75),
        ("line_spaced", f"(?<={_LINE}{_SUFFIX}\\s{{0,2}})@?(?=[a-z.-]*[0-9_])[a-z0-9][a-z0-9._-]{{3,19}}(?![a-z0-9._-])", 0.7),
    )
    context_words = ("加我", "加一下", "私聊", "联系我", "add me", "dm me", "message me", "reach me", "contact me", "好友")
    prefilter = "|".join(
        [_ci(word) for word in ("wxid_", "weixin", "wechat", "vx", "v信", "wx", "qq", "telegram", "tg", "t.me/", "加我line")]
        + ["微信|威信|薇信|扣扣|企鹅|电报|纸飞机", _ci("line") + " ?" + _ci("id"), "[LＬ][IＩ][NＮ][EＥ]|[LＬ][iｉ][nｎ][eｅ]"]
    )


class IdNumberRecognizer(TroupeRecognizer):
    """Chinese resident ID (18 characters, checksum verified)."""

    entity = ID_NUMBER
    patterns_spec = (
        (
            "cn_id",
            _B + r"[1-9][0-9]{5}(?:18|19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9Xx]" + _A,
            0.5,
        ),
    )
    context_words = ("身份证", "证件", "id number", "id card")
    prefilter = PhoneRecognizer.prefilter

    def validate_result(self, pattern_text: str) -> bool:
        return cn_id_checksum_ok(pattern_text)


class SsnRecognizer(TroupeRecognizer):
    """US Social Security number: 3-2-4 digits, no 000/666/9xx area, no 00 group, no 0000 serial."""

    entity = ID_NUMBER
    patterns_spec = (
        ("ssn_dashed", r"(?<![0-9A-Za-z_-])[0-9]{3}-[0-9]{2}-[0-9]{4}" + _A + r"(?!-[0-9])", 0.55),
        ("ssn_spaced", _B + r"[0-9]{3} [0-9]{2} [0-9]{4}" + _A, 0.3),
        ("ssn_after_name", r"(?<=(?:ssn|social security(?: number| no\.?)?)\D{0,6})[0-9]{9}(?![0-9])", 0.7),
    )
    context_words = ("ssn", "social security", "社会安全号", "社保号")
    negative_context = ("isbn", "order", "订单", "part no", "型号")
    prefilter = PhoneRecognizer.prefilter

    def validate_result(self, pattern_text: str) -> bool:
        digits = digits_of(pattern_text)
        area, group, serial = digits[:3], digits[3:5], digits[5:]
        return not (area in {"000", "666"} or area[0] == "9" or group == "00" or serial == "0000")


class BankCardRecognizer(TroupeRecognizer):
    """Payment card numbers: 13 to 19 digits (grouped or not), a card network's prefix, Luhn."""

    entity = BANK_CARD
    patterns_spec = (("card", r"(?<![0-9A-Za-z_+-])[2-6][0-9](?:[ -]?[0-9]){11,17}" + _A + r"(?![ -][0-9])", 0.5),)
    context_words = ("卡号", "银行卡", "信用卡", "借记卡", "card", "visa", "mastercard", "银联")
    negative_context = ("订单", "单号", "快递", "运单", "编号", "流水", "isbn", "order", "tracking", "invoice", "serial")
    prefilter = PhoneRecognizer.prefilter

    def validate_result(self, pattern_text: str) -> bool:
        digits = digits_of(pattern_text)
        if not 13 <= len(digits) <= 19 or not luhn_ok(digits):
            return False
        first, two, four = digits[0], int(digits[:2]), int(digits[:4])
        return first in "456" or two in (34, 37) or 3528 <= four <= 3589 or 2221 <= four <= 2720


_ZH_PLACE_CHAR = r"(?:(?![在住到于是的我你他她们址送寄为了])[\u4e00-\u9fff])"
_ZH_NUMBER = r"(?:[0-9]{1,5}|[一二三四五六七八九十百零]{1,6})"
_ZH_UNIT = r"(?:(?:[0-9]{1,4}|[一二三四五六七八九十]{1,4})(?:号楼|栋|幢|座|单元|层|楼|室|号))"
_EN_STREET = (
    r"(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Boulevard|Blvd|Drive|Dr|Court|Ct|Way|Place|Pl|Terrace|Close|"
    r"Crescent|Square|Sq|Highway|Hwy|Parkway|Pkwy)"
)
_US_STATES = (
    "AL|AK|AZ|AR|CA|CO|CT|DE|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|NC|ND|OH|OK|"
    "OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|DC"
)


class AddressRecognizer(TroupeRecognizer):
    """Street addresses (Chinese: road + number + 号; English: number + name + street type),
    residential units, Chinese postcodes after 邮编, UK postcodes, US ZIP codes after a state or
    "ZIP"."""

    entity = ADDRESS
    patterns_spec = (
        (
            "zh_street",
            f"{_ZH_PLACE_CHAR}{{2,14}}?(?:路|街|大道|道|巷|胡同|弄|里|段){_ZH_NUMBER}(?:号|號)(?:院)?{_ZH_UNIT}{{0,4}}(?:(?<=[号號栋幢座元])[0-9]{{3,4}}(?![0-9]))?",
            0.65,
        ),
        ("zh_unit", f"{_ZH_PLACE_CHAR}{{0,8}}?(?:小区|花园|公寓|大厦|新村|家园|苑)?[0-9]{{1,3}}(?:号楼|栋|幢|座)[0-9]{{1,2}}单元[0-9]{{3,4}}(?:室|号)?", 0.65),
        ("zh_postcode", r"(?<=(?:邮编|邮政编码)\s{0,2}(?:是|为|:|：)?\s{0,2})[0-9]{6}(?![0-9])", 0.8),
        (
            "en_street",
            r"(?-i:(?<![0-9A-Za-z])[0-9]{1,5}[A-Za-z]? (?:[A-Z][a-z]+(?:'s)?\.? ){1,3}" + _EN_STREET + r"(?![A-Za-z])\.?"
            r"(?:,? (?:NW|NE|SW|SE|N|S|E|W)(?![A-Za-z]))?(?:,? ?(?:Apt|Apartment|Suite|Unit|Flat)\.? ?#?[0-9A-Za-z]{1,5})?)",
            0.65,
        ),
        ("uk_postcode", r"(?-i:(?<![A-Za-z0-9])[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][ABD-HJLNP-UW-Z]{2}(?![A-Za-z0-9]))", 0.5),
        ("us_state_zip", f"(?-i:(?<![A-Za-z])(?:{_US_STATES}),? [0-9]{{5}}(?:-[0-9]{{4}})?(?![0-9]))", 0.6),
        ("zip_named", r"(?<=(?:zip|zip code|postal code|postcode)\s{0,2}(?:is|:)?\s{0,2})[0-9]{5}(?:-[0-9]{4})?(?![0-9])", 0.8),
    )
    context_words = ("地址", "住在", "住址", "寄到", "送到", "address", "live at", "lives at", "postcode", "post code", "deliver")
    negative_context = ("gb", "tb", "ram", "ssd", "内存", "硬盘", "存储")
    prefilter = (
        f"(?:路|街|道|巷|胡同|弄|里|段)[0-9０-９一二三四五六七八九十百零]{{1,6}}[号號]"
        r"|[0-9０-９]{1,3}(?:号楼|栋|幢|座)|邮编|邮政编码"
        f"|[0-9０-９]{{1,5}}[A-Za-z]? (?:[A-Z][a-z]+(?:'s)?\\.? ){{1,3}}{_EN_STREET}"
        "|[A-ZＡ-Ｚ]{1,2}[0-9０-９][A-Z0-9Ａ-Ｚ０-９]?[ \u3000]?[0-9０-９][A-ZＡ-Ｚ]{2}"
        f"|(?:{_US_STATES}),? [0-9]{{5}}|{_ci('zip')}|{_ci('postal code')}|{_ci('postcode')}"
    )

    def invalidate_result(self, pattern_text: str) -> bool:
        # "M2 8GB", "A17 1TB": storage sizes look like UK postcodes.
        return bool(re.fullmatch(r"[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9](?:GB|TB|MB|KB|PB)", pattern_text))


_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"


class IpAddressRecognizer(TroupeRecognizer):
    entity = IP_ADDRESS
    patterns_spec = (
        ("ipv4", r"(?<![0-9A-Za-z_.])" + rf"(?:{_OCTET}\.){{3}}{_OCTET}" + r"(?![0-9A-Za-z_]|\.[0-9])", 0.6),
        ("ipv6_full", r"(?<![0-9a-f:])(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}(?![0-9a-f:])", 0.7),
        ("ipv6_compressed", r"(?<![0-9a-f:])(?:[0-9a-f]{1,4}:){1,6}:(?:[0-9a-f]{1,4})(?::[0-9a-f]{1,4}){0,5}(?![0-9a-f:])", 0.6),
    )
    context_words = ("ip", "地址", "服务器", "server", "host", "vpn", "ssh")
    negative_context = ("版本", "version", "build", "release", "固件", "firmware", "chrome", "python", "ios", "android", "更新")
    prefilter = (
        "[0-9０-９]{1,3}[.．][0-9０-９]{1,3}[.．][0-9０-９]{1,3}[.．][0-9０-９]{1,3}"
        "|[:：][:：]|(?:[0-9A-Fa-f０-９Ａ-Ｆａ-ｆ]{1,4}[:：]){3}"
    )


_SOCIAL = (
    r"(?:weibo\.com|weibo\.cn|github\.com|gitee\.com|twitter\.com|x\.com|instagram\.com|facebook\.com|fb\.com|"
    r"linkedin\.com/in|space\.bilibili\.com|bilibili\.com/space|douyin\.com/user|xiaohongshu\.com/user/profile|"
    r"zhihu\.com/people|tiktok\.com|youtube\.com|reddit\.com/u(?:ser)?|medium\.com|vk\.com|douban\.com/people)"
)


class UrlRecognizer(TroupeRecognizer):
    """Links to a person: a profile on a social site, or any URL path naming a user."""

    entity = URL
    patterns_spec = (
        ("social_profile", rf"(?<![a-z0-9.-])(?:https?://)?(?:www\.|m\.)?{_SOCIAL}/@?[a-z0-9_.~-]{{2,64}}(?:/[^\s，。！？、）)]*)?", 0.7),
        (
            "user_path",
            r"https?://[a-z0-9.-]+\.[a-z]{2,}(?::[0-9]{2,5})?/(?:[^\s/]+/)*(?:~|@|(?:u|user|users|people|profile|member|members|space|home)/)"
            r"[a-z0-9_.%-]{2,64}(?:/[^\s，。！？、）)]*)?",
            0.7,
        ),
    )
    context_words = ("主页", "链接", "profile", "page", "follow")
    prefilter = "[:：][/／][/／]|[.．](?:" + _ci("com") + "|" + _ci("cn") + ")[/／]"


RECOGNIZERS = (
    PhoneRecognizer,
    EmailRecognizer,
    HandleRecognizer,
    IdNumberRecognizer,
    SsnRecognizer,
    BankCardRecognizer,
    AddressRecognizer,
    IpAddressRecognizer,
    UrlRecognizer,
)
