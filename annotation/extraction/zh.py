"""Speakers of Chinese prose quotes, from the clause around each quote.

A cue is a speech verb next to the quote: before it (``宝玉笑道：“…”``, ``瑜问曰：“…”``,
``红玉立住笑问道:“…”``) or after it (``“…”黛玉又向外叫道。``). The speaker is the subject of the
cue's sentence: the clause just before the verb, or, when that clause is only an action or a
manner (``一面笑向宝玉道``, ``拱手说道``, ``因说道``), the clause that opens the sentence.

Names are learned from the work itself: the strings that most often open a cue's clause
(``红玉道``, ``红玉笑道``, ``红玉立住笑问道`` all open with 红玉), plus names already known (the
project's characters). Pronouns, function words, adverbs and gestures are never names.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

# Speech verbs, longest first so that 笑道 wins over 道. A cue ends the text before a quote.
_VERBS = (
    "冷笑道|陪笑道|说道|笑道|问道|答道|叫道|喊道|嚷道|骂道|叹道|回道|劝道|哭道|喝道|应道|接道|报道|啐道|"
    "笑说|说|道|曰|问|答|叫|喊|嚷|骂|叹|云|言|报|吟|唱"
)
CUE_BEFORE = re.compile(r"(?P<verb>" + _VERBS + r")(?:了?一声|着|得一声)?[ \t]*[：:，,；;]?[\s\u3000]*$")
CUE_AFTER = re.compile(
    r"[ \t]*(?P<head>[^。！？!?“”\"「」\n：:]{0,14}?)(?P<verb>" + _VERBS + r")(?P<end>[。，,！!；;])"
)
# Inner speech: 想道, 心想, 暗忖, 暗道 … a quote after one of these is a thought, not a line.
THOUGHT = re.compile(r"(?:想|忖|思|暗)(?:道|曰|着)?[ \t]*[：:，,]?[ \t\u3000]*$|心[中里内]?[暗自]?想")

_OPENERS = (
    "只见", "忽见", "却见", "又见", "但见", "只听", "忽听", "又听", "却说", "且说", "话说", "于是", "当下",
    "此时", "这时", "那时", "随即", "原来", "不想", "谁知", "说着", "一时", "正说着", "这里", "那里",
    "忽报", "人报", "忽", "随", "那", "这", "见", "听", "因", "便", "却", "又", "也", "乃", "遂", "方", "才", "就", "只", "且", "忙",
)  # fmt: skip
# Words that are never a speaker: pronouns, function words, adverbs, manners and gestures.
NOT_NAMES = frozenset(
    "我 你 他 她 它 您 我们 你们 他们 她们 咱们 大家 众人 有人 人 自己 此人 谁 那人 这人 二人 两人 三人 "
    "因 便 又 也 乃 遂 却 方 才 就 都 还 只 先 且 忙 笑 叹 哭 急 怒 喝 问 说 答 着 了 在 向 对 和 与 跟 "
    "一面 一边 一壁 一头 拱手 作揖 低声 高声 大声 轻声 柔声 厉声 冷声 笑着 含笑 微笑 冷笑 大笑 陪笑 忙笑 "
    "连忙 赶忙 急忙 慌忙 只得 因又 便又 接着 接口 插嘴 插口 点头 摇头 低头 回头 抬头 叹气 起身 上前 "
    "过来 进来 出来 上来 下来 走来 跑来 坐下 站起 站起来 拍手 跌足 顿足 半晌 良久 一时 此时 这时 忽然 "
    "随即 当下 后来 说着 听了 听说 见问 见说 答应 应声 回道 口中 口里 心中 心里 嘴里 里面 外面 窗外 门外 "
    "于是 只见 只听 原来 不想 谁知 果然 然后 一面说 一面笑 合掌 躬身 施礼 作礼 叉手 跺脚 拍案 掩口 "
    "一 二 三 众 诸 各 某 此 彼 其 之 者 心内 双手 两手 一手 手里 手中 眼中 脸上 身上 今 今日 如今".split()
)
# Characters that do not end a name (a name does not end in a verb ending or a preposition).
_BAD_NAME_CHARS = set("的了着把被在向对和跟与朝望看听见说道笑问答叫喊忙便又也因就都还只才方却乃遂将得地，,。：:")
_BAD_FIRST_CHARS = set("不没无别再很最太更一两几这那今此其即入出进")
_NEVER_IN_NAME = set("他她我你们得闻听见说道着了的是在有把被将又便")
_ADDRESSEE = re.compile(r"(?:对|向|和|跟|与|朝|望着|看着|问|谓|拉着|推)")
_CLAUSE_SPLIT = re.compile(r"[，,；;、：:\s\u3000]+")
_SENTENCE_END = re.compile(r"[。！？!?”\"」』\n]")
_CJK_ONLY = re.compile(r"^[\u4e00-\u9fff·]+$")


def _strip_openers(clause: str) -> str:
    changed = True
    while changed:
        changed = False
        for opener in _OPENERS:
            if clause.startswith(opener) and len(clause) > len(opener):
                clause = clause[len(opener) :]
                changed = True
    return clause


_TRAILING = (
    "冷笑", "陪笑", "含笑", "微笑", "大笑", "笑着", "笑", "冷", "忙", "又", "便", "也", "因", "乃", "遂", "却",
    "才", "方", "就", "都", "还", "只", "先", "且", "叹", "哭", "急", "怒", "喝", "听了", "见说", "低声", "高声",
    "连忙", "一面", "答", "高", "问", "惊", "喜", "怒", "大喜", "大惊", "亦", "乃", "遂", "即", "再", "复",
)  # fmt: skip


def _strip_trailing(clause: str) -> str:
    """``黛玉冷笑`` -> ``黛玉``, ``紫鹃插嘴`` -> ``紫鹃``: manner words between a name and its verb."""
    changed = True
    while changed:
        changed = False
        for word in _TRAILING_WORDS:
            if clause.endswith(word) and len(clause) > len(word):
                clause = clause[: -len(word)]
                changed = True
    return clause


_PLACES = {
    "里面",
    "外面",
    "窗外",
    "门外",
    "口中",
    "口里",
    "心中",
    "心里",
    "嘴里",
    "心内",
    "手里",
    "手中",
    "眼中",
    "脸上",
    "身上",
}
_TRAILING_WORDS = tuple(
    sorted(set(_TRAILING) | {word for word in NOT_NAMES if len(word) >= 2} - _PLACES, key=len, reverse=True)
)


def plausible_name(name: str) -> bool:
    return (
        bool(name)
        and len(name) <= 4
        and bool(_CJK_ONLY.match(name))
        and name not in NOT_NAMES
        and name[-1] not in _BAD_NAME_CHARS
        and name[0] not in _BAD_NAME_CHARS
        and not (set(name) & _NEVER_IN_NAME)
        and name[0] not in _BAD_FIRST_CHARS
    )


COUNT_WINDOW = 20_000  # characters


@dataclass
class NameLexicon:
    """Name-like strings of one work, counted where they open a speech cue."""

    prefixes: Counter
    heads: Counter
    known: frozenset[str]
    text: str = ""
    at: int = 0  # where in the text the quote being attributed is
    _counts: dict[tuple[str, int], int] = field(default_factory=dict)

    def count(self, snippet: str) -> int:
        """How often ``snippet`` occurs near the current quote (within a block or so around it).

        Counting in a bounded window keeps the detector linear on a whole novel; names recur locally.
        """
        block = self.at // COUNT_WINDOW
        key = (snippet, block)
        if key not in self._counts:
            start = max(0, (block - 1) * COUNT_WINDOW)
            self._counts[key] = self.text.count(snippet, start, (block + 2) * COUNT_WINDOW)
        return self._counts[key]

    def name_at_start(self, clause: str) -> str | None:
        """The longest learned or known name that opens ``clause``."""
        clause = _strip_openers(clause)
        for name in sorted(self.known, key=len, reverse=True):
            if clause.startswith(name) and clause[len(name) : len(name) + 1] != "的":
                return name
        best = None
        for length in range(2, min(4, len(clause)) + 1):
            prefix = clause[:length]
            seen_alone = self.heads.get(prefix, 0) >= 1 and self.count(prefix) >= 2  # 黛玉道 and 黛玉一面…
            if (self.prefixes.get(prefix, 0) >= 2 or seen_alone) and plausible_name(prefix):
                best = prefix
        if best is None and self.heads.get(clause[:1], 0) >= 2 and plausible_name(clause[:1]):
            best = clause[:1]  # a one-character name (瑜曰, 肃曰) that opens cues on its own
        if best and clause[len(best) : len(best) + 1] == "的":
            return None  # 黛玉的奶娘: a possessive, not the speaker
        return best

    def recurring_prefix(self, clause: str) -> str | None:
        """A two- or three-character opening that the work repeats often (大圣, 长老, 菩萨)."""
        for length in (3, 2):
            prefix = clause[:length]
            if len(prefix) == length and plausible_name(prefix) and self.count(prefix) >= 3:
                if clause[length : length + 1] != "的":
                    return prefix
        return None


def _cue_heads(text: str, quotes: list) -> list[str]:
    heads = []
    for quote in quotes:
        before = text[max(0, quote.start - 40) : quote.start]
        cue = CUE_BEFORE.search(before)
        if cue:
            sentence = _SENTENCE_END.split(before[: cue.start()])[-1]
            clause = _CLAUSE_SPLIT.split(sentence)[-1] if sentence else ""
            heads.append(_strip_openers(clause))
        after = CUE_AFTER.match(text, quote.end, min(len(text), quote.end + 20))
        if after:
            heads.append(_strip_openers(_CLAUSE_SPLIT.split(after.group("head"))[0]))
    return [head for head in heads if head]


def learn_names(text: str, quotes: list, known: frozenset[str] = frozenset()) -> NameLexicon:
    prefixes: Counter = Counter()
    heads: Counter = Counter()
    for head in _cue_heads(text, quotes):
        heads[_strip_trailing(head)] += 1
        for length in range(2, min(4, len(head)) + 1):
            prefixes[head[:length]] += 1
    return NameLexicon(prefixes, heads, frozenset(name for name in known if name), text)


_HEARING = ("见", "闻", "听", "被", "听了", "听见")
_HEARD = re.compile(r"(?:听|闻)(?:得|见)?(?P<rest>.*)$")
_PERCEIVED = ("只见", "忽见", "却见", "又见", "但见", "见", "只听", "忽听", "又听", "听", "闻")


def _clause_subject(
    clause: str, lexicon: NameLexicon, *, own: bool, classical: bool = False, first: bool = False
) -> str | None:
    """The name opening one clause; ``own`` is the verb's own clause, where a short head counts."""
    addressed = _ADDRESSEE.search(clause)
    if addressed and addressed.start() > 0:
        clause = clause[: addressed.start()]  # 玄德乃问孔明 -> 玄德乃
    elif addressed:
        return None  # 向佳蕙: the clause names who is spoken to
    name = lexicon.name_at_start(clause)
    if name:
        return name
    opened = _strip_openers(clause)
    stripped = _strip_trailing(opened)
    if own and 2 <= len(stripped) <= 3 and plausible_name(stripped):
        return stripped  # a short subject of its own cue: 甘宁曰, 程普曰
    if own and classical and len(stripped) == 1 and plausible_name(stripped) and lexicon.count(stripped) >= 2:
        return stripped  # 仁曰, 矫曰: classical prose names people by one character
    if own and stripped == "人" and clause.startswith(("那人", "这人")):
        return clause[:2]
    return lexicon.recurring_prefix(opened) if own or first else None


