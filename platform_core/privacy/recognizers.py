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

Patterns run on the *analysis view* of a text (``view.analysis_view``: full-width folded, Chinese
numerals as digits, offsets unchanged); several patterns of one score are one expression
(``_any``), since Presidio's cost per pattern and text is about that of scanning a chat line.
"""

import re
from functools import cache

from presidio_analyzer import Pattern, PatternRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from platform_core.privacy.view import RAW_DIGIT, ci, cn_id_checksum_ok, digits_of, luhn_ok

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
    # Characters after a match read for context words; None: the enhancer's default.
    context_suffix_chars: int | None = None

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


# Between two digits of a number in the raw text, for the prefilter: spaces, hyphens and dashes,
# brackets, "+" (not "." or ",": prices and dates have them; the dotted and comma-grouped forms a
# pattern accepts are spelled out).
_RAW_SEP = "[ \\-–—－()（）/+\u3000]"


def _any(*patterns: str) -> str:
    """One expression for several patterns of one score: Presidio's cost per pattern and text (its
    timeout, timing and logging) is as large as the scan of a chat line itself."""
    return "(?:" + "|".join(patterns) + ")"


# Chinese mobiles: +86/0086/(86) optional, 3-4-4 digits run together or with spaces, hyphens or
# dashes (" - " too), or with the same dot or comma twice; or one digit at a time with the same
# separator between all.
_CN_MOBILE = (
    _B
    + r"(?<!\+)(?:(?:\+|00)86[ -]?|\((?:\+|00)?86\) ?|86-)?1[3-9][0-9]"
    + r"(?:(?: {0,2}[-–—]? {0,2}[0-9]{4}){2}|(?P<mobile_dot>[.,，])[0-9]{4}(?P=mobile_dot)[0-9]{4})"
    + _A
)
_CN_MOBILE_SPELLED = _B + r"1(?P<digit_sep> ?[._·] ?|[ -]{1,2})[3-9](?:(?P=digit_sep)[0-9]){9}" + _A
# A Chinese landline: area code (in brackets or not), 7 or 8 digits split anyhow, an extension.
_CN_LANDLINE = (
    _B
    + r"(?<![+-])(?:\(0[0-9]{2,3}\)|0[0-9]{2,3}) {0,2}[—–-]? {0,2}[1-9](?:[ -]?[0-9]){6,7}"
    + r"(?:[ -]?(?:转分机|转|分机|ext\.?)[ -]?[0-9]{1,5})?"
    + _A
)
_US = (
    r"(?<![0-9A-Za-z_+.-])(?:\+?1[ .-]?)?"
    r"(?:(?:\([2-9][0-9]{2}\) ?|[2-9][0-9]{2}[- ])[0-9]{3}[- ]|[2-9][0-9]{2}\.[0-9]{3}\.)[0-9]{4}" + _A + r"(?![-.][0-9])"
)
# UK numbers have ten or eleven digits with the leading 0.
_UK = (
    _B
    + r"(?<![+-])(?=0(?: ?[0-9]){9,10}(?![0-9]))"
    + r"0(?:7[0-9]{3} ?(?:[0-9]{6}|[0-9]{3} [0-9]{3})|[12][0-9]{1,3} ?[0-9]{3,4} ?[0-9]{3,4})"
    + _A
)
_INTERNATIONAL = (
    r"(?<![0-9A-Za-z_+])(?:\+|00(?=[1-9][0-9]{0,2}[ -]))[1-9][0-9]{0,2}"
    r"(?:[ .-]?(?:\(0\)|\([0-9]{1,4}\)|[0-9]{1,8})){1,5}" + _A
)
# Ten digits in the US pattern, eight from 5-9 (Hong Kong, Macau, Singapore): as often not a phone.
_US_UNDIVIDED = r"(?<![0-9A-Za-z_+.-])[2-9][0-9]{2}[2-9][0-9]{6}" + _A + r"(?![-.][0-9])"
_EIGHT_DIGIT = r"(?<![0-9A-Za-z_+.-])[5-9][0-9]{3}[ -]?[0-9]{4}" + _A + r"(?![-.,][0-9])"


class PhoneRecognizer(TroupeRecognizer):
    """Chinese mobile and landline, international (+… or 00…), US, UK and eight-digit (Hong Kong,
    Macau, Singapore) numbers; 7 to 15 digits. A bare ten-digit US number or eight-digit number
    scores low: only a context word ("call", "号码", "number" …) makes it a phone number."""

    entity = PHONE
    patterns_spec = (
        ("cn_mobile", _any(_CN_MOBILE, _CN_MOBILE_SPELLED), 0.7),
        ("international", _INTERNATIONAL, 0.6),
        ("landline_us_uk", _any(_CN_LANDLINE, _US, _UK), 0.5),
        ("bare_digits", _any(_US_UNDIVIDED, _EIGHT_DIGIT), 0.2),
    )
    context_words = (
        "电话", "手机", "座机", "号码", "联系", "打给", "致电", "来电", "拨", "短信", "的号", "新号", "号是", "香港",
        "tel", "phone", "mobile", "call", "text me", "whatsapp", "cell", "number", "ph:", "ph.", "ring", "dial", "sms",
    )  # fmt: skip
    negative_context = (
        # Not "快递" alone: a courier's or recipient's mobile is as common as a tracking number.
        "订单", "单号", "运单", "编号", "流水", "版本", "学号", "工号", "航班", "房间", "座位",
        "isbn", "order", "tracking", "invoice", "serial", "version", "student", "ticket", "flight", "room", "seat",
    )  # fmt: skip
    # Seven digits with at most three separators between two of them ("191 - 7554"); 3-2-4, 3-3-4 or
    # 3-4-4 digits with dots (3-4-4 with commas) between; seven digits one at a time with dots, "_" or "·".
    prefilter = (
        f"{RAW_DIGIT}(?:{_RAW_SEP}{{0,3}}{RAW_DIGIT}){{6}}"
        f"|{RAW_DIGIT}{{3}}[.．]{RAW_DIGIT}{{2,4}}[.．]{RAW_DIGIT}{{4}}"
        f"|{RAW_DIGIT}{{3}}[,，]{RAW_DIGIT}{{4}}[,，]{RAW_DIGIT}{{4}}"
        f"|{RAW_DIGIT}(?: ?[._·] ?{RAW_DIGIT}){{6}}"
        "|[+＋][0-9０-９]{1,3}[.．][0-9０-９]"
    )

    def validate_result(self, pattern_text: str) -> bool | None:
        digits = digits_of(pattern_text)
        if not 7 <= len(digits) <= 15:
            return False
        # "00" dials out: a country code and a whole national number follow (eleven digits or more).
        return False if pattern_text.startswith("00") and len(digits) < 11 else None


_LOCAL = r"[A-Za-z0-9._%+-]+"
# The same in raw text, for the prefilter (full-width forms too).
_RAW_ALNUM = "[A-Za-z0-9Ａ-Ｚａ-ｚ０-９-]"
_RAW_LOCAL = "[A-Za-z0-9Ａ-Ｚａ-ｚ０-９._%+-]"
_DOT = r"[.。]"  # a dot, or the Chinese full stop written for one
_DOMAIN = rf"[A-Za-z0-9-]+(?:{_DOT}[A-Za-z0-9-]+)*{_DOT}[A-Za-z]{{2,}}"
# A domain with its dots spelled out or not: "qq dot com", "QQ DOT COM", "qq [dot] com", "qq点com",
# "qq.com".
_BRACKET_DOT = r" ?[\[({]dot[\])}] ?"
_SPELLED_DOT = rf"(?:{_DOT}| (?i:dot) |{_BRACKET_DOT}|点)"
_SPELLED_DOMAIN = rf"[A-Za-z0-9-]+(?:{_SPELLED_DOT}[A-Za-z0-9-]+)*{_SPELLED_DOT}[A-Za-z]{{2,}}"


class EmailRecognizer(TroupeRecognizer):
    """E-mail addresses, also as people write them to get past filters: "@" spaced out or
    full-width, "[at]", "{at}", "(at)", "AT", "艾特" or "#" for "@", " dot ", "点" or "。" for ".". A
    plain " at " scores low: only a context word ("email", "邮箱", "write to" …) makes it one."""

    entity = EMAIL
    patterns_spec = (
        ("email", _LOCAL + f" ?@ ?{_DOMAIN}" + _A, 0.9),
        (
            "email_spelled_at",
            _any(_LOCAL + r" ?[\[({]at[\])}] ?" + _SPELLED_DOMAIN + _A, _LOCAL + r" ?艾特 ?" + _SPELLED_DOMAIN + _A),
            0.8,
        ),
        ("email_upper_at", "(?-i:" + _LOCAL + " AT " + _SPELLED_DOMAIN + ")" + _A, 0.7),
        ("email_hash_at", r"(?<![#A-Za-z0-9._%+-])" + _LOCAL + "#" + _DOMAIN + _A, 0.5),
        ("email_word_at", _LOCAL + " at " + _SPELLED_DOMAIN + _A, 0.35),
    )
    context_words = ("邮箱", "邮件", "写信", "发我", "发到", "email", "e-mail", "mail", "write to", "reach", "contact")
    prefilter = "|".join(
        [
            "[@＠]|艾特",
            "[\\[(（［{｛]" + ci("at") + "[\\])）］}｝]",
            f"{_RAW_LOCAL}[#＃]{_RAW_ALNUM}+[.。．]",
            f"{_RAW_LOCAL}[ \u3000](?:{ci('at')})[ \u3000]{_RAW_ALNUM}+(?:[.。．点]{_RAW_ALNUM}|[ \u3000]{ci('dot')}[ \u3000]| ?[\\[(（［{{｛]{ci('dot')})",
        ]
    )


# Platform names. After a Chinese one (or vx, wx, "+v", "加v", "line id"), which is no English
# word, any id-shaped token is the id; after one that is also a word or a letter ("wechat",
# "telegram", "TG", "LINE") the id must be explicit ("is", ":", "→", "是" …) or hold a digit, "_"
# or "."; so after 薇 or 微 alone (slang for WeChat, an emoji may follow: "薇❤：") or a bare "Q".
_EMOJI = "[\u2600-\u27bf\u2b50\u2b55\ufe0f\U0001F300-\U0001FAFF]"
_WECHAT_ANY = r"(?:微 ?信|威信|薇信|v信|绿泡泡|vx|wx|(?:加个|加我|加|\+) ?v(?![a-z])|(?<![a-z])v ?:)"
_WECHAT = rf"(?:{_WECHAT_ANY}|weixin|wechat|[薇微]{_EMOJI}{{0,3}})"
_QQ = r"(?:qq|扣扣|企鹅|q(?=号|我|群| ?[:：]))"
_TELEGRAM_ANY = r"(?:电报|纸飞机|飞机号|tg号)"
_TELEGRAM = rf"(?:{_TELEGRAM_ANY}|telegram|(?-i:TG|tg|Tg))"
_LINE_ANY = r"(?:line ?id|賴|加我line|line(?=帳號|账号|的))"  # "line" then Chinese: the app
_LINE = rf"(?:{_LINE_ANY}|(?-i:LINE|Line))"
# Between the platform and the id: "号", "ID", "username" …, a particle ("加个v吧"), then either
# an explicit "是", ":", "is", "me at" (a few Chinese characters may come first: "微信聊，号是"), or
# a softer "I'm", "as", "at" (then the id must hold a digit, "_" or "-"), or only spaces.
_SUFFIX = (
    r"的?(?:号码|号|帳號|账号|账户|用户名|id|(?:\s(?:id|username|user name|handle|account|number|no\.?)(?![a-z])){0,2})?"
    r"(?:找我|加我|联系我|上搜|搜)?[吧呗哈呀啊哦]?"
)
_ARROW = r"(?:→|->|=>|=|👉|➡\ufe0f?)"
_SAYS = rf"(?:[\u4e00-\u9fff，,]{{0,4}}?[\s,，]{{0,2}}(?:是|为|為|:|：)|[\s,，]{{0,2}}(?:is|me at|:|：|{_ARROW}))\s{{0,2}}"
_SOFT = r"[\s,，]{0,2}(?:i'm|i am|as|at)\s{1,2}"
_START = r"(?<![a-z0-9_])"  # a platform's name starts a word
_ADD_ME_ON = r"(?<![a-z])(?:add me on|find me on|加我)\s{0,2}"
# A WeChat id: 6-20 characters from a letter; "marked": holding a digit or "_".
_ID_ANY = r"[a-z][a-z0-9_-]{5,19}(?![a-z0-9_-])"
_ID_MARKED = r"(?=[a-z-]*[0-9_])[a-z][a-z0-9_-]{5,19}(?![a-z0-9_-])"
_ID_SOFT = r"(?=[a-z]*[0-9_-])[a-z][a-z0-9_-]{5,19}(?![a-z0-9_-])"
_TG_ID = r"[a-z][a-z0-9_]{4,31}(?![a-z0-9_])"
_TG_MARKED = r"(?=[a-z]*[0-9_])[a-z][a-z0-9_]{4,31}(?![a-z0-9_])"
_LINE_ID = r"[a-z0-9][a-z0-9._-]{3,19}(?![a-z0-9._-])"
_LINE_MARKED = r"(?=[a-z]*[0-9_.-])[a-z0-9][a-z0-9._-]{3,19}(?![a-z0-9._-])"


class HandleRecognizer(TroupeRecognizer):
    """WeChat, QQ, Telegram and LINE ids next to their platform's name (or a wxid_…, a t.me link),
    and an @name with a platform or "add me" nearby (context words)."""

    entity = HANDLE
    patterns_spec = (
        ("wxid", r"(?<![a-z0-9_])wxid_[a-z0-9]{4,24}(?![a-z0-9_])", 0.95),
        ("telegram_link", r"(?<![a-z0-9.])(?:https?://)?(?:t|telegram)\.me/[a-z0-9_]{5,32}", 0.9),
        # The platform, what comes between, then "\K": the finding is the id alone. (A forward
        # match from the platform's name is several times faster than a lookbehind tried at
        # every position.)
        (
            "qq",
            f"{_START}{_QQ}(?:号码|号|群|id| id| number| no\\.?)?[\\u4e00-\\u9fff]{{0,3}}?[\\s,，]{{0,2}}(?:是|为|:|：|is|#|{_ARROW})?\\s{{0,2}}"
            r"\K[1-9][0-9]{4,11}(?![0-9])",
            0.8,
        ),
        (
            "platform_then_id",
            _any(
                f"{_START}{_WECHAT}{_SUFFIX}{_SAYS}\\K{_ID_ANY}",
                f"{_START}{_WECHAT_ANY}{_SUFFIX}[\\s,，]{{0,2}}\\K{_ID_ANY}",
                f"{_START}{_TELEGRAM}{_SUFFIX}{_SAYS}\\K@?{_TG_ID}",
                f"{_START}{_TELEGRAM_ANY}{_SUFFIX}[\\s,，:：]{{0,3}}\\K@?{_TG_ID}",
                f"{_START}{_TELEGRAM}{_SUFFIX}[\\s,，:：]{{0,3}}\\K@{_TG_ID}",
                f"{_START}{_LINE}{_SUFFIX}{_SAYS}\\K@?{_LINE_ID}",
                f"{_START}{_LINE_ANY}{_SUFFIX}[\\s:：]{{0,2}}\\K@?{_LINE_ID}",
                # "add me on LINE, meitw": the request makes the id explicit.
                f"{_ADD_ME_ON}{_WECHAT}{_SUFFIX}[\\s,，:：]{{0,3}}\\K{_ID_ANY}",
                f"{_ADD_ME_ON}(?:{_TELEGRAM}|{_LINE}){_SUFFIX}[\\s,，:：]{{0,3}}\\K@?{_LINE_ID}",
            ),
            0.75,
        ),
        (
            "platform_then_marked_id",
            _any(
                f"{_START}{_WECHAT}{_SUFFIX}[\\s,，]{{0,2}}\\K{_ID_MARKED}",
                f"{_START}{_WECHAT}{_SUFFIX}{_SOFT}\\K{_ID_SOFT}",
                f"{_START}{_TELEGRAM}{_SUFFIX}(?:[\\s,，]{{0,2}}|{_SOFT})\\K{_TG_MARKED}",
                f"{_START}{_LINE}{_SUFFIX}(?:[\\s,，]{{0,2}}|{_SOFT})\\K@?{_LINE_MARKED}",
            ),
            0.7,
        ),
        # The id first, the platform after it: "加我 momo_88 微信", "sunny_1 on WeChat".
        (
            "id_then_platform",
            f"(?<![a-z0-9_.@-]){_ID_MARKED}(?=\\s{{0,2}}(?:on\\s)?(?:微信|wechat|weixin|vx|telegram|电报|tg|(?-i:LINE|Line))(?![a-z]))",
            0.65,
        ),
        # "@name" alone is a mention as often as a handle: context words decide.
        ("at_name", r"(?<![a-z0-9_.@/])@[a-z][a-z0-9_]{3,31}(?![a-z0-9_@]|\.[a-z0-9])", 0.3),
    )
    context_words = (
        "加我", "加一下", "私聊", "联系我", "好友", "电报", "飞机", "微信", "賴",
        "add me", "dm me", "message me", "reach me", "contact me", "telegram", "tg", "line", "wechat",
    )  # fmt: skip
    # "I'm @name on Telegram": the platform may come a few words after the handle.
    context_suffix_chars = 16
    prefilter = "|".join(
        [ci(word) for word in ("wxid_", "weixin", "wechat", "vx", "v信", "wx", "qq", "telegram", "tg", "t.me/", "加我line")]
        + [
            "微信|威信|薇信|绿泡泡|扣扣|企鹅|电报|飞机|賴|[@＠]|薇|微[ \u3000]信|微[A-Za-zＡ-Ｚａ-ｚ]",
            f"微{_EMOJI}{{0,3}}[:：]",
            "[QqＱｑ](?:号|我|群| ?[:：])",
            "[加+＋][个我]?[ \u3000]?[VvＶｖ]|[VvＶｖ][ \u3000]?[:：]",
            ci("line") + "(?: ?" + ci("id") + "|帳號|账号|的)",
            "[LＬ][IＩ][NＮ][EＥ]|[LＬ][iｉ][nｎ][eｅ]",
        ]
    )


class IdNumberRecognizer(TroupeRecognizer):
    """Chinese resident ID (18 characters, also spaced or hyphenated 6-8-4; checksum verified)."""

    entity = ID_NUMBER
    patterns_spec = (
        (
            "cn_id",
            _B + r"[1-9][0-9]{5}[ -]?(?:18|19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[ -]?[0-9]{3}[0-9Xx]"
            + _A,
            0.5,
        ),
    )
    context_words = ("身份证", "证件", "id number", "id card")
    prefilter = PhoneRecognizer.prefilter

    def validate_result(self, pattern_text: str) -> bool:
        return cn_id_checksum_ok(re.sub("[ -]", "", pattern_text))


class SsnRecognizer(TroupeRecognizer):
    """US Social Security number: 3-2-4 digits, no 000/666/9xx area, no 00 group, no 0000 serial.
    Spaced, dotted or undivided it is as often another number: a context word ("SSN", "social", "社安号")
    makes it one. The rules only rule numbers out (no checksum to confirm one)."""

    entity = ID_NUMBER
    patterns_spec = (
        ("ssn_dashed", r"(?<![0-9A-Za-z_-])[0-9]{3}-[0-9]{2}-[0-9]{4}" + _A + r"(?!-[0-9])", 0.55),
        ("ssn_spaced", _B + r"(?<!\.)[0-9]{3}(?P<ssn_sep> [-–—] |[ .–—])[0-9]{2}(?P=ssn_sep)[0-9]{4}" + _A + r"(?!\.[0-9])", 0.3),
        ("ssn_undivided", _B + r"[0-9]{9}" + _A, 0.2),
    )
    # "security number": the tail of "social security number" still inside the window before a number.
    context_words = ("ssn", "ss#", "social security", "security number", "social", "社会安全号", "社安号", "社保号")
    negative_context = ("isbn", "order", "订单", "part no", "型号")
    prefilter = PhoneRecognizer.prefilter

    def validate_result(self, pattern_text: str) -> bool | None:
        digits = digits_of(pattern_text)
        area, group, serial = digits[:3], digits[3:5], digits[5:]
        return False if area in {"000", "666"} or area[0] == "9" or group == "00" or serial == "0000" else None


class BankCardRecognizer(TroupeRecognizer):
    """Payment card numbers: 13 to 19 digits (grouped or not), a card network's prefix, Luhn."""

    entity = BANK_CARD
    patterns_spec = (("card", r"(?<![0-9A-Za-z_+-])[2-6][0-9](?:(?:[ -]|  )?[0-9]){11,17}" + _A + r"(?! {0,2}-?[0-9])", 0.5),)
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
_ZH_UNIT = r"(?:(?:[0-9]{1,4}|[A-Za-z]|[一二三四五六七八九十]{1,4})(?:号楼|栋|幢|座|单元|层|楼|室|号))"
# A residential estate or building by its last word: 阳光小区, 碧桂园, 幸福公寓, 万科城 …
_ZH_ESTATE = r"(?:小区|花园|公寓|大厦|大楼|新村|家园|山庄|广场|中心|苑|城|园)"
# Province, city, prefecture, county, district: after one, a place name may hold any character
# ("于都县").
_ZH_DIVISION = r"(?:省|自治区|市|州|盟|县|区|旗)"
_ZH_BUILDING = r"(?:[0-9]{1,3}|[A-Za-z])(?:号楼|栋|幢|座)"
_EN_STREET = (
    r"(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Boulevard|Blvd|Drive|Dr|Court|Ct|Way|Place|Pl|Terrace|Close|"
    r"Crescent|Square|Sq|Highway|Hwy|Parkway|Pkwy|Gardens|Grove|Row|Walk|Mews)"
)
_EN_STREET_NAME = r"(?:[A-Z][a-z]+(?:'s)?\.?|[0-9]{1,3}(?:st|nd|rd|th))"
_EN_STREET_NAME_ANY_CASE = r"[a-z]+(?:'s)?"
_EN_UNIT = r"(?i:Apt|Apartment|Suite|Ste|Unit|Flat)\.? ?#?[0-9A-Za-z]{1,5}"
# Street types that are no everyday word after a number, and words that start no street name: in
# any case ("1228 kings road") an address needs both.
_EN_STREET_PLAIN = r"(?:street|st|road|rd|avenue|ave|lane|ln|boulevard|blvd|drive|terrace|crescent|parkway|highway)"
_EN_NOT_A_NAME = (
    r"(?:the|a|an|on|of|to|in|at|by|for|from|my|your|his|her|our|their|this|that|down|up|and|or|more|other|last|"
    r"next|per|each|every|lane|miles?|km|blocks?|minutes?|mins?|hours?|days?)"
)
_US_STATES = (
    "AL|AK|AZ|AR|CA|CO|CT|DE|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|NC|ND|OH|OK|"
    "OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|DC"
)
_UK_POSTCODE = r"[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][ABD-HJLNP-UW-Z]{2}"
# After a street: ", Town", ", Town, ST 12345", ", Town POSTCODE" (the postcode in any case).
_EN_TOWN = (
    rf"(?:, ?(?:[A-Z][a-z]+ ){{0,2}}[A-Z][a-z]+(?![A-Za-z])"
    rf"(?:,? (?:{_US_STATES})(?: [0-9]{{5}}(?:-[0-9]{{4}})?)?(?![A-Za-z0-9])|,? (?i:{_UK_POSTCODE})(?![A-Za-z0-9]))?)?"
)


