"""Decoding uploaded literary works: plain text in any common Chinese or Unicode encoding, and EPUB."""

from __future__ import annotations

import codecs
import io
import re
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from platform_core.validation import forbidden_character_error


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
