"""Identity numbers and payment cards: Chinese resident ID, Hong Kong and Taiwan IDs, US SSN, UK
National Insurance and Canadian SIN numbers, card numbers; each verified where a rule exists."""

import re

from platform_core.privacy.recognizers.base import (
    BANK_CARD,
    GROUP_SEP,
    ID_NUMBER,
    NOT_A_TAIL,
    NUMBER_PREFILTER,
    A,
    B,
    TroupeRecognizer,
    any_of,
)
from platform_core.privacy.view import cn_id_checksum_ok, digits_of, hk_id_checksum_ok, luhn_ok, tw_id_checksum_ok

# What the pattern's lookahead asks first: seventeen digits, at most three other characters apart.
_CN_ID_DIGITS = r"[1-9](?:[^0-9A-Za-z]{0,3}[0-9]){16}"
# Chinese resident ID: 17 digits and a check character, run together or in groups of any size with
# one separator repeated ("110101 19900307 1234", "110 101 1990…", "…-…-…", dashes), or dotted 6-8-4.
_CN_ID = (
    B
    + NOT_A_TAIL
    + rf"(?={_CN_ID_DIGITS}[^0-9A-Za-z]{{0,3}}[0-9Xx](?![0-9A-Za-z]))"
    + any_of(
        rf"[1-9][0-9]*(?:(?P<id_sep>{GROUP_SEP})[0-9]+(?:(?P=id_sep)[0-9]+)*)?[Xx]?(?!\.[0-9])",
        r"[1-9][0-9]{5}\.[0-9]{8}\.[0-9]{3}[0-9Xx]",
    )
    + A
)
_BIRTH_DATE = re.compile(r"(?:18|19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])")


class IdNumberRecognizer(TroupeRecognizer):
    """Chinese resident ID (18 characters, grouped anyhow; a valid birth date and the GB 11643
    checksum)."""

    entity = ID_NUMBER
    patterns_spec = (("cn_id", _CN_ID, 0.5),)
    context_words = ("身份证", "身份證", "身分證", "证件", "id number", "id card")
    prefilter = NUMBER_PREFILTER
    gate = _CN_ID_DIGITS

    def validate_result(self, pattern_text: str) -> bool:
        number = re.sub("[^0-9Xx]", "", pattern_text)
        return bool(_BIRTH_DATE.fullmatch(number, 6, 14)) and cn_id_checksum_ok(number)


class NationalIdRecognizer(TroupeRecognizer):
    """Hong Kong identity card (``A123456(7)``, check digit verified), Taiwan national ID
    (``A123456789``, checksum), UK National Insurance (``AB 12 34 56 C``) and Canadian SIN (3-3-3
    digits, Luhn) numbers. Only the bracketed Hong Kong form stands alone; the rest are codes as
    often, and need a context word ("HKID", "身分證", "ID", "national insurance", "SIN" …)."""

    entity = ID_NUMBER
    patterns_spec = (
        ("hk_id_bracketed", r"(?-i:(?<![A-Za-z0-9])[A-Z]{1,2}[0-9]{6}\([0-9A]\))", 0.5),
        (
            "national_id",
            r"(?-i:(?<![A-Za-z0-9])(?:[A-Z]{1,2}[0-9]{6}[0-9A]|[A-Z][12][0-9]{8}"
            r"|(?!BG|GB|NK|KN|TN|NT|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z](?: ?[0-9]{2}){3} ?[A-D])(?![A-Za-z0-9]))",
            0.3,
        ),
        (
            "ca_sin",
            B + NOT_A_TAIL + r"[1-79][0-9]{2}(?P<sin_sep>[ -])[0-9]{3}(?P=sin_sep)[0-9]{3}" + A + r"(?![ -][0-9])",
            0.3,
        ),
    )
    context_words = (
        "身份证", "身份證", "身分證", "证件", "證件", "hkid", "id", "identity", "national insurance", "ni number", "ni no",
        "nino", "sin", "social insurance", "ssn", "social security", "社安号", "社会安全号",
    )  # fmt: skip
    negative_context = ("ref", "model", "型号", "订单", "order", "sku", "part no", "serial", "invoice")
    prefilter = NUMBER_PREFILTER
    # A letter right before a digit (a space between for National Insurance), or 3-3-3 digits; written
    # from the digit, so that the search stops at digits only, not at every letter of a line.
    gate = r"[0-9](?:(?<=[A-Za-z][0-9])|(?<=[A-Za-z] [0-9])|[0-9]{2}[ -][0-9]{3}[ -][0-9]{3})"

    def validate_result(self, pattern_text: str) -> bool:
        text = pattern_text.replace(" ", "")
        if text[:1].isdigit():
            return luhn_ok(digits_of(text))
        if re.fullmatch(r"[A-Z][12][0-9]{8}", text):
            return tw_id_checksum_ok(text)
        if re.fullmatch(r"[A-Z]{1,2}[0-9]{6}\(?[0-9A]\)?", text) and hk_id_checksum_ok(re.sub("[()]", "", text)):
            return True
        # A National Insurance number (its letters are the only rule; one ending in A has the shape
        # of a Hong Kong number too).
        return bool(re.fullmatch(r"[A-Z]{2}[0-9]{6}[A-D]", text))


