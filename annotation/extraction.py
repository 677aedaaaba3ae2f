"""Literary works: decoding uploads, splitting chapters, and detecting candidate dialogue passages.

Pure functions over text; ``annotation.services`` stores what they find. The detector knows four
shapes of dialogue:

- Chinese prose quotes (“…” or 「…」) with a speaker cue before (``宝玉笑道：“…”``) or after
  (``“…”黛玉道。``) the quote;
- Chinese script lines ``角色：台词``;
- English script lines ``NAME. line`` (upper-case name, as in printed plays) and ``Name: line``;
- English prose quotes with a said-verb (``"…," said Alice.`` / ``Alice asked, "…"``).

Lines whose speaker cannot be found get ``speaker=None``; inside a two-party exchange the speaker
of such a line is inferred by alternation.
"""

from __future__ import annotations

import codecs
import io
import re
import unicodedata
import zipfile
from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _

from platform_core.validation import forbidden_character_error

# --- Decoding ---------------------------------------------------------------------------------


class UndecodableText(ValueError):
    pass


# Characters common in Chinese text, simplified and traditional; a correct decoding of Chinese
# prose is dense in them, a wrong one (Big5 read as GBK, or the reverse) is not.
_COMMON_HANZI = set(
    "的一是不了人我在有他这中大来上个国到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可她里后小么"
    "心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经头面公同三已老从动两长知民样现"
    "分将外但身些与高意进把法此实回二理美点月明其种声全工己话儿者向情部正名定女问力机给等几很业最间新什打便位"
    "因重被走电四第门相次东政海口使教西再平真听世气信北少关并内加化由却代军产入先山五太水万市眼体别处总才场师"
    "书比住员九笑性通目华报立马命张活难神数件安表原车白应路期叫死常提感金何更反合放做系计或司利受光王果亲界及"
    "今京务制解各任至清物台象记边共风战干接它许八特觉望直服毛林题建南度统色字请交爱让认算论百吃义科怎元社术结"
    "六功指思非流每青管夫连远资队跟带花快条院变联言权往展该领传近留红治决周保达办运武半候七必城父强步完革深区"
    "即求品士转量空甚众技轻程告江语英基派满式李息写呢识极令黄德收脸钱党倒未持取设始版双历越史商千片容研像找友"
    "孩站广改议形委早房音火际则首单据导影失拿网香似斯专石若兵弟谁校读志飞观争究包组造落视济喜离虽坐集编宝谈府"
    "拉黑且随格尽剑讲布杀微怕母调局根曾准团段终乐切级克精哪官示冷云病哥姐妹宝玉黛钗姑娘奶太爷们罢呀吧哩么啊呵"
    "這個們來說國時會後對於過學發當沒裡麼還進動種開見長問間現樣點從經頭實裡這話兒與關將聽學兩覺讓氣東條車馬門"
    "寶釵黛奶爺們罷麼們個説話這請聽"
)


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str


def _hanzi_score(text: str) -> float:
    """Share of CJK ideographs that are common characters (0 when there are none)."""
    ideographs = [char for char in text if "\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf"]
    if not ideographs:
        return 0.0
    return sum(char in _COMMON_HANZI for char in ideographs) / len(ideographs)


def _looks_like_utf16(data: bytes) -> str | None:
    """UTF-16 without a BOM: Latin text has a NUL in every other byte; CJK text decodes cleanly."""
    if len(data) < 4 or len(data) % 2:
        return None
    sample = data[:4000]
    even_nuls = sample[0::2].count(0) / (len(sample) / 2)
    odd_nuls = sample[1::2].count(0) / (len(sample) / 2)
    if odd_nuls > 0.3 and even_nuls < 0.05:
        return "utf-16-le"
    if even_nuls > 0.3 and odd_nuls < 0.05:
        return "utf-16-be"
    return None