class AddressRecognizer(TroupeRecognizer):
    """Street addresses (Chinese: road + number + 号, with building, floor and room; a residential
    estate with building and room; a village with its group; English: number + name + street type,
    with flat, apartment, town, state and postcode), PO boxes, Chinese postcodes after 邮编, UK
    postcodes, US ZIP codes after a state or "ZIP"."""

    entity = ADDRESS
    patterns_spec = (
        (
            "street_address",
            _any(
                # 北京市海淀区中关村大街27号, …路962弄39号万科城大厦17楼, …南京西路1200号3号楼2单元501室
                f"{_ZH_PLACE_CHAR}{{2,14}}?(?:路|街|大道|道|巷|胡同|弄|里|段)(?:[0-9]{{1,4}}弄)?{_ZH_NUMBER}(?:号|號)(?:院)?"
                f"(?:{_ZH_PLACE_CHAR}{{1,8}}?{_ZH_ESTATE}(?={_ZH_UNIT}))?{_ZH_UNIT}{{0,4}}(?:(?<=[号號栋幢座元楼])[0-9]{{3,4}}(?![0-9]))?",
                # 阳光小区3栋2单元501, 绿地花园7期22幢1178
                f"{_ZH_PLACE_CHAR}{{0,16}}?{_ZH_ESTATE}(?:[0-9]{{1,2}}期)?{_ZH_BUILDING}(?:[0-9]{{1,2}}单元)?[0-9]{{3,4}}(?:室|号)?(?![0-9])",
                # 幸福公寓23-4-1174
                f"{_ZH_PLACE_CHAR}{{0,16}}?{_ZH_ESTATE}(?:[0-9]{{1,2}}期)?[0-9]{{1,3}}-[0-9]{{1,2}}-[0-9]{{3,4}}(?![0-9-])",
                # 3号楼2单元501室
                f"{_ZH_PLACE_CHAR}{{0,16}}?{_ZH_BUILDING}[0-9]{{1,2}}单元[0-9]{{3,4}}(?:室|号)?",
                # …镇刘庄村11组25号
                f"(?:{_ZH_PLACE_CHAR}{{1,7}}?{_ZH_DIVISION}(?:[\\u4e00-\\u9fff]{{1,7}}?(?:{_ZH_DIVISION}|镇|乡))*)?"
                f"{_ZH_PLACE_CHAR}{{2,20}}?(?:村|屯|寨|庄)(?:[0-9]{{1,3}}|[一二三四五六七八九十]{{1,3}})(?:组|队|社)(?:[0-9]{{1,4}}号)?",
                # Flat 3, 14 Queen's Road, Bristol BS8 1QU; 350 5th Ave, New York, NY 10118
                rf"(?-i:(?<![0-9A-Za-z])(?:{_EN_UNIT},? )?[0-9]{{1,5}}[A-Za-z]? (?:{_EN_STREET_NAME} ){{1,3}}{_EN_STREET}(?![A-Za-z])\.?"
                rf"(?:,? (?:NW|NE|SW|SE|N|S|E|W)(?![A-Za-z]))?(?:,? ?{_EN_UNIT}|,? #[0-9]{{1,5}})?{_EN_TOWN})",
            ),
            0.65,
        ),
        (
            "street_address_any_case",
            rf"(?<![0-9A-Za-z])[0-9]{{1,5}}[a-z]? (?:(?!{_EN_NOT_A_NAME} ){_EN_STREET_NAME_ANY_CASE} ){{1,2}}{_EN_STREET_PLAIN}(?![a-z])"
            rf"(?:,? ?{_EN_UNIT})?",
            0.5,
        ),
        (
            "postcode_named",
            _any(
                r"(?:邮编|邮政编码)\s{0,2}(?:是|为|:|：)?\s{0,2}\K[0-9]{6}(?![0-9])",
                r"(?<![a-z])(?:zip|zip code|postal code|postcode)\s{0,2}(?:is|:)?\s{0,2}\K[0-9]{5}(?:-[0-9]{4})?(?![0-9])",
            ),
            0.8,
        ),
        ("po_box", r"(?<![a-z])p\.? ?o\.? box [0-9]{1,6}(?![0-9])|邮政信箱[0-9]{1,6}号?", 0.7),
        ("us_state_zip", f"(?-i:(?<![A-Za-z])(?:{_US_STATES}),? [0-9]{{5}}(?:-[0-9]{{4}})?(?![0-9]))", 0.6),
        ("uk_postcode", rf"(?-i:(?<![A-Za-z0-9]){_UK_POSTCODE}(?![A-Za-z0-9]))", 0.5),
        # In lower case only after "postcode" (a context word) is it taken for one.
        ("uk_postcode_lower", r"(?-i:(?<![A-Za-z0-9])[a-z]{1,2}[0-9][a-z0-9]? ?[0-9][abd-hjlnp-uw-z]{2}(?![A-Za-z0-9]))", 0.3),
    )
    context_words = ("地址", "住在", "住址", "寄到", "送到", "address", "live at", "lives at", "postcode", "post code", "deliver")
    negative_context = ("gb", "tb", "ram", "ssd", "内存", "硬盘", "存储")
    prefilter = (
        f"(?:路|街|道|巷|胡同|弄|里|段)[0-9０-９一二三四五六七八九十百零]{{1,6}}[号號]"
        r"|[0-9０-９A-Za-zＡ-Ｚａ-ｚ](?:号楼|栋|幢|座)|邮编|邮政编码|邮政信箱"
        r"|(?:小区|花园|公寓|大厦|大楼|新村|家园|山庄|广场|中心|苑|城|园)(?:[0-9０-９]{1,2}期)?[0-9０-９]{1,3}[-－]"
        r"|(?:村|屯|寨|庄)[0-9０-９一二三四五六七八九十]{1,3}(?:组|队|社)"
        f"|[0-9０-９]{{1,5}}[A-Za-z]? (?:(?:[A-Z][a-z]+(?:'s)?\\.?|[0-9]{{1,3}}(?:st|nd|rd|th)) ){{1,3}}{_EN_STREET}"
        f"|[0-9]{{1,5}}[A-Za-z]? (?:[A-Za-z]+(?:'[sS])? ){{1,2}}(?:{'|'.join(ci(word) for word in _EN_STREET_PLAIN[3:-1].split('|'))})"
        "|[A-ZＡ-Ｚ]{1,2}[0-9０-９][A-Z0-9Ａ-Ｚ０-９]?[ \u3000]?[0-9０-９][A-ZＡ-Ｚ]{2}"
        "|[a-z]{1,2}[0-9][a-z0-9]? ?[0-9][a-z]{2}"
        f"|(?:{_US_STATES}),? [0-9]{{5}}|{ci('zip')}|{ci('postal code')}|{ci('postcode')}|{ci('post code')}"
        "|[PpＰｐ][.．]? ?[OoＯｏ][.．]? " + ci("box")
    )

    def invalidate_result(self, pattern_text: str) -> bool:
        # "M2 8GB", "A17 1TB": storage sizes look like UK postcodes.
        return bool(re.fullmatch(r"[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9](?:GB|TB|MB|KB|PB)", pattern_text, re.IGNORECASE))


