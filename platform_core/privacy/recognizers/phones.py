"""Phone numbers: Chinese mobiles and landlines, numbers in a country's national form (leading 0),
international numbers, US and UK numbers, and bare digits that need a context word."""

import re

from platform_core.privacy.recognizers.base import (
    GROUP_SEP,
    NOT_A_TAIL,
    NUMBER_PREFILTER,
    PHONE,
    A,
    B,
    TroupeRecognizer,
    any_of,
)
from platform_core.privacy.view import digits_of

# Where a phone number starts: no letter, digit or "_" before it, and not inside a link's path or
# query ("amazon.co.uk/dp/0141439513").
_START = B + r"(?<![/=?&#])"

# "+86", "0086", "(+86)", "86-" or "86" before a Chinese mobile.
_CN_PREFIX = r"(?:(?:\+|00)86[ -]?|\((?:\+|00)?86\) ?|86[ -]?)?"
# A Chinese mobile: eleven digits from 1[3-9], run together or in groups of any size with one
# separator repeated between them (3-4-4, 4-4-3, 3-8, one digit at a time; spaces, hyphens,
# dashes, "/", "_", "·", "~"); with dots 3-4-4 or one digit at a time, with commas 3-4-4 (four dotted
# numbers are an IP address).
_CN_MOBILE = (
    _START
    + r"(?<!\+)"
    + any_of(
        _CN_PREFIX + r"1[3-9][0-9]{9}" + A,
        NOT_A_TAIL
        + _CN_PREFIX
        + any_of(
            r"(?=1[^0-9]{0,5}[3-9](?:[^0-9]{0,5}[0-9]){9}(?![0-9]))"
            + rf"1[0-9]{{0,7}}(?P<mobile_sep>{GROUP_SEP})[0-9]{{1,8}}(?:(?P=mobile_sep)[0-9]{{1,8}}){{0,9}}"
            + A
            + r"(?!(?P=mobile_sep)[0-9])",
            r"1[3-9][0-9](?P<mobile_dot>[.,，])[0-9]{4}(?P=mobile_dot)[0-9]{4}" + A + r"(?!\.[0-9])",
            r"1(?P<digit_dot> ?\. ?)[3-9](?:(?P=digit_dot)[0-9]){9}" + A + r"(?!\.[0-9])",
        ),
    )
)
# A Chinese landline: area code (in brackets or not), 7 or 8 digits split anyhow, an extension.
_CN_LANDLINE = (
    _START
    + NOT_A_TAIL
    + r"(?<![+-])(?:\(0[0-9]{2,3}\)|0[0-9]{2,3}) {0,2}[—–-]? {0,2}[1-9](?:[ -]?[0-9]){6,7}"
    + r"(?:[ -]?(?:转分机|转|分机|ext\.?)[ -]?[0-9]{1,5})?"
    + A
)
# A number in its country's national form, 9 to 11 digits from a leading 0 (Taiwan and Australian
# mobiles and landlines, UK, Japanese and Korean numbers): "0912-345-678", "(02) 2345 6789",
# "0412 345 678", "0770 090 0123"; groups of three or four digits, one separator repeated.
_NATIONAL = (
    _START
    + NOT_A_TAIL
    + r"(?<![+-])(?=\(?0(?:[^0-9]{0,3}[0-9]){8,10}(?![0-9]))"
    + any_of(
        r"\(0[1-9][0-9]{0,3}\) ?[0-9]{3,4}(?: ?[-–—]? ?[0-9]{3,4})?",
        r"0[1-9][0-9]{0,3}(?P<national_sep> {1,2}| ?[-–—] ?)[0-9]{3,4}(?:(?P=national_sep)[0-9]{3,4}){1,2}",
    )
    + A
    + r"(?! {0,2}[-–—/_·~.]? {0,2}[0-9])"
)
_US_SEP = r"(?: ?[-–—/] ?| )"
# Not inside a number, a word or a link ("…/dp/0141439513", "id=2125550199"). Before
# ``NOT_A_TAIL`` where both apply: one character turns down a digit inside a number at once.
_NOT_INSIDE = r"(?<![0-9A-Za-z_+./=?&#-])"
_US = (
    _NOT_INSIDE + NOT_A_TAIL + r"(?:\+?1[ .-]?)?"
    rf"(?:(?:\([2-9][0-9]{{2}}\) ?|[2-9][0-9]{{2}}{_US_SEP})[0-9]{{3}}{_US_SEP}|[2-9][0-9]{{2}}\.[0-9]{{3}}\.)[0-9]{{4}}"
    + A
    + r"(?![-.][0-9])"
)
# UK numbers have ten or eleven digits with the leading 0.
_UK = (
    _START
    + NOT_A_TAIL
    + r"(?<![+-])(?=0(?: ?[0-9]){9,10}(?![0-9]))"
    + r"0(?:7[0-9]{3} ?(?:[0-9]{6}|[0-9]{3} [0-9]{3})|[12][0-9]{1,3} ?[0-9]{3,4} ?[0-9]{3,4})"
    + A
)
# "+" or "00" and a country code, or a country code in brackets ("(852) 6123-4567"; without "+"
# only a code that is no US area code), then groups.
_INTERNATIONAL = (
    r"(?<![0-9A-Za-z_+])(?:(?:\+|00(?=[1-9][0-9]{0,2}[ -]))[1-9][0-9]{0,2}|\(\+[1-9][0-9]{0,2}\)|\((?:852|853|886|65|60|61|81|82|44|33|49|66|63|84)\))"
    r"(?:[ .-]?(?:\(0\)|\([0-9]{1,4}\)|[0-9]{1,8})){1,6}" + A
)
# Ten digits in the US pattern, eight from 5-9 (Hong Kong, Macau, Singapore): as often not a phone.
_US_UNDIVIDED = _NOT_INSIDE + r"[2-9][0-9]{2}[2-9][0-9]{6}" + A + r"(?![-.][0-9])"
_EIGHT_DIGIT = _NOT_INSIDE + NOT_A_TAIL + r"[5-9][0-9]{3}[ -]?[0-9]{4}" + A + r"(?![-.,][0-9])"
_MOBILE_HEAD = re.compile(r"1[3-9]")