def decode_text(data: bytes) -> Decoded:
    """Decode an uploaded plain-text work: UTF-8, UTF-16 (BOM or not), GB18030/GBK or Big5.

    Raises ``UndecodableText`` with a message a person can act on, also when the decoded text holds a
    NUL character or a lone surrogate anywhere (platform_core.validation).
    """
    decoded = _decode(data)
    if reason := forbidden_character_error(decoded.text):
        raise UndecodableText(_("The text %(reason)s Is it a binary file?") % {"reason": reason})
    return decoded


def _densest_in_common_hanzi(data: bytes, names: tuple[str, ...]) -> tuple[float, str, str] | None:
    """(score, encoding, text) of the decoding richest in common Chinese characters, or None."""
    candidates = []
    for name in names:
        try:
            text = data.decode(name)
        except UnicodeDecodeError:
            continue
        candidates.append((_hanzi_score(text), name, text))
    return max(candidates) if candidates else None


def _decode(data: bytes) -> Decoded:
    if not data.strip():
        raise UndecodableText(_("The file is empty."))
    for bom, name in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return Decoded(data.decode(name), "utf-16" if name == "utf-16" else "utf-8")
            except UnicodeDecodeError as error:
                raise UndecodableText(
                    _("The file starts with a %(name)s byte-order mark but is not %(name)s.") % {"name": name}
                ) from error
    utf16 = ("utf-16-le", "utf-16-be") if len(data) % 2 == 0 else ()
    if b"\x00" in data[:4000]:
        latin = _looks_like_utf16(data)
        if latin:
            try:
                return Decoded(data.decode(latin), latin)
            except UnicodeDecodeError:
                pass
        # Chinese UTF-16 has NUL bytes only in ASCII characters (line breaks, digits, punctuation).
        found = _densest_in_common_hanzi(data, utf16)
        if found is not None and found[0] >= 0.2:
            return Decoded(found[2], found[1])
        raise UndecodableText(_("The file contains NUL bytes and is not UTF-16 text; is it a binary file?"))
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    # UTF-16 without a BOM (Chinese text) is judged like GB18030 and Big5: by how dense the decoded
    # text is in common characters.
    found = _densest_in_common_hanzi(data, ("gb18030", "big5", *utf16))
    if found is None:
        raise UndecodableText(
            _(
                "The file's encoding is not recognised: it is not UTF-8, UTF-16, GB18030/GBK or Big5. "
                "Save it as UTF-8 and upload again."
            )
        )
    score, name, text = found
    if score < 0.2:
        raise UndecodableText(
            _(
                "The file decodes as %(name)s only into unusual characters; its encoding is probably "
                "something else. Save it as UTF-8 and upload again."
            )
            % {"name": name.upper()}
        )
    return Decoded(text, name)


def _check_epub_size(data: bytes) -> None:
    """Refuse an EPUB whose members unpack to more than ``EPUB_MAX_UNPACKED_BYTES`` (a zip bomb), from
    its directory, before anything is unpacked (reading a member stops at its recorded size)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, ValueError) as error:
        raise UndecodableText(_("The EPUB cannot be read: %(error)s") % {"error": error}) from error
    if unpacked > settings.EPUB_MAX_UNPACKED_BYTES:
        raise UndecodableText(
            _("The EPUB unpacks to %(size)d MB; the limit is %(limit)d MB.")
            % {"size": unpacked // 2**20, "limit": settings.EPUB_MAX_UNPACKED_BYTES // 2**20}
        )


def epub_text(data: bytes) -> str:
    """The text of an EPUB's documents in reading order, one paragraph per line."""
    import tempfile
    from html.parser import HTMLParser

    import ebooklib
    from ebooklib import epub

    class _Text(HTMLParser):
        BLOCKS = {"p", "div", "br", "h1", "h2", "h3", "h4", "li", "tr"}

        def __init__(self) -> None:
            super().__init__()
            self.parts: list[str] = []

        def handle_starttag(self, tag, attrs) -> None:
            if tag in self.BLOCKS:
                self.parts.append("\n")

        def handle_data(self, data) -> None:
            self.parts.append(data)

    _check_epub_size(data)
    with tempfile.NamedTemporaryFile(suffix=".epub") as handle:
        handle.write(io.BytesIO(data).getvalue())
        handle.flush()
        try:
            book = epub.read_epub(handle.name)
        except Exception as error:  # ebooklib raises several unrelated types on bad files
            raise UndecodableText(_("The EPUB cannot be read: %(error)s") % {"error": error}) from error
    chunks = []
    for item_id, _linear in book.spine:
        item = book.get_item_with_id(item_id)
        if item is None or item.get_type() != ebooklib.ITEM_DOCUMENT:
            continue
        parser = _Text()
        parser.feed(item.get_content().decode("utf-8", errors="replace"))
        chunks.append("".join(parser.parts))
    text = "\n".join(line.strip() for chunk in chunks for line in chunk.splitlines())
    return re.sub(r"\n{3,}", "\n\n", text).strip()