_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"


# Four small numbers (each at most 20) or a last number 0 are as often a version ("MIUI 14.0.3.0",
# "1.2.0.5") as an address: those score low and need a context word ("IP", "服务器" …) to count.
_VERSION_SHAPED = re.compile(r"(?:(?:1?[0-9]|20)\.){3}(?:1?[0-9]|20)|(?:[0-9]{1,3}\.){3}0")
_VERSION_SHAPED_SCORE = 0.3


class IpAddressRecognizer(TroupeRecognizer):
    entity = IP_ADDRESS
    patterns_spec = (
        (
            "ip",
            _any(
                r"(?<![0-9A-Za-z_.])" + rf"(?:{_OCTET}\.){{3}}{_OCTET}" + r"(?![0-9A-Za-z_]|\.[0-9])",
                r"(?<![0-9a-f])(?<![0-9a-f]:)(?:[0-9a-f]{1,4}:){1,6}:(?:[0-9a-f]{1,4})(?::[0-9a-f]{1,4}){0,5}(?![0-9a-f:])",
            ),
            0.6,
        ),
        ("ipv6_full", r"(?<![0-9a-f])(?<![0-9a-f]:)(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}(?![0-9a-f:])", 0.7),
    )

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None, regex_flags: int | None = None
    ) -> list[RecognizerResult]:
        results = super().analyze(text, entities, nlp_artifacts, regex_flags)
        for result in results:
            if _VERSION_SHAPED.fullmatch(text, result.start, result.end):
                result.score = min(result.score, _VERSION_SHAPED_SCORE)
        return results

    context_words = (
        "ip", "地址", "服务器", "server", "host", "vpn", "ssh", "dns", "ping", "nas", "router", "路由", "网关", "gateway",
        "proxy", "代理", "whitelist", "白名单", "port", "端口", "connect", "连", "内网", "公网", "login", "登录",
    )  # fmt: skip
    negative_context = (
        "版本", "版", "version", "build", "release", "固件", "firmware", "chrome", "python", "ios", "android", "更新",
        "升级", "update", "updating", "upgrade", "miui", "emui", "patch",
    )  # fmt: skip
    prefilter = (
        "[0-9０-９]{1,3}[.．][0-9０-９]{1,3}[.．][0-9０-９]{1,3}[.．][0-9０-９]{1,3}"
        "|[:：][:：]|(?:[0-9A-Fa-f０-９Ａ-Ｆａ-ｆ]{1,4}[:：]){3}"
    )