def _subject(sentence: str, lexicon: NameLexicon, *, classical: bool = False) -> tuple[str | None, bool]:
    """(the speaker named in the cue's sentence, whether the sentence has no subject at all).

    The verb's own clause names the speaker (``宝玉笑道``); when it is only an action or a manner
    (``一面笑向宝玉道``, ``拱手说道``) the sentence's subject is in its first clauses, except
    clauses that name what someone saw (``又见坠儿追索``). ``X听得Y道`` names Y. A sentence of
    only adverbs and gestures (``便向佳蕙道``) has no subject: Chinese then means the last speaker.
    """
    clauses = [clause for clause in _CLAUSE_SPLIT.split(sentence) if clause]
    if not clauses:
        return None, True
    last = clauses[-1]
    heard = _HEARD.search(_strip_openers(last))
    if heard and not lexicon.name_at_start(last):
        return _clause_subject(heard.group("rest"), lexicon, own=True), False
    name = _clause_subject(last, lexicon, own=True, classical=classical)
    if name:
        return name, False
    for position, clause in enumerate(clauses[:-1]):
        if clause.startswith(_PERCEIVED):
            continue
        name = _clause_subject(clause, lexicon, own=False, first=position == 0)
        if name:
            return name, False
    subjectless = all(
        not _strip_trailing(_strip_openers(clause))
        or _strip_trailing(_strip_openers(clause)) in NOT_NAMES
        or bool(_ADDRESSEE.match(_strip_openers(clause)))
        for clause in clauses
    )
    return None, subjectless


