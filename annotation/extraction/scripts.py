"""Plays and screenplays: speaker names set apart from the speech by the layout.

Layouts found in plain-text editions:

- the name alone on its line, then the speech on the following lines up to a blank line:
  ``First Citizen:`` (colon), ``HAMLET.`` (full stop), ``BERNARDO`` (upper case), and the
  screenplay's centred ``RICK (V.O.)`` with ``(beat)`` parentheticals under it;
- the name opening the speech's line: ``HAMLET. Who's there?``, ``Algernon.  Did you hear…``,
  ``Name: line``, ``宝玉：台词``.

A layout counts only for names that recur (a cast speaks more than once), headings such as
``SCENE II. The same, at midnight.`` are never names, and stage directions (``Enter…``,
``Exit``, ``[Aside]``, ``(beat)``, a short line standing alone between speeches) are kept out
of the speech. A speech that a stage direction interrupts goes on after it.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from annotation.extraction.chapters import is_heading

_NAME_WORD = r"[A-Z][A-Za-z'’\-]*"
_UPPER_WORD = r"[A-Z][A-Z'’\-]+"
_EXTENSION = r"(?:[ \t]*\((?:V\.O\.|O\.S\.|O\.C\.|CONT'D|CONT’D|cont'd|contd)\))?"
OWN_LINE = re.compile(
    r"^(?P<indent>[ \t]*)(?P<name>" + _NAME_WORD + r"(?:[ \t]" + _NAME_WORD + r"){0,3})" + _EXTENSION
    + r"[ \t]*(?P<mark>[:.]?)[ \t]*$",
    re.M,
)  # fmt: skip
INLINE_EN = re.compile(
    r"^[ \t]*(?P<name>(?:(?:Lady|Miss|Lord|Sir|Mrs\.|Mr\.) )?" + _NAME_WORD + r"(?: " + _NAME_WORD + r"){0,2})"
    r"(?P<mark>\.|:)(?:[ \t]+)(?P<speech>\S[^\n]*)$",
    re.M,
)
INLINE_ZH = re.compile(
    r"^[ \t\u3000]*(?P<name>[\u4e00-\u9fff·]{1,8})(?:[（(][^）)\n]{0,20}[）)])?(?P<mark>[：:　])[ \t\u3000]*"
    r"(?P<speech>[^\n“「\"][^\n]*)$",
    re.M,
)
DIRECTION = re.compile(
    r"^[ \t]*(?:[\[(（【].*[\])）】]|(?:Enter|Exit|Exeunt|Re-enter|Manet|Flourish|Alarum|Sennet|Dies|Aside"
    r")\b.*|[A-Z][A-Z ]+(?:enters|exits|goes)\b.*)[ \t]*$"
)
_BRACKETED = re.compile(r"[\[(（【][^\])）】\n]{0,120}[\])）】]")
NOT_NAMES = frozenset(
    "ACT SCENE EXIT EXEUNT ENTER THE END CHAPTER NOTE PART BOOK PROLOGUE EPILOGUE INTERIOR EXTERIOR INT EXT "
    "CUT FADE DISSOLVE CONTINUED MORE TITLE CURTAIN FINIS PERSONS DRAMATIS MR MRS MS DR ST YES NO WELL OH AH "
    "THEN BUT AND SO THE A AN I O IT THIS THAT THERE HERE NOW WHAT WHY HOW".split()
)


# Chinese novels introduce poems and asides the way a script introduces a speaker.
ZH_NOT_NAMES = frozenset(
    "诗曰 词曰 赞曰 正是 有诗为证 有诗为赞 诗云 但见 只见 却说 话说 且说 原来 注 按 批 又 曰".split()
)
_ZH_INTRODUCERS = ("正是", "诗曰", "词曰", "赞曰", "为证", "为赞", "诗云")
_ZH_SPEECH_VERB = re.compile(r"(?:说道|笑道|问道|答道|冷笑道|道|曰|说)$")


@dataclass
class ScriptLine:
    speaker: str
    text: str
    start: int
    end: int


def _name_ok(name: str) -> bool:
    words = name.upper().split()
    return bool(words) and words[0] not in NOT_NAMES and not is_heading(name)


def _speech_after(text: str, position: int) -> tuple[str, int]:
    """The speech under an own-line name: lines up to a blank line, parentheticals dropped."""
    parts = []
    end = position
    for match in re.finditer(r"[^\n]*\n?", text[position:]):
        line = match.group()
        if not line.strip():
            break
        end = position + match.end()
        stripped = line.strip()
        if DIRECTION.match(stripped):
            continue
        parts.append(_BRACKETED.sub("", stripped).strip())
    return " ".join(part for part in parts if part), end


def _own_line(text: str) -> list[ScriptLine]:
    found = []
    for match in OWN_LINE.finditer(text):
        name = match.group("name")
        upper = name.isupper()
        if not (match.group("mark") or upper) or not _name_ok(name):
            continue
        if match.end() + 1 >= len(text) or text[match.end() + 1 : match.end() + 2] in ("\n", ""):
            continue  # the speech must start on the next line
        speech, end = _speech_after(text, match.end() + 1)
        if speech:
            found.append(ScriptLine(name, speech, match.start("name"), end))
    return found


def _opens_paragraph(text: str, position: int) -> bool:
    before = text[max(0, position - 4) : position]
    return position == 0 or bool(re.search(r"\n[ \t]*\n[ \t]*$|^[ \t]*$", before))


def _continuation(text: str, first: str, end: int) -> tuple[str, int]:
    """A verse speech goes on over the following lines, up to a blank line or the next speaker."""
    parts = [_BRACKETED.sub("", first).strip()]
    while end < len(text) and text[end] == "\n":
        next_end = text.find("\n", end + 1)
        next_end = len(text) if next_end == -1 else next_end
        line = text[end + 1 : next_end]
        stripped = line.strip()
        if not stripped or DIRECTION.match(stripped) or is_heading(stripped):
            break
        if INLINE_EN.match(line) or INLINE_ZH.match(line) or OWN_LINE.match(line):
            break
        if any("\u4e00" <= char <= "\u9fff" for char in stripped):
            break  # Chinese script lines do not wrap
        parts.append(_BRACKETED.sub("", stripped).strip())
        end = next_end
    return " ".join(part for part in parts if part), end


def _inline(text: str) -> list[ScriptLine]:
    found = []
    for pattern in (INLINE_EN, INLINE_ZH):
        for match in pattern.finditer(text):
            name = match.group("name")
            if pattern is INLINE_ZH:
                if name in ZH_NOT_NAMES or name.endswith(_ZH_INTRODUCERS):
                    continue
                name = _ZH_SPEECH_VERB.sub("", name)  # 宝玉道：你来了 (an edition without quote marks)
            if not _name_ok(name) or name in ZH_NOT_NAMES:
                continue
            title_case_dot = pattern is INLINE_EN and not name.isupper() and match.group("mark") == "."
            if title_case_dot and not _opens_paragraph(text, match.start()):
                continue
            speech, end = _continuation(text, match.group("speech"), match.end())
            if speech:
                found.append(ScriptLine(name, speech, match.start("name"), end))
    return found


def _continue_after_directions(text: str, lines: list[ScriptLine]) -> None:
    """A speech goes on after a stage direction that interrupts it (``Re-enter Ghost``)."""
    starts = {line.start for line in lines}
    for number, line in enumerate(lines):
        limit = lines[number + 1].start if number + 1 < len(lines) else len(text)
        position = line.end
        while position < limit:
            block = re.match(r"\n*([^\n][^\n]*(?:\n[^\n]+)*)", text[position:limit])
            if not block or position + block.start(1) in starts:
                break
            paragraph = block.group(1)
            first = paragraph.strip().splitlines()[0] if paragraph.strip() else ""
            is_direction = DIRECTION.match(first) or (len(first.split()) <= 3 and not re.search(r"[,.;:!?]$", first))
            if is_heading(first):
                break
            if not is_direction:
                speech, _end = _speech_after(text, position + block.start(1))
                line.text = f"{line.text} {speech}".strip()
                line.end = position + block.end(1)
            position += block.end(1)


def _adjacent(text: str, first: ScriptLine, second: ScriptLine) -> bool:
    """Two speeches with nothing but space and stage directions between them."""
    if second.start < first.start:
        first, second = second, first
    between = text[first.end : second.start]
    return all(not line.strip() or DIRECTION.match(line) for line in between.splitlines())


def script_lines(text: str) -> list[ScriptLine]:
    """Every speech in a script layout whose speaker name recurs, in text order."""
    candidates = sorted(_own_line(text) + _inline(text), key=lambda line: line.start)
    counts = Counter(line.speaker for line in candidates)
    recurring = sum(count for count in counts.values() if count >= 2)
    lines: list[ScriptLine] = []
    for number, line in enumerate(candidates):
        neighbours = candidates[max(0, number - 1) : number] + candidates[number + 1 : number + 2]
        adjacent = any(_adjacent(text, line, other) for other in neighbours)
        if counts[line.speaker] < 2 and recurring < 3 and not adjacent:
            continue  # a name that speaks once counts only in a text that reads as a script
        if lines and line.start < lines[-1].end:
            continue
        lines.append(line)
    # Plays continue a speech after a direction; screenplays (centred names) never do.
    own_line_layout = any(text[line.start : line.end].count("\n") for line in lines)
    centred = any(line.start - (text.rfind("\n", 0, line.start) + 1) >= 4 for line in lines)
    if own_line_layout and not centred:
        _continue_after_directions(text, lines)
    for line in lines:
        line.text = " ".join(line.text.split())
    return lines


def display_name(name: str) -> str:
    """``FIRST CITIZEN`` -> ``First Citizen``; mixed-case names stay as printed."""
    return name.title() if name.isupper() and len(name) > 1 and name.isascii() else name
