"""Which tokens a chat model learns from: the character's (assistant) turns, found from the chat template.

Any chat template works, with or without ``{% generation %}`` markers. The conversation is rendered
prefix by prefix, as LLaMA-Factory does with its own templates: for each assistant message the
prompt before it (``add_generation_prompt=True``) and the conversation up to it are rendered, and
the text between the two, up to the turn's end-of-turn text (trailing whitespace excluded), is the
assistant span. Its tokens are supervised; everything else (system prompt, player turns, role
labels) is context. A template that renders nothing after the reply (ChatGLM3, the CharacterGLM-6B
prompt format) has no stop marker of its own: the tokenizer's EOS is appended to the reply and
supervised, so that the model learns to stop.

When the template has ``{% generation %}`` markers, their mask (``return_assistant_tokens_mask``)
is used and compared with the rendered-prefix mask; disagreements are counted.

Sequences longer than ``max_length`` are truncated from the left by whole turns (the system prompt
and the last character reply are kept); when even the last exchange is too long its left side is
cut token by token; an example whose last reply cannot fit, or that has no supervised token, is
dropped.
"""

from __future__ import annotations

import bisect
import itertools
import re
from dataclasses import dataclass, field
from typing import Any

IGNORE_INDEX = -100
MASK_FROM_MARKERS = "generation markers"
MASK_FROM_RENDERING = "rendered turns"

_GENERATION_MARKER = re.compile(r"\{%-?\s*generation\s*-?%\}")

Messages = list[dict[str, str]]


class TemplateError(ValueError):
    """A chat template whose assistant turns cannot be located (the message says why)."""


@dataclass(frozen=True)
class AssistantSpan:
    """Characters ``[start, end)`` of the rendered text the model learns; ``add_eos`` when no end-of-turn follows."""

    start: int
    end: int
    add_eos: bool


@dataclass(frozen=True)
class Rendering:
    text: str
    spans: list[AssistantSpan]


@dataclass
class Encoded:
    input_ids: list[int]
    labels: list[int]
    marker_mismatch: bool = False

    @property
    def supervised(self) -> int:
        return sum(1 for label in self.labels if label != IGNORE_INDEX)


@dataclass
class EncodingReport:
    """What happened to one split's examples on the way to token ids (written to metrics and the job page)."""

    examples: int = 0
    kept: int = 0
    truncated: int = 0
    dropped: int = 0
    tokens: int = 0
    supervised_tokens: int = 0
    marker_mismatches: int = 0
    mask_source: str = MASK_FROM_RENDERING
    first_mismatch: str | None = field(default=None, repr=False)

    def as_dict(self) -> dict[str, Any]:
        return {
            "examples": self.examples,
            "kept": self.kept,
            "truncated": self.truncated,
            "dropped": self.dropped,
            "tokens": self.tokens,
            "supervised_tokens": self.supervised_tokens,
            "mask_source": self.mask_source,
            "marker_mismatches": self.marker_mismatches,
        }


def has_generation_markers(template: Any) -> bool:
    return isinstance(template, str) and bool(_GENERATION_MARKER.search(template))


def _uses_markers(tokenizer) -> bool:
    """Whether the template's ``{% generation %}`` markers give the mask (they need a fast tokenizer's offsets)."""
    return getattr(tokenizer, "is_fast", False) and has_generation_markers(tokenizer.get_chat_template())


def _common_prefix(a: str, b: str) -> int:
    """Length of the longest common prefix (string comparisons run in C; a binary search over them)."""
    if b.startswith(a):
        return len(a)
    low, high = 0, min(len(a), len(b))
    while low < high:
        middle = (low + high + 1) // 2
        if a[:middle] == b[:middle]:
            low = middle
        else:
            high = middle - 1
    return low


def _squeeze(text: str) -> str:
    return " ".join(text.split())


