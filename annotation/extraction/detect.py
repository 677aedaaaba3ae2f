"""Dialogue lines and candidate passages of a work: quotes and script speeches, with speakers.

``detect_lines`` finds every line; each carries how its speaker was found (``method``): a cue
next to the quote, a script layout, alternation inside a two-party exchange, or the LLM. Lines
whose speaker is missing or only inferred are ``uncertain``; they are what the annotator (or the
LLM pass in ``annotation.extraction.llm``) should look at first.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass, field

import annotation.extraction.en as en
import annotation.extraction.zh as zh
from annotation.extraction.chapters import split_chapters
from annotation.extraction.quotes import Quote, find_quotes
from annotation.extraction.scripts import display_name, script_lines

MAX_GAP = 160  # narration characters that may separate two lines of one exchange
_PARAGRAPH = re.compile(r"\n[ \t\u3000]*\n|\n(?=[ \t\u3000]*[\u4e00-\u9fff“”「『\"])")
_SPEECHLIKE = re.compile(r"[。！？!?，,.…—\-]|\S\s\S")


@dataclass
class Line:
    speaker: str | None
    text: str
    start: int
    end: int
    inferred: bool = False
    method: str = ""  # "cue", "script", "alternation", "llm" or "" when no speaker was found
    group: bool = False  # "they cried": several people speak, so alternation leaves it alone

    @property
    def uncertain(self) -> bool:
        return self.speaker is None or self.inferred


@dataclass
class Candidate:
    start: int
    end: int
    lines: list[Line] = field(default_factory=list)

    def as_json(self) -> dict:
        return {
            "start": self.start,
            "end": self.end,
            "lines": [
                {"speaker": line.speaker, "text": line.text, "method": line.method, "uncertain": line.uncertain}
                for line in self.lines
            ],
        }


def clean(text: str) -> str:
    """A line's text on one line: runs of space become one space, none between Chinese characters."""
    text = " ".join(text.split())
    return re.sub(r"(?<=[\u3000-\u9fff\uff00-\uffef]) (?=[\u3000-\u9fff\uff00-\uffef])", "", text)


def is_cjk(text: str) -> bool:
    cjk = sum("\u4e00" <= char <= "\u9fff" for char in text)
    return cjk > len(text) * 0.2


def _lines_are_paragraphs(text: str) -> bool:
    """Whether each line is a paragraph (no blank lines between paragraphs, no hard wrapping)."""
    return text.count("\n\n") * 5 < text.count("\n")


def _paragraph_start(text: str, position: int, lines_are_paragraphs: bool = False) -> int:
    if lines_are_paragraphs:
        return text.rfind("\n", 0, position) + 1
    found = None
    for match in _PARAGRAPH.finditer(text, max(0, position - 2000), position + 1):
        found = match.end()
    if found is not None and found <= position:
        return found
    return 0 if position < 2000 else max(0, text.rfind("\n", 0, position) + 1)


def _is_speech(text: str, quote: Quote, has_cue: bool, lines_are_paragraphs: bool = False) -> bool:
    """A quoted term or title (匾上写着”潇湘馆”三字) is not speech: short, unpunctuated and uncued."""
    if has_cue:
        return True
    own_paragraph = not text[_paragraph_start(text, quote.start, lines_are_paragraphs) : quote.start].strip()
    return own_paragraph or len(quote.body) > 8 or bool(_SPEECHLIKE.search(quote.body))


def _zh_lines(text: str, quotes: list[Quote], known: frozenset[str]) -> list[Line]:
    lexicon = zh.learn_names(text, quotes, known)
    lines = []
    for quote in quotes:
        if zh.is_thought(text, quote.start):
            continue
        cue = zh.speaker_before(text, quote.start, lexicon)
        if cue is None or cue.speaker is None:
            cue = zh.speaker_after(text, quote.end, lexicon) or cue
        if not _is_speech(text, quote, cue is not None):
            continue
        speaker = cue.speaker if cue else None
        if speaker is None and cue is not None and cue.subjectless and lines and lines[-1].speaker:
            # A cue without a subject continues the last speaker: “…”便向佳蕙道：“…”
            if quote.start - lines[-1].end <= 80:
                lines.append(Line(lines[-1].speaker, clean(quote.body), quote.start, quote.end, True, "cue"))
                continue
        lines.append(Line(speaker, clean(quote.body), quote.start, quote.end, False, "cue" if speaker else ""))
    return lines


def _en_speakers(text: str, quotes: list[Quote], known: frozenset[str], by_line: bool) -> set[str]:
    speakers = set(known)
    for quote in quotes:
        tag = en.tag_after(text, quote.end, lines_are_paragraphs=by_line)
        if tag is None:
            tag = en.tag_before(text, _paragraph_start(text, quote.start, by_line), quote.start)
        if tag and tag.kind == "name":
            speakers.add(tag.subject)
    return speakers