# --- Chapters ---------------------------------------------------------------------------------

_CHAPTER = re.compile(
    r"^[ \t\u3000]*("
    r"第[0-9０-９一二三四五六七八九十百千零〇两]+[回章节幕场卷部集]"
    r"|(?:chapter|book|act|part)\s+(?:[0-9]+|[ivxlc]+)\b"
    r"|scene\s+(?:[0-9]+|[ivxlc]+)\b"
    r")[^\n]{0,60}$",
    re.IGNORECASE | re.MULTILINE,
)


@dataclass(frozen=True)
class Chapter:
    title: str
    start: int
    end: int


def split_chapters(text: str) -> list[Chapter]:
    """Chapters from headings like ``第一回 …``, ``Chapter 3``, ``ACT II``; one chapter if none."""
    heads = list(_CHAPTER.finditer(text))
    if not heads:
        return [Chapter("—", 0, len(text))]
    chapters = []
    if text[: heads[0].start()].strip():
        chapters.append(Chapter("—", 0, heads[0].start()))
    for number, head in enumerate(heads):
        end = heads[number + 1].start() if number + 1 < len(heads) else len(text)
        chapters.append(Chapter(head.group(0).strip()[:200], head.start(), end))
    return chapters


# --- Candidate detection ----------------------------------------------------------------------


@dataclass
class Line:
    speaker: str | None
    text: str
    start: int
    end: int
    inferred: bool = False


@dataclass
class Candidate:
    start: int
    end: int
    lines: list[Line] = field(default_factory=list)

    def as_json(self) -> dict:
        return {
            "start": self.start,
            "end": self.end,
            "lines": [{"speaker": line.speaker, "text": line.text} for line in self.lines],
        }


_ZH_VERBS = "道|说|问|答|叫|喊|嚷|笑|骂|叹|回|劝"
_ZH_CUE_END = re.compile(r"(?:说道|笑道|问道|答道|叫道|喊道|嚷道|骂道|叹道|回道|劝道|说|道|问|答道|答)[:：,，]?\s*$")
_ZH_CUE_AFTER = re.compile(r"^\s*([\u4e00-\u9fff]{1,12}?)(?:说道|笑道|问道|答道|叫道|说|道|问|答)[。，,！!]")
# Words that sit between a name and its said-verb: "宝玉听了，忙笑道".
_ZH_MODIFIERS = (
    "听了", "听说", "笑着", "冷笑", "忙笑", "便笑", "又笑", "也笑", "点头", "摇头", "低头", "回头", "抬头",
    "连忙", "赶忙", "急忙", "只得", "因又", "便又", "接着", "接口", "叹气", "含笑", "微笑", "大笑", "哭着",
    "笑", "忙", "便", "又", "也", "因", "乃", "遂", "却", "才", "方", "就", "都", "还", "只", "先", "且",
    "叹", "哭", "急", "怒", "喝", "问", "说", "答", "着", "了", "在旁", "在一旁", "上前", "过来", "进来",
    "出来", "勒马", "起身", "站起来", "坐下", "拍手", "拍着手", "冷", "插嘴", "插口", "接口",
)  # fmt: skip
_ZH_PREFIXES = (
    "只见",
    "忽见",
    "却见",
    "又见",
    "只听",
    "忽听",
    "却说",
    "于是",
    "那",
    "这",
    "见",
    "听",
    "因",
    "便",
    "却",
)
_ZH_ADDRESSEE = re.compile(r"^([\u4e00-\u9fff]{1,4}?)(?:对|向|和|跟|与|朝|望着|看着)[\u4e00-\u9fff]{1,6}$")
_NOT_NAMES = {
    "我", "你", "他", "她", "它", "我们", "你们", "他们", "她们", "大家", "众人", "有人", "人", "一人", "自己",
    "半晌", "良久", "一时", "此时", "这时", "忽然", "随即", "当下", "后来",
}  # fmt: skip