class _Renderer:
    """Renders conversations with the tokenizer's chat template, as ``apply_chat_template(tokenize=False)`` does.

    The compiled template is called directly with the variables transformers gives it (the special
    tokens, ``tools`` and ``documents`` unset): ``apply_chat_template`` spends most of its time
    copying the messages, and a conversation is rendered once per assistant turn here.
    """

    def __init__(self, tokenizer) -> None:
        self.tokenizer = tokenizer
        self.template = tokenizer.get_chat_template()
        try:
            from transformers.utils.chat_template_utils import _compile_jinja_template

            self.compiled = _compile_jinja_template(self.template)
        except (ImportError, AttributeError):  # another transformers: its public path, slower
            self.compiled = None
        self.variables = {**tokenizer.special_tokens_map, "tools": None, "documents": None}

    def __call__(self, messages: Messages, *, generation_prompt: bool) -> str:
        try:
            if self.compiled is None:
                return self.tokenizer.apply_chat_template(
                    messages, tokenize=False, add_generation_prompt=generation_prompt
                )
            return self.compiled.render(messages=messages, add_generation_prompt=generation_prompt, **self.variables)
        except Exception as error:  # jinja raises its own errors (and templates call raise_exception)
            raise TemplateError(f"the chat template cannot render this conversation: {error}") from error


def render_assistant_spans(tokenizer, messages: Messages) -> Rendering:
    """The rendered conversation and the character spans of its assistant turns."""
    render = _Renderer(tokenizer)
    text = render(messages, generation_prompt=False)
    spans = []
    for index, message in enumerate(messages):
        if message["role"] != "assistant" or not message["content"].strip():
            continue
        prompt = render(messages[:index], generation_prompt=True) if index else ""
        upto = render(messages[: index + 1], generation_prompt=False)
        start = _common_prefix(prompt, upto)
        # The turn ends at its end-of-turn text; the whitespace after it belongs to the next turn.
        end = min(len(upto.rstrip()), _common_prefix(upto, text))
        if _common_prefix(text, upto[:start]) < start or end <= start:
            raise TemplateError(
                "the chat template does not render a conversation's beginning the same way as the whole "
                f"conversation (assistant turn {index}), so its turns cannot be located"
            )
        reply = _squeeze(message["content"])
        add_eos = _squeeze(text[start:end]).endswith(reply)
        spans.append(AssistantSpan(start, end, add_eos))
    return Rendering(text, spans)


def _token_ranges(tokenizer, rendering: Rendering) -> tuple[list[int], list[tuple[int, int]]]:
    """Token ids of the rendered text and, per span, its tokens ``[first, last]``."""
    if getattr(tokenizer, "is_fast", False):
        encoding = tokenizer(rendering.text, add_special_tokens=False, return_offsets_mapping=True)
        ids, offsets = list(encoding["input_ids"]), encoding["offset_mapping"]
        # The tokens that overlap a span: from the first that ends after its start to the last that
        # starts before its end (zero-width tokens never open or close a range).
        ends = list(itertools.accumulate((e if e > s else 0 for s, e in offsets), max))
        starts = [s if e > s else -1 for s, e in offsets]
        ranges = []
        for span in rendering.spans:
            first = bisect.bisect_right(ends, span.start)
            last = first
            while last + 1 < len(offsets) and starts[last + 1] < span.end:
                last += 1
            ranges.append((first, last))
        return ids, ranges
    # Slow tokenizers have no offsets: the pieces between span boundaries are encoded one by one.
    ids, ranges, cursor = [], [], 0
    for span in rendering.spans:
        ids += tokenizer.encode(rendering.text[cursor : span.start], add_special_tokens=False)
        first = len(ids)
        ids += tokenizer.encode(rendering.text[span.start : span.end], add_special_tokens=False)
        ranges.append((first, len(ids) - 1))
        cursor = span.end
    ids += tokenizer.encode(rendering.text[cursor:], add_special_tokens=False)
    return ids, ranges


def _marker_mask(tokenizer, messages: Messages) -> tuple[list[int], list[int]]:
    output = tokenizer.apply_chat_template(
        messages, tokenize=True, return_dict=True, return_assistant_tokens_mask=True, add_generation_prompt=False
    )
    return list(output["input_ids"]), list(output["assistant_masks"])


