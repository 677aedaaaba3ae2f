"""The one normalisation of text that people type, for every input that stores it.

``user_text_clean`` is for every text a person types, before it is checked and stored (the live
chat's messages, topics and flag reasons use it); callers refuse what is empty afterwards. It is documented for users in
docs/text-normalisation.md. The steps, in order:

1. lone surrogates (``\\ud800``–``\\udfff``, not encodable as UTF-8) are removed;
2. line breaks become ``\\n``: CR LF, CR, NEL (U+0085), LINE and PARAGRAPH SEPARATOR (U+2028/9);
3. invisible characters are removed: control characters other than tab and newline (NUL, C0,
   DEL, C1), bidirectional embeddings, overrides, isolates and marks (U+202A–U+202E,
   U+2066–U+2069, U+200E/U+200F, U+061C), zero-width and other format characters (Unicode
   category Cf: U+200B, U+2060, U+FEFF, U+00AD, …), Hangul fillers (U+115F, U+1160, U+3164,
   U+FFA0) and non-characters (U+FDD0–U+FDEF, U+xFFFE/U+xFFFF). Kept, because visible text needs
   them: ZERO WIDTH JOINER and NON-JOINER between two visible characters (emoji sequences,
   Persian, Indic scripts) and emoji tag characters right after a tag base (subdivision flags);
4. Unicode NFC (composed characters: ``e`` + U+0301 becomes ``é``);
5. leading and trailing whitespace is stripped (``strip=True``, the default).

The function is pure and idempotent: ``user_text_clean(user_text_clean(t)) == user_text_clean(t)``.
"""

from __future__ import annotations

import re
import unicodedata

_SURROGATES = re.compile(r"[\ud800-\udfff]")
_LINE_BREAKS = re.compile("\r\n|[\r\x85\u2028\u2029]")
_JOINERS = "\u200c\u200d"
_TAG_BASE = "\U0001f3f4"  # WAVING BLACK FLAG, the base of emoji tag sequences
_TAGS = re.compile("[\U000e0020-\U000e007f]+")
_HANGUL_FILLERS = "\u115f\u1160\u3164\uffa0"


def _invisible(char: str) -> bool:
    if char in "\t\n":
        return False
    category = unicodedata.category(char)
    if category in ("Cc", "Cf"):
        return True
    code = ord(char)
    return char in _HANGUL_FILLERS or 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE


def _visible(char: str) -> bool:
    return not char.isspace() and not _invisible(char)


def _kept(text: str, index: int) -> bool:
    """Whether the format character at ``index`` is part of visible text and stays."""
    char = text[index]
    if char in _JOINERS:
        return 0 < index < len(text) - 1 and _visible(text[index - 1]) and _visible(text[index + 1])
    if _TAGS.fullmatch(char):
        start = index
        while start > 0 and _TAGS.fullmatch(text[start - 1]):
            start -= 1
        return start > 0 and text[start - 1] == _TAG_BASE
    return False


def user_text_clean(text: str, *, strip: bool = True) -> str:
    """``text`` as it is stored: the normalisation above (the caller refuses an empty result)."""
    text = _SURROGATES.sub("", text)
    text = _LINE_BREAKS.sub("\n", text)
    if not text.isascii() or any(_invisible(c) for c in text):
        text = "".join(c for i, c in enumerate(text) if not _invisible(c) or _kept(text, i))
        text = unicodedata.normalize("NFC", text)
    return text.strip() if strip else text


def user_text_changed(text: str) -> bool:
    """True when the normalisation changes ``text`` (beyond stripping outer whitespace)."""
    return user_text_clean(text, strip=False) != text