@dataclass(frozen=True)
class Cue:
    speaker: str | None
    subjectless: bool  # a cue whose sentence names nobody: the last speaker goes on


def speaker_before(text: str, quote_start: int, lexicon: NameLexicon) -> Cue | None:
    """The speech cue before the quote (``宝玉笑道：“``), if there is one."""
    lexicon.at = quote_start
    before = text[max(0, quote_start - 80) : quote_start]
    cue = CUE_BEFORE.search(before)
    if not cue:
        return None
    sentence = _SENTENCE_END.split(before[: cue.start()])[-1]
    return Cue(*_subject(sentence, lexicon, classical=cue.group("verb") == "曰"))


def speaker_after(text: str, quote_end: int, lexicon: NameLexicon) -> Cue | None:
    """The cue after the quote (``“…”黛玉又向外叫道。``), if there is one."""
    lexicon.at = quote_end
    after = CUE_AFTER.match(text, quote_end, min(len(text), quote_end + 20))
    if not after or after.group("head").endswith(_HEARING):
        return None  # 坠儿见问, 罗刹闻言: someone heard the line, nobody speaks
    return Cue(*_subject(after.group("head"), lexicon, classical=after.group("verb") == "曰"))


def is_thought(text: str, quote_start: int) -> bool:
    return bool(THOUGHT.search(text[max(0, quote_start - 12) : quote_start]))
