"""Speakers of English prose quotes, from the speech tag around each quote.

A tag follows the quote (``"…," said Alice.``, ``"…," the March Hare meekly replied``) or precedes
it in the same paragraph (``Alice replied very readily: "…"``). Its subject is a name, a pronoun
(``she remarked``) or a relation (``cried his wife``):

- a name is taken as printed, without a leading "the";
- a pronoun is the person the paragraph's narration names before the quote, else the most recent
  speaker of that gender (known from titles: Mrs., Miss, Lady / Mr., Sir, Lord);
- a relation (wife, mother, lady / husband, father) is the one speaker with the matching title.

Anything else stays unattributed for the alternation pass or the LLM.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

VERBS = (
    "said|says|asked|asks|replied|replies|answered|cried|shouted|whispered|exclaimed|returned|added|"
    "continued|muttered|called|began|repeated|remarked|observed|inquired|demanded|sighed|grumbled|"
    "pleaded|interrupted|ventured|growled|murmured|screamed|shrieked|sobbed|yelled|roared|snapped|"
    "retorted|protested|agreed|insisted|urged|suggested|explained|declared|thought|went on|put in|"
    "broke in|addressed (?:him|her|them)(?: with)?|said to (?:him|her)self|thought to (?:him|her)self"
)
_TITLE = r"(?:Mr\.|Mrs\.|Miss|Ms\.|Dr\.|Lady|Sir|Lord|Captain|Colonel|Aunt|Uncle|Madame|Monsieur)"
_NAME = r"(?:(?:the|The) )?(?:" + _TITLE + r" )?[A-Z][a-z'’]+(?: [A-Z][a-z'’]+)?"
_PRONOUN = r"(?:he|she|they|I|He|She|They|we|We)"
_RELATION = r"(?:his|her|their) (?:wife|husband|mother|father|lady|daughter|son|sister|brother|mamma|papa|aunt|uncle)"
SUBJECT = r"(?P<subject>" + _RELATION + r"|" + _PRONOUN + r"|" + _NAME + r")"
_ADVERB = r"(?:[a-z]+ly |very |only |again |at last |then )?"

TAG_AFTER = re.compile(
    r"[ \t]*[,;:—-]?[ \t]*\n?[ \t]*(?:(?P<verb1>" + VERBS + r")[ \t\n]+" + SUBJECT.replace("subject", "subject1")
    + r"|" + SUBJECT + r"[ \t\n]+" + _ADVERB + r"(?P<verb2>" + VERBS + r"))\b"
)  # fmt: skip
TAG_BEFORE = re.compile(
    SUBJECT + r"[ \t\n]+(?:[a-z]+,?[ \t\n]+){0,5}?(?P<verb>" + VERBS + r")\b(?:[^.!?\"“”\n]{0,40}[,:])?[ \t]*$"
)
NOT_NAMES = frozenset(
    "It This That There Then But And Oh Yes No Well What Why How When Where Who Here Now So If As "
    "The A An Not Nor Or Do Did Does Is Was Were Are Be Come Go Let Pray Dear Ah Alas Indeed".split()
)
_FEMALE_TITLES = ("Mrs.", "Miss", "Ms.", "Lady", "Aunt", "Madame")
_MALE_TITLES = ("Mr.", "Sir", "Lord", "Uncle", "Monsieur", "Captain", "Colonel", "Dr.")
_FEMALE = {"she", "wife", "mother", "lady", "daughter", "sister", "mamma", "aunt"}
_MALE = {"he", "husband", "father", "son", "brother", "papa", "uncle"}
_NAME_IN_NARRATION = re.compile(_NAME)
_SENTENCE_END = re.compile(r"(?<!Mr)(?<!Mrs)(?<!Ms)(?<!Dr)(?<!St)[.!?”\"]\s")


@dataclass(frozen=True)
class Tag:
    subject: str  # as printed, "the" removed
    kind: str  # "name", "pronoun", "relation"
    thought: bool


def _tag(subject: str, verb: str) -> Tag | None:
    subject = re.sub(r"^(?:the|The) ", "", subject.strip())
    thought = verb.startswith("thought")
    lower = subject.lower()
    if re.fullmatch(_RELATION, lower):
        return Tag(subject, "relation", thought)
    if re.fullmatch(_PRONOUN, subject):
        return Tag(lower, "pronoun", thought)
    if subject.split()[0] in NOT_NAMES:
        return None
    return Tag(subject, "name", thought)


def tag_after(text: str, quote_end: int, *, lines_are_paragraphs: bool = False) -> Tag | None:
    """The tag after a quote; it may run onto the next line only in hard-wrapped text."""
    limit = min(len(text), quote_end + 80)
    if lines_are_paragraphs:
        newline = text.find("\n", quote_end, limit)
        limit = newline if newline != -1 else limit
    match = TAG_AFTER.match(text, quote_end, limit)
    if not match:
        return None
    subject = match.group("subject1") or match.group("subject")
    return _tag(subject, match.group("verb1") or match.group("verb2"))


def tag_before(text: str, paragraph_start: int, quote_start: int) -> Tag | None:
    before = text[max(paragraph_start, quote_start - 120) : quote_start]
    before = _SENTENCE_END.split(before)[-1]
    match = TAG_BEFORE.search(before)
    return _tag(match.group("subject"), match.group("verb")) if match else None


def gender(name_or_word: str) -> str | None:
    word = name_or_word.split()[-1].lower() if " " in name_or_word and name_or_word[:1].islower() else name_or_word
    if name_or_word.startswith(_FEMALE_TITLES) or word in _FEMALE:
        return "f"
    if name_or_word.startswith(_MALE_TITLES) or word in _MALE:
        return "m"
    return None


def names_in(narration: str, speakers: set[str]) -> list[str]:
    """Speakers the narration mentions, in order (``The Hatter opened his eyes…`` -> Hatter)."""
    found = []
    for match in _NAME_IN_NARRATION.finditer(narration):
        name = re.sub(r"^(?:the|The) ", "", match.group())
        for speaker in speakers:
            if name == speaker or name.startswith(speaker + " ") or speaker.endswith(" " + name):
                found.append(speaker)
    return found


def narration_subject(narration: str, speakers: set[str]) -> str | None:
    """The speaker an untagged quote's paragraph opens with: ``The March Hare took the watch…``."""
    sentence = _SENTENCE_END.split(narration.strip())[-1] if narration.strip() else ""
    for candidate in (narration.strip(), sentence):
        mentioned = names_in(candidate[:40], speakers)
        if mentioned:
            return mentioned[0]
    return None


def resolve(tag: Tag, narration: str, speakers: set[str], recent: list[str]) -> str | None:
    """The speaker a tag names, given the work's speakers and the most recent speakers (newest last)."""
    if tag.kind == "name":
        return tag.subject
    if tag.subject in ("they", "we", "i"):
        return None
    if tag.kind == "pronoun":
        mentioned = names_in(narration, speakers)
        if mentioned:
            return mentioned[0]
    wanted = gender(tag.subject.split()[-1])
    if wanted is None:
        return None
    for name in reversed(recent):
        if gender(name) == wanted:
            return name
    matching = sorted(name for name in speakers if gender(name) == wanted)
    return matching[0] if len(matching) == 1 else None