class SsnRecognizer(TroupeRecognizer):
    """US Social Security number: 3-2-4 digits, no 000/666/9xx area, no 00 group, no 0000 serial.
    Spaced, dotted, slashed or undivided it is as often another number: a context word ("SSN",
    "social", "社安号") makes it one. The rules only rule numbers out (no checksum to confirm one)."""

    entity = ID_NUMBER
    patterns_spec = (
        ("ssn_dashed", r"(?<![0-9A-Za-z_-])[0-9]{3}-[0-9]{2}-[0-9]{4}" + A + r"(?!-[0-9])", 0.55),
        (
            "ssn_spaced",
            B + r"(?<!\.)[0-9]{3}(?P<ssn_sep> [-–—/] |[ .–—/])[0-9]{2}(?P=ssn_sep)[0-9]{4}" + A + r"(?![./][0-9])",
            0.3,
        ),
        ("ssn_undivided", B + r"[0-9]{9}" + A, 0.2),
    )
    # "security number": the tail of "social security number" still inside the window before a number.
    # The other countries' nine-digit numbers' names too: people name a number by the wrong one.
    context_words = (
        "ssn", "ss#", "social security", "security number", "social", "soc sec", "社会安全号", "社安号", "社保号", "sin",
        "social insurance", "national insurance", "ni number", "nino",
    )  # fmt: skip
    negative_context = ("isbn", "order", "订单", "part no", "型号", "sku")
    prefilter = NUMBER_PREFILTER
    # 3, 2 and 4 digits with any one of the patterns' separators (or none) between the groups.
    gate = r"[0-9]{3}(?: [-–—/] |[-–—/ .])?[0-9]{2}(?: [-–—/] |[-–—/ .])?[0-9]{4}"

    def validate_result(self, pattern_text: str) -> bool | None:
        digits = digits_of(pattern_text)
        area, group, serial = digits[:3], digits[3:5], digits[5:]
        return False if area in {"000", "666"} or area[0] == "9" or group == "00" or serial == "0000" else None


class BankCardRecognizer(TroupeRecognizer):
    """Payment card numbers: 13 to 19 digits, run together or grouped anyhow with one separator
    repeated (spaces, hyphens, dashes, "/", "_", "·"; dots between groups of four, or 4-6-5), a card
    network's prefix, Luhn."""

    entity = BANK_CARD
    patterns_spec = (
        (
            "card",
            r"(?<![0-9A-Za-z_+-])"
            + NOT_A_TAIL
            + any_of(
                rf"[2-6][0-9]{{0,18}}(?:(?P<card_sep>{GROUP_SEP})[0-9]{{1,18}}(?:(?P=card_sep)[0-9]{{1,18}}){{0,17}})?"
                + A
                + r"(?!(?P=card_sep)[0-9]|\.[0-9])",
                r"(?:[2-6][0-9]{3}(?:\.[0-9]{4}){2,3}(?:\.[0-9]{1,4})?|3[47][0-9]{2}\.[0-9]{6}\.[0-9]{5})"
                + A
                + r"(?!\.[0-9])",
            )
            + r"(?! {0,2}-?[0-9])",
            0.5,
        ),
    )
    context_words = ("卡号", "银行卡", "信用卡", "借记卡", "card", "visa", "mastercard", "银联")
    negative_context = (
        "订单", "单号", "快递", "运单", "编号", "流水", "中通", "圆通", "申通", "韵达", "顺丰", "极兔", "德邦", "isbn", "order",
        "tracking", "invoice", "serial", "sku", "fedex", "usps", "ups", "dhl",
    )  # fmt: skip
    prefilter = NUMBER_PREFILTER
    # Thirteen digits from a network's first digit, one separator or dot at most between two (the
    # pattern reads fewer, but a match of fewer than 13 digits fails validation and is dropped).
    gate = r"[2-6](?:(?: {1,2}| ?[-–—/_·~.] ?)?[0-9]){12}"

    def validate_result(self, pattern_text: str) -> bool:
        digits = digits_of(pattern_text)
        if not 13 <= len(digits) <= 19 or not luhn_ok(digits):
            return False
        first, two, four = digits[0], int(digits[:2]), int(digits[:4])
        return first in "456" or two in (34, 37) or 3528 <= four <= 3589 or 2221 <= four <= 2720