_SOCIAL = (
    r"(?:weibo\.com|weibo\.cn|github\.com|gitee\.com|twitter\.com|x\.com|instagram\.com|facebook\.com|fb\.com|"
    r"linkedin\.com/in|space\.bilibili\.com|bilibili\.com/space|douyin\.com/user|xiaohongshu\.com/user/profile|"
    r"zhihu\.com/people|tiktok\.com|youtube\.com|reddit\.com/u(?:ser)?|medium\.com|vk\.com|douban\.com/people|"
    r"steamcommunity\.com/(?:id|profiles))"
)
# Sites where a person is the first path segment (site.com/name), and first segments there that
# lead to content instead ("youtube.com/watch?v=…", "instagram.com/p/…").
_NAME_FIRST_HOSTS = frozenset(
    "weibo.com weibo.cn twitter.com x.com instagram.com facebook.com fb.com tiktok.com youtube.com medium.com vk.com".split()
)
_NOT_A_PERSON = frozenset(
    "watch results shorts playlist embed feed hashtag search explore p reel reels tv stories i intent share sharer "
    "home login signup about help settings policies legal jobs topics trending video notifications messages privacy "
    "terms events groups pages marketplace".split()
)
# On code hosts a person is github.com/name; a link deeper than a repository (issues, pulls, files)
# is to content.
_CODE_HOSTS = ("github.com", "gitee.com")