def _en_lines(text: str, quotes: list[Quote], known: frozenset[str]) -> list[Line]:
    by_line = _lines_are_paragraphs(text)
    speakers = _en_speakers(text, quotes, known, by_line)
    lines: list[Line] = []
    recent: list[str] = []
    thought_end = -1
    for quote in quotes:
        paragraph = _paragraph_start(text, quote.start, by_line)
        after = en.tag_after(text, quote.end, lines_are_paragraphs=by_line)
        before = en.tag_before(text, paragraph, quote.start)
        tag = after or before
        if (tag and tag.thought) or (tag is None and thought_end > paragraph):
            thought_end = quote.end  # "…," thought Alice; "only…": the thought goes on
            continue
        narration = re.sub(r"[“\"][^”\"]*[”\"]", " ", text[paragraph : quote.start])
        speaker = en.resolve(tag, narration, speakers, recent) if tag else None
        previous = lines[-1] if lines else None
        if (
            previous is not None
            and previous.end > paragraph
            and quote.start - previous.end < 120
            and ((after is None and speaker in (None, previous.speaker)) or speaker == previous.speaker)
        ):
            # "I know," said Elizabeth, "that you are right.": one line in two quotes.
            previous.text = clean(f"{previous.text} {quote.body}")
            previous.end = quote.end
            continue
        if not _is_speech(text, quote, tag is not None, by_line):
            continue
        method = "cue" if speaker else ""
        if speaker is None and tag is None:
            speaker = en.narration_subject(narration, speakers)
            method = "narration" if speaker else ""
        line = Line(speaker, clean(quote.body), quote.start, quote.end, False, method)
        line.group = bool(tag and tag.subject in ("they", "we"))
        lines.append(line)
        if speaker:
            recent.append(speaker)
    return lines


def _fill_run(run: list[Line], before: list[str], after: str | None, parties: list[str]) -> None:
    """Alternate two parties over lines with no speaker, from the known speakers around them."""
    last = before[-1]
    other = next((name for name in reversed(before) if name != last), None)
    if not other and after and after != last:
        other = after
    if not other and last in parties:
        other = next((name for name in parties if name != last), None)
    if not other:
        return
    for number, line in enumerate(run):
        line.speaker = (other, last)[number % 2]
        line.inferred = True
        line.method = "alternation"


def infer_by_alternation(lines: list[Line]) -> None:
    """In an exchange, a line with no speaker belongs to the party whose turn it is."""
    named = Counter(line.speaker for line in lines if line.speaker and not line.group)
    parties = [name for name, _count in named.most_common(2)]
    number = 0
    while number < len(lines):
        if lines[number].speaker is not None or lines[number].group:
            number += 1
            continue
        end = number
        while end < len(lines) and lines[end].speaker is None and not lines[end].group:
            end += 1
        before = [line.speaker for line in lines[max(0, number - 6) : number] if line.speaker]
        after = lines[end].speaker if end < len(lines) else None
        run = lines[number:end]
        if before:
            _fill_run(run, before, after, parties)
        elif after:
            # Count back from the first known speaker: the line before it is the other party's.
            following = [line.speaker for line in lines[end : end + 6] if line.speaker]
            other = next((name for name in following if name != after), None)
            if other:
                for offset, line in enumerate(reversed(run)):
                    line.speaker = other if offset % 2 == 0 else after
                    line.inferred = True
                    line.method = "alternation"
        number = end


def _gap_too_long(text: str, end: int, start: int, max_gap: int) -> bool:
    """Whether the narration between two lines ends an exchange (English words count a third)."""
    gap = start - end
    if gap <= max_gap:
        return False
    return gap > max_gap * 3 or is_cjk(text[end:start])


def _exchanges(text: str, lines: list[Line], max_gap: int) -> list[list[Line]]:
    groups: list[list[Line]] = []
    for line in lines:
        if groups and not _gap_too_long(text, groups[-1][-1].end, line.start, max_gap):
            groups[-1].append(line)
        else:
            groups.append([line])
    return groups


def detect_lines(
    text: str, *, known_names: frozenset[str] | set[str] = frozenset(), max_gap: int = MAX_GAP
) -> list[Line]:
    """Every dialogue line, in text order: script speeches first, then quotes outside them."""
    known = frozenset(known_names)
    script = [
        Line(display_name(line.speaker), line.text, line.start, line.end, False, "script")
        for line in script_lines(text)
    ]
    taken_starts = [line.start for line in script]
    taken_ends = [line.end for line in script]

    def inside_script(position: int) -> bool:
        index = bisect_right(taken_starts, position) - 1
        return index >= 0 and position < taken_ends[index]

    quotes = [quote for quote in find_quotes(text) if not inside_script(quote.start)]
    zh_quotes = [quote for quote in quotes if is_cjk(quote.body)]
    en_quotes = [quote for quote in quotes if not is_cjk(quote.body)]
    prose = _zh_lines(text, zh_quotes, known) + _en_lines(text, en_quotes, known)
    prose.sort(key=lambda line: line.start)
    for exchange in _exchanges(text, prose, max_gap):
        infer_by_alternation(exchange)
    return sorted(script + prose, key=lambda line: line.start)


def detect_candidates(
    text: str, *, max_gap: int = MAX_GAP, min_lines: int = 2, known_names: frozenset[str] | set[str] = frozenset()
) -> list[Candidate]:
    """Passages of consecutive dialogue lines separated by little narration, in text order."""
    candidates: list[Candidate] = []
    boundaries = [chapter.start for chapter in split_chapters(text)]
    current: list[Line] = []

    def close() -> None:
        if len(current) >= min_lines:
            candidates.append(Candidate(current[0].start, current[-1].end, list(current)))
        current.clear()

    for line in detect_lines(text, known_names=known_names, max_gap=max_gap):
        if current:
            following = bisect_left(boundaries, current[-1].end)
            crosses_chapter = following < len(boundaries) and boundaries[following] <= line.start
            if _gap_too_long(text, current[-1].end, line.start, max_gap) or crosses_chapter:
                close()
        current.append(line)
    close()
    return candidates


def normalise_line(text: str) -> str:
    """For scoring: letters and digits only, lower case (punctuation and spacing vary by edition)."""
    return "".join(
        char.lower() for char in unicodedata.normalize("NFKC", text) if unicodedata.category(char)[0] in "LN"
    )