_EN_SAID = r"(?:said|says|asked|asks|replied|replies|answered|cried|shouted|whispered|exclaimed|returned|added|continued|muttered|called|began|repeated|remarked|observed|inquired|demanded)"
_EN_NAME = r"\b((?:Mr\.|Mrs\.|Miss|Dr\.|Lady|Sir|Lord)?\s?[A-Z][a-z]+(?:\s[A-Z][a-z]+)?|he|she|He|She|I)"
_EN_AFTER = re.compile(
    r"^[ \t]*,?[ \t]*(?:" + _EN_SAID + r"\s+" + _EN_NAME + r"|" + _EN_NAME + r"\s+" + _EN_SAID + r")\b"
)
_EN_SAID_WORD = re.compile(r"\b" + _EN_SAID + r"\b")
_EN_BEFORE = re.compile(_EN_NAME + r"\s+" + _EN_SAID + r"(?:\s+\w+){0,3}\s*[,:]?\s*$")

_SCRIPT_ZH = re.compile(
    r"^[ \t\u3000]*([\u4e00-\u9fffA-Za-z·]{1,8})(?:[（(][^）)\n]{0,20}[）)])?[：:][ \t\u3000]*(\S[^\n]*)$", re.M
)
_SCRIPT_EN_DOT = re.compile(r"^[ \t]*([A-Z][A-Z'\-]+(?:\s[A-Z][A-Z'\-]+){0,2})\.[ \t]+(\S[^\n]*)$", re.M)
_SCRIPT_EN_COLON = re.compile(r"^[ \t]*([A-Z][A-Za-z'\-]+(?:\s[A-Z][A-Za-z'\-]+){0,2}):[ \t]+(\S[^\n]*)$", re.M)
_STAGE = re.compile(r"[（(\[][^）)\]\n]{0,60}[）)\]]")
_QUOTES = (("“", "”"), ("「", "」"), ('"', '"'))
_PRONOUNS_EN = {"he", "she", "i", "He", "She", "I"}
_SCRIPT_NOT_NAMES = {"ACT", "SCENE", "EXIT", "EXEUNT", "ENTER", "THE END", "CHAPTER", "NOTE", "PART", "BOOK"}

MAX_GAP = 160  # narration characters that may separate two lines of one exchange


def _is_cjk(text: str) -> bool:
    cjk = sum("\u4e00" <= char <= "\u9fff" for char in text)
    return cjk > len(text) * 0.2


def _clean_zh_name(segment: str, known: set[str]) -> str | None:
    segment = re.sub(r"[\s\u3000]", "", segment)
    addressed = _ZH_ADDRESSEE.match(segment)
    if addressed:
        segment = addressed.group(1)
    changed = True
    while changed and segment:
        changed = False
        for prefix in _ZH_PREFIXES:
            if segment.startswith(prefix) and len(segment) > len(prefix) + 1:
                segment = segment[len(prefix) :]
                changed = True
        for modifier in _ZH_MODIFIERS:
            if segment.endswith(modifier) and len(segment) > len(modifier):
                segment = segment[: -len(modifier)]
                changed = True
    if not segment or segment in _NOT_NAMES:
        return None
    # A known name (seen in a short, unambiguous cue) at the start wins: "唐僧勒马" -> "唐僧".
    for name in sorted(known, key=len, reverse=True):
        if segment.startswith(name) and len(segment) > len(name):
            return name
    if len(segment) > 4:
        return None
    return segment


