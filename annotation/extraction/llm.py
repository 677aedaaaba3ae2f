"""Optional LLM pass: speakers for the lines the rules leave uncertain, checked against the passage.

The model sees the passage and its numbered lines, with the speakers the rules found, and answers
one JSON object ``{"speakers": {"<number>": "<name>"}}`` for the lines marked ``?``. An answer is
used only when it names a line that was uncertain and a name that the passage (or the list of
known names) contains; anything else (another line, a name the model made up, a reply that is not
JSON) leaves the line as it was. Lines the LLM attributes get ``method="llm"``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass

from annotation.extraction.detect import Candidate, Line
from annotation.llm import ChatClient

CONTEXT = 600  # characters of narration before the passage that the model also sees
MAX_NAME = 40
AFTER = 200  # characters after the passage: the tag of its last line

SYSTEM = (
    "You attribute lines of dialogue in a novel or play to their speakers. Answer with one JSON object "
    '{"speakers": {"<line number>": "<speaker name>"}} for the lines marked "?" only. Use each speaker\'s '
    "name exactly as the passage writes it. Leave out a line when the passage does not say who speaks it."
)


@dataclass(frozen=True)
class LLMAttribution:
    asked: int  # uncertain lines sent to the model
    accepted: int  # answers that passed the checks
    rejected: list[str]  # why the other answers were not used


def _prompt(passage: str, lines: list[Line]) -> str:
    numbered = "\n".join(
        f"[{number}] {line.speaker if not line.uncertain else '?'}: {line.text}" for number, line in enumerate(lines, 1)
    )
    return f"Passage:\n{passage}\n\nLines:\n{numbered}"


def _parse(reply: str) -> dict[str, str]:
    cleaned = re.sub(r"^```(?:json)?\s*|\s*```$", "", reply.strip())
    data = json.loads(cleaned)
    speakers = data.get("speakers") if isinstance(data, dict) else None
    if not isinstance(speakers, dict):
        raise ValueError("no speakers object")
    return {str(key): value for key, value in speakers.items()}


def _in_passage(name: str, passage: str, known: set[str]) -> bool:
    if name in known:
        return True
    if re.search(r"[\u4e00-\u9fff]", name):
        return name in passage
    return re.search(r"\b" + re.escape(name) + r"\b", passage, re.IGNORECASE) is not None


def attribute_candidate(
    text: str, candidate: Candidate, *, client: ChatClient, known_names: Iterable[str] = ()
) -> LLMAttribution:
    """Ask the model for the uncertain lines of one candidate passage; apply the answers that check out.

    A provider that cannot be reached or refuses the key raises ``LLMError``.
    """
    uncertain = [number for number, line in enumerate(candidate.lines, 1) if line.uncertain]
    if not uncertain:
        return LLMAttribution(0, 0, [])
    passage = text[max(0, candidate.start - CONTEXT) : candidate.end + AFTER]
    messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": _prompt(passage, candidate.lines)}]
    result = client.complete(messages, temperature=0.0, json_mode=True)  # LLMError: the caller decides
    try:
        answers = _parse(result.text)
    except ValueError as error:
        return LLMAttribution(len(uncertain), 0, [f"reply not used: {error}"])
    known = {name for name in known_names if name}
    accepted, rejected = 0, []
    for key, name in answers.items():
        if not key.isdigit() or int(key) not in uncertain:
            rejected.append(f"line {key}: not one of the uncertain lines")
            continue
        if not isinstance(name, str) or not name.strip() or len(name.strip()) > MAX_NAME:
            rejected.append(f"line {key}: not a name")
            continue
        name = name.strip()
        if not _in_passage(name, passage, known):
            rejected.append(f"line {key}: {name!r} does not occur in the passage")
            continue
        line = candidate.lines[int(key) - 1]
        line.speaker, line.inferred, line.method = name, False, "llm"
        accepted += 1
    return LLMAttribution(len(uncertain), accepted, rejected)


def attribute_uncertain(
    text: str, candidates: list[Candidate], *, client: ChatClient, known_names: Iterable[str] = ()
) -> LLMAttribution:
    """The LLM pass over every candidate that has uncertain lines."""
    names = list(known_names)
    asked, accepted, rejected = 0, 0, []
    for candidate in candidates:
        outcome = attribute_candidate(text, candidate, client=client, known_names=names)
        asked += outcome.asked
        accepted += outcome.accepted
        rejected += outcome.rejected
    return LLMAttribution(asked, accepted, rejected)
