"""Chapter, act and scene headings of novels and plays."""

from __future__ import annotations

import re
from dataclasses import dataclass

CHAPTER_HEADING = re.compile(
    r"^[ \t\u3000]*(?:#+[ \t]*)?("
    r"第[0-9０-９一二三四五六七八九十百千零〇两]+[回章节幕场卷部集]"
    r"|(?:chapter|book|act|part)\s+(?:[0-9]+|[ivxlc]+|one|two|three|four|five)\b"
    r"|scene\s+(?:[0-9]+|[ivxlc]+)\b"
    r"|(?:first|second|third|fourth|fifth)\s+act\b"
    r")[^\n]{0,60}$",
    re.IGNORECASE | re.MULTILINE,
)


@dataclass(frozen=True)
class Chapter:
    title: str
    start: int
    end: int


def is_heading(line: str) -> bool:
    """A chapter, act or scene heading (``第三回 …``, ``ACT II``, ``SCENE II. The same, at midnight.``)."""
    return bool(CHAPTER_HEADING.fullmatch(line.strip("\n")))


def split_chapters(text: str) -> list[Chapter]:
    """Chapters from headings like ``第一回 …``, ``Chapter 3``, ``ACT II``; one chapter if none."""
    heads = list(CHAPTER_HEADING.finditer(text))
    if not heads:
        return [Chapter("—", 0, len(text))]
    chapters = []
    if text[: heads[0].start()].strip():
        chapters.append(Chapter("—", 0, heads[0].start()))
    for number, head in enumerate(heads):
        end = heads[number + 1].start() if number + 1 < len(heads) else len(text)
        chapters.append(Chapter(head.group(0).strip()[:200], head.start(), end))
    return chapters