def _zh_speaker_before(text: str, quote_start: int, known: set[str]) -> str | None:
    window = text[max(0, quote_start - 40) : quote_start]
    if not _ZH_CUE_END.search(window):
        return None
    cue = _ZH_CUE_END.search(window)
    sentence = re.split(r"[。！？!?；;”」\n]", window[: cue.start()])[-1]
    # The speaker is in the clause just before the verb ("宝玉笑道"), or opens the sentence when
    # the clause is only an action ("黛玉抬头看了他一眼，道").
    name = _clean_zh_name(re.split(r"[，,：:]", sentence)[-1], known)
    if name in known:
        return name
    opening = re.sub(r"^[\s\u3000]+", "", sentence)
    for known_name in sorted(known, key=len, reverse=True):
        if opening.startswith(known_name):
            return known_name
    return name


def _zh_speaker_after(text: str, quote_end: int, known: set[str]) -> str | None:
    window = text[quote_end : quote_end + 16]
    match = _ZH_CUE_AFTER.match(window)
    if not match:
        return None
    return _clean_zh_name(match.group(1), known)


def _en_speaker(text: str, quote_start: int, quote_end: int) -> str | None:
    after = _EN_AFTER.match(text[quote_end : quote_end + 60])
    if after:
        name = (after.group(1) or after.group(2) or "").strip()
        return None if name in _PRONOUNS_EN else name
    before_window = text[max(0, quote_start - 60) : quote_start]
    before_window = re.split(r'[.!?"”]\s', before_window)[-1]
    before = _EN_BEFORE.search(before_window)
    if before:
        name = before.group(1).strip()
        return None if name in _PRONOUNS_EN else name
    return None


def _quote_lines(text: str) -> list[Line]:
    """Quoted speech in prose, with the speaker read from the cue around each quote."""
    spans = []
    for open_mark, close_mark in _QUOTES:
        if open_mark == close_mark:
            pattern = re.compile(r'"([^"\n]{1,800})"')
        else:
            pattern = re.compile(
                re.escape(open_mark) + r"([^" + open_mark + close_mark + r"]{1,800})" + re.escape(close_mark)
            )
        for match in pattern.finditer(text):
            spans.append((match.start(), match.end(), match.group(1)))
    spans.sort()
    # First pass: names from unambiguous short cues, to resolve longer clauses later.
    known: set[str] = set()
    for start, end, _body in spans:
        for name in (_zh_speaker_before(text, start, set()), _zh_speaker_after(text, end, set())):
            if name and len(name) <= 3:
                known.add(name)
    lines: list[Line] = []
    for start, end, body in spans:
        body = body.strip()
        if not body:
            continue
        if _is_cjk(body):
            speaker = _zh_speaker_before(text, start, known) or _zh_speaker_after(text, end, known)
        else:
            speaker = _en_speaker(text, start, end)
        # "I know," said Elizabeth, "that you are right.": one line in two quotes.
        if lines and not _is_cjk(body):
            previous = lines[-1]
            between = text[previous.end : start]
            if (
                "\n" not in between
                and len(between) < 60
                and _EN_SAID_WORD.search(between)
                and speaker in (None, previous.speaker)
            ):
                previous.text = previous.text + " " + body
                previous.end = end
                continue
        lines.append(Line(speaker, body, start, end))
    return lines


