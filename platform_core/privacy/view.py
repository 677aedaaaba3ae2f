"""The analysis view of a text, and the checksums the recognizers verify.

Patterns run on the *analysis view* of a text (``analysis_view``): full-width ASCII folded to
ASCII and runs of seven or more digits written as Chinese numerals or circled digits (一三八…,
壹叁捌…, ①③⑧…) turned into Arabic digits, character for character, so every offset is the same as
in the original text.
Prefilters run on the raw text: ``RAW_DIGIT`` and ``ci`` spell what they look for in every form.
"""

import re

_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_FULL_WIDTH[0x3000] = 0x20
# Chinese numerals as digits: everyday ones, 幺 (one, spoken) and 两 (two), and the financial forms
# (壹贰叁…, simplified and traditional) and circled digits (①②③…) people use to get numbers past
# filters.
_CN_DIGITS = "零〇一二三四五六七八九幺两壹贰貳叁參肆伍陆陸柒捌玖⓪①②③④⑤⑥⑦⑧⑨"
_CN_DIGIT_VALUES = str.maketrans(_CN_DIGITS, "00123456789121223345667890123456789")
# Digits for the prefilter on raw text: ASCII, full-width and Chinese numerals.
RAW_DIGIT = f"[0-9０-９{_CN_DIGITS}]"


def ci(word: str) -> str:
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


_NUMERAL_RUN = re.compile(f"(?:[0-9{_CN_DIGITS}][ ,，-]?){{6,}}[0-9{_CN_DIGITS}]")
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


def hk_id_checksum_ok(number: str) -> bool:
    """Hong Kong identity card: one or two letters, six digits and a check character (0-9 or A);
    letters count 10-35 (a missing second letter 36), weighted 9 down to 2, the sum with the check
    a multiple of 11."""
    letters, digits, check = number[:-7], number[-7:-1], number[-1]
    if not (1 <= len(letters) <= 2 and letters.isalpha() and digits.isdigit()):
        return False
    values = [36] * (2 - len(letters)) + [ord(letter.upper()) - 55 for letter in letters]
    values += [int(digit) for digit in digits]
    total = sum(value * weight for value, weight in zip(values, range(9, 1, -1), strict=True))
    return (11 - total % 11) % 11 == (10 if check.upper() == "A" else int(check) if check.isdigit() else -1)


# Taiwan national ID: the letter's two-digit code (A=10 … with I, O, W, Z out of order).
_TW_LETTER_CODES = {letter: index + 10 for index, letter in enumerate("ABCDEFGHJKLMNPQRSTUVXYWZIO")}


def tw_id_checksum_ok(number: str) -> bool:
    """Taiwan national ID: a letter, 1 or 2, seven digits and a check digit; the letter's code's
    digits weighted 1 and 9, the digits 8 down to 1 and the check 1, the sum a multiple of 10."""
    code = _TW_LETTER_CODES.get(number[:1].upper())
    if code is None or len(number) != 10 or not number[1:].isdigit():
        return False
    total = code // 10 + code % 10 * 9 + sum(int(d) * w for d, w in zip(number[1:9], range(8, 0, -1), strict=True))
    return (total + int(number[9])) % 10 == 0