class UrlRecognizer(TroupeRecognizer):
    """Links to a person: a profile on a social site, or any URL path naming a user."""

    entity = URL
    patterns_spec = (
        ("social_profile", rf"(?<![a-z0-9.-])(?:https?://)?(?:www\.|m\.)?{_SOCIAL}/(?:@|(?:u|user|users|people|profile|id)/)?[a-z0-9_.~-]{{2,64}}(?:/[^\s，。！？、）)]*)?", 0.7),
        (
            "user_path",
            r"https?://[a-z0-9.-]+\.[a-z]{2,}(?::[0-9]{2,5})?/(?:[^\s/]+/)*(?:~|@|(?:u|user|users|people|profile|member|members|space|home|author|authors)/)"
            r"[a-z0-9_.%-]{2,64}(?:/[^\s，。！？、）)]*)?",
            0.7,
        ),
    )
    context_words = ("主页", "链接", "profile", "page", "follow")
    prefilter = "[:：][/／][/／]|[.．](?:" + ci("com") + "|" + ci("cn") + ")[/／]"

    def invalidate_result(self, pattern_text: str) -> bool:
        address = re.sub(r"^(?:https?://)?(?:www\.|m\.)?", "", pattern_text.lower())
        host, _, path = address.partition("/")
        segments = [segment for segment in re.split(r"[/?#]", path) if segment]
        if host in _CODE_HOSTS:
            return len(segments) > 2
        return host in _NAME_FIRST_HOSTS and bool(segments) and segments[0] in _NOT_A_PERSON


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