class PhoneRecognizer(TroupeRecognizer):
    """Chinese mobile and landline, national (leading 0), international (+…, 00…, (852) …), US, UK
    and eight-digit (Hong Kong, Macau, Singapore) numbers; 7 to 15 digits. A bare ten-digit US
    number or eight-digit number scores low: only a context word ("call", "号码", "number" …)
    makes it a phone number."""

    entity = PHONE
    patterns_spec = (
        ("cn_mobile", _CN_MOBILE, 0.7),
        ("international", _INTERNATIONAL, 0.6),
        ("landline_national_us_uk", any_of(_CN_LANDLINE, _NATIONAL, _US, _UK), 0.5),
        ("bare_digits", any_of(_US_UNDIVIDED, _EIGHT_DIGIT), 0.2),
    )
    context_words = (
        "电话", "手机", "座机", "号码", "联系", "打给", "打我", "打这", "致电", "来电", "拨", "短信", "的号", "新号", "号是",
        "香港", "tel", "phone", "mobile", "call", "text me", "whatsapp", "cell", "number", "ph", "ring", "dial", "sms",
        "contact no", "reach me",
    )  # fmt: skip
    negative_context = (
        # Not "快递" alone: a courier's or recipient's mobile is as common as a tracking number; a
        # courier's name is said before its tracking number.
        "订单", "单号", "运单", "编号", "流水", "版本", "学号", "工号", "航班", "房间", "座位", "中通", "圆通", "申通",
        "韵达", "顺丰", "极兔", "德邦", "会议", "准考证", "isbn", "order", "tracking", "invoice", "serial", "version", "student",
        "ticket", "flight", "room", "seat", "sku", "part no", "case no", "fedex", "ups", "usps", "dhl", "meeting",
    )  # fmt: skip
    prefilter = NUMBER_PREFILTER

    def validate_result(self, pattern_text: str) -> bool | None:
        digits = digits_of(pattern_text)
        if not 7 <= len(digits) <= 15:
            return False
        # "00" dials out: a country code and a whole national number follow (eleven digits or more).
        if pattern_text.startswith("00") and len(digits) < 11:
            return False
        # A Chinese mobile has eleven digits: fewer from 1[3-9] with no country code is a part of one.
        return False if _MOBILE_HEAD.match(pattern_text) and len(digits) < 11 else None