def _script_lines(text: str) -> list[Line]:
    lines = []
    for pattern in (_SCRIPT_ZH, _SCRIPT_EN_DOT, _SCRIPT_EN_COLON):
        for match in pattern.finditer(text):
            name, speech = match.group(1).strip(), match.group(2).strip()
            if name.upper() in _SCRIPT_NOT_NAMES or name in _NOT_NAMES:
                continue
            if pattern is _SCRIPT_ZH and ("“" in speech[:1] or "「" in speech[:1]):
                continue  # prose: 他说："…" is handled as a quote
            speech = _STAGE.sub("", speech).strip()
            if not speech:
                continue
            if pattern is _SCRIPT_EN_DOT:
                name = name.title()
            lines.append(Line(name, speech, match.start(), match.end()))
    # Verse plays continue a speech on the following lines: attach unlabelled lines that follow.
    lines.sort(key=lambda line: line.start)
    merged: list[Line] = []
    for line in lines:
        if merged and merged[-1].start == line.start:
            continue
        merged.append(line)
    starts = {line.start for line in merged}
    for line in merged:
        tail_end = line.end
        while True:
            next_break = text.find("\n", tail_end + 1)
            candidate = text[tail_end + 1 : next_break if next_break != -1 else len(text)]
            if not candidate.strip() or tail_end + 1 in starts:
                break
            if _CHAPTER.match(candidate) or candidate.strip().startswith(("[", "(", "（", "Enter", "Exit", "Exeunt")):
                break
            if _is_cjk(line.text) or tail_end + 1 >= len(text):
                break
            line.text = line.text + " " + candidate.strip()
            line.end = tail_end + 1 + len(candidate)
            tail_end = line.end
    return merged


def _infer_by_alternation(lines: list[Line]) -> None:
    """In a two-party exchange, an unattributed line belongs to the other party."""
    named = [line.speaker for line in lines if line.speaker]
    parties = [name for name, _count in Counter(named).most_common(2)]
    if len(parties) != 2:
        return
    for number, line in enumerate(lines):
        if line.speaker is not None:
            continue
        previous = lines[number - 1].speaker if number > 0 else None
        following = lines[number + 1].speaker if number + 1 < len(lines) else None
        if previous in parties:
            line.speaker = parties[1 - parties.index(previous)]
            line.inferred = True
        elif following in parties:
            line.speaker = parties[1 - parties.index(following)]
            line.inferred = True


def detect_lines(text: str) -> list[Line]:
    """Every dialogue line the detector finds, in text order (script lines win over quotes)."""
    script = _script_lines(text)
    taken_starts = [line.start for line in script]  # sorted, non-overlapping script lines
    taken_ends = [line.end for line in script]

    def inside_script(position: int) -> bool:
        index = bisect_right(taken_starts, position) - 1
        return index >= 0 and position < taken_ends[index]

    quotes = [line for line in _quote_lines(text) if not inside_script(line.start)]
    return sorted(script + quotes, key=lambda line: line.start)


def detect_candidates(text: str, *, max_gap: int = MAX_GAP, min_lines: int = 2) -> list[Candidate]:
    """Passages of consecutive dialogue lines separated by little narration, in text order."""
    candidates: list[Candidate] = []
    boundaries = [chapter.start for chapter in split_chapters(text)]
    current: list[Line] = []

    def close() -> None:
        if len(current) >= min_lines:
            _infer_by_alternation(current)
            candidates.append(Candidate(current[0].start, current[-1].end, list(current)))
        current.clear()

    for line in detect_lines(text):
        if current:
            gap = line.start - current[-1].end
            following = bisect_left(boundaries, current[-1].end)
            crosses_chapter = following < len(boundaries) and boundaries[following] <= line.start
            if gap > max_gap or crosses_chapter:
                close()
        current.append(line)
    close()
    return candidates


def normalise_line(text: str) -> str:
    """For scoring: letters and digits only, lower case (punctuation and spacing vary by edition)."""
    return "".join(
        char.lower() for char in unicodedata.normalize("NFKC", text) if unicodedata.category(char)[0] in "LN"
    )
