"""Pairing quotation marks as real editions print them.

Online editions mix their marks: ``“…"``, ``"…”``, a closing ``”`` printed where an opening one
belongs (``红玉道:”也不犯着…”``), ``「…」`` and ``『…』``, and quotes that run over a paragraph
break. The pairing here is a small state machine rather than one regular expression per mark:

- ``“`` ``"`` ``＂`` open a quote; ``”`` opens one too when nothing is open and it follows a colon,
  a comma, the start of a line or a speech verb;
- while a curly or straight quote is open, ``”`` ``"`` ``＂`` close it, whatever opened it; a
  second ``“`` means the first was never closed, and the quote restarts there;
- ``「`` opens and ``」`` closes; ``『…』`` nests inside ``「…」`` and stands alone elsewhere;
- at a paragraph break the quote ends, unless the next mark ahead closes it (a quote that an
  edition broke over two paragraphs).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_QUOTE = 1500  # characters; a longer "quote" is a pairing that went wrong

_OPEN_STRAIGHT = '“"＂'
_CLOSE_STRAIGHT = '”"＂'
_MARKS = re.compile('[“”"＂「」『』\n]')
_OPENER_CONTEXT = re.compile(r"(?:^|[：:，,；;\s\u3000]|[道说曰问答叫喊嚷骂叹云言报])$")
_BLANK_AFTER = re.compile(r"[ \t\u3000]*\n")


@dataclass(frozen=True)
class Quote:
    start: int  # the opening mark
    end: int  # after the closing mark (or the paragraph end when a quote is left open)
    body: str

    @property
    def body_start(self) -> int:
        return self.start + 1


def _is_cjk(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf"


def _paragraph_break(text: str, newline: int, opened: int) -> bool:
    """Whether a newline ends a paragraph: a blank line, or any line break in Chinese text."""
    if _BLANK_AFTER.match(text, newline + 1):
        return True
    before = text[max(opened, newline - 3) : newline]
    return any(_is_cjk(char) or char in "。！？”" for char in before)


def _closes_ahead(text: str, position: int) -> bool:
    """Whether the next quotation mark after ``position`` (within a paragraph or two) is a closing one."""
    window = text[position : position + 400]
    for char in window:
        if char in "“「『":
            return False
        if char in "”」』":
            return True
        if char in '"＂':
            return False  # a straight mark after a break opens the next paragraph's quote
    return False


def find_quotes(text: str) -> list[Quote]:
    """Every quoted span, in text order, with its body stripped of surrounding space."""
    quotes: list[Quote] = []
    opened: int | None = None
    family = ""  # "straight" for “” and "", "corner" for 「」, "white" for 『』 standing alone
    nested = 0

    def emit(end_mark: int, end: int) -> None:
        nonlocal opened, nested
        assert opened is not None
        body = text[opened + 1 : end_mark].strip()
        if body and end - opened <= MAX_QUOTE:
            quotes.append(Quote(opened, end, body))
        opened = None
        nested = 0

    for match in _MARKS.finditer(text):
        position, char = match.start(), match.group()
        if opened is not None and position - opened > MAX_QUOTE:
            opened = None  # runaway: drop it and start over from here
        if char == "\n":
            if opened is not None and family == "straight" and _paragraph_break(text, position, opened):
                if not _closes_ahead(text, position + 1):
                    emit(position, position)
            continue
        if opened is None:
            if char in _OPEN_STRAIGHT:
                opened, family = position, "straight"
            elif char == "”" and _OPENER_CONTEXT.search(text[max(0, position - 2) : position]):
                opened, family = position, "straight"
            elif char == "「":
                opened, family = position, "corner"
            elif char == "『":
                opened, family = position, "white"
            continue
        if family == "straight":
            if char in _CLOSE_STRAIGHT:
                emit(position, position + 1)
            elif char == "“":
                opened = position  # the previous quote was never closed
        elif family == "corner":
            if char == "『":
                nested += 1
            elif char == "』":
                nested = max(0, nested - 1)
            elif char == "」":
                emit(position, position + 1)
            elif char == "「":
                opened = position
        elif family == "white" and char == "』":
            emit(position, position + 1)
    return quotes