def encode_conversation(tokenizer, messages: Messages) -> Encoded:
    """Token ids and labels (``-100`` outside the character's turns) of one whole conversation."""
    rendering = render_assistant_spans(tokenizer, messages)
    ids, ranges = _token_ranges(tokenizer, rendering)
    mask = [0] * len(ids)
    for first, last in ranges:
        mask[first : last + 1] = [1] * (last - first + 1)
    mismatch = False
    if _uses_markers(tokenizer):
        marker_ids, marker_mask = _marker_mask(tokenizer, messages)
        mismatch = marker_ids != ids or marker_mask != mask
        labels = [token if bit else IGNORE_INDEX for token, bit in zip(marker_ids, marker_mask, strict=True)]
        return Encoded(marker_ids, labels, mismatch)
    input_ids, labels = [], []
    ends = {last: span.add_eos for (_, last), span in zip(ranges, rendering.spans, strict=True)}
    for position, (token, bit) in enumerate(zip(ids, mask, strict=True)):
        input_ids.append(token)
        labels.append(token if bit else IGNORE_INDEX)
        if ends.get(position):
            input_ids.append(tokenizer.eos_token_id)
            labels.append(tokenizer.eos_token_id)
    return Encoded(input_ids, labels)


def _last_reply_start(encoded: Encoded) -> int:
    """Index of the first supervised token of the last supervised run (the last reply)."""
    index = len(encoded.labels) - 1
    while index >= 0 and encoded.labels[index] == IGNORE_INDEX:
        index -= 1
    while index > 0 and encoded.labels[index - 1] != IGNORE_INDEX:
        index -= 1
    return index


def _windows(messages: Messages) -> tuple[Messages, Messages, list[int]]:
    """System messages, the body up to its last assistant turn, and where a shorter window may start."""
    lead = 0
    while lead < len(messages) and messages[lead]["role"] == "system":
        lead += 1
    system, body = messages[:lead], messages[lead:]
    last = max((i for i, m in enumerate(body) if m["role"] == "assistant"), default=-1)
    body = body[: last + 1]
    starts = [i for i in range(1, len(body)) if body[i]["role"] == "user"]
    return system, body, starts


def encode_example(tokenizer, messages: Messages, max_length: int) -> tuple[Encoded | None, bool]:
    """``(encoded, truncated)``; ``encoded`` is None when the example is dropped (nothing left to learn)."""
    encoded = encode_conversation(tokenizer, messages)
    if encoded.supervised == 0:
        return None, False
    if len(encoded.input_ids) <= max_length:
        return encoded, False
    system, body, starts = _windows(messages)
    # Drop whole turns from the left: the widest window that fits (the length falls as the start moves right).
    low, high, best = 0, len(starts) - 1, None
    while low <= high:
        middle = (low + high) // 2
        candidate = encode_conversation(tokenizer, system + body[starts[middle] :])
        if len(candidate.input_ids) <= max_length and candidate.supervised:
            best, high = candidate, middle - 1
        else:
            low = middle + 1
    if best is not None:
        return best, True
    # Even the last exchange is too long: cut its left side, keeping the whole last reply.
    smallest = encode_conversation(tokenizer, system + body[starts[-1] :]) if starts else encoded
    cut = len(smallest.input_ids) - max_length
    if cut > _last_reply_start(smallest):
        return None, True
    return Encoded(smallest.input_ids[cut:], smallest.labels[cut:], smallest.marker_mismatch), True


def encode_examples(tokenizer, examples: list[dict], max_length: int) -> tuple[list[dict], EncodingReport]:
    """``{"input_ids", "labels"}`` rows for ``examples`` (``{"messages": …}``), and what was truncated or dropped."""
    report = EncodingReport(mask_source=MASK_FROM_MARKERS if _uses_markers(tokenizer) else MASK_FROM_RENDERING)
    rows = []
    for number, example in enumerate(examples, start=1):
        report.examples += 1
        encoded, truncated = encode_example(tokenizer, example["messages"], max_length)
        report.truncated += int(truncated and encoded is not None)
        if encoded is None:
            report.dropped += 1
            continue
        if encoded.marker_mismatch:
            report.marker_mismatches += 1
            report.first_mismatch = report.first_mismatch or f"example {number}"
        report.kept += 1
        report.tokens += len(encoded.input_ids)
        report.supervised_tokens += encoded.supervised
        rows.append({"input_ids": encoded.input_ids, "labels": encoded.labels})
    return rows, report
