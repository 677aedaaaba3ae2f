"""The chat examples of a chunk of dialogues, as JSON lines built in columns.

Every dialogue that reaches the files gives, per prompt variant, one CharacterGLM line and one
messages line. Their bytes are what ``orjson.dumps(example, option=OPT_SORT_KEYS)`` writes for
the example dicts (``tests/exports/build/kernels/test_examples.py`` compares the two): the texts are escaped as
JSON once per segment by a compiled pass, and a second one copies each exchange's texts into both
lines, so Python does a few steps per dialogue instead of building and serialising its dicts.
"""

from dataclasses import dataclass

import numba
import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from exports.build.kernels.batch_curation import string_buffers
from exports.build.kernels.memory import copy_bytes

_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def json_literal(text: str) -> str:
    return orjson.dumps(text).decode()


def json_strings(texts: pa.Array) -> pa.Array:
    """Each (non-null) text as a JSON string literal, quotes included, escaped as orjson escapes."""
    if texts.null_count:
        raise ValueError("Only texts can be written as JSON strings.")
    escaped, escaped_offsets = _escape(*string_buffers(texts), _ESCAPED_SIZE, _SHORT_ESCAPE, _HEX)
    return _string_array(escaped, escaped_offsets, "JSON strings")


def _string_array(data: np.ndarray, offsets: np.ndarray, what: str) -> pa.Array:
    """A string array over the bytes ``data`` and int64 ``offsets`` that a compiled pass made."""
    if offsets[-1] >= 2**31:
        raise ValueError(f"A chunk's {what} outgrow one Arrow string array.")
    return pa.Array.from_buffers(
        pa.string(), len(offsets) - 1, [None, pa.py_buffer(offsets.astype(np.int32)), pa.py_buffer(data)]
    )


# What each byte becomes inside a JSON string: itself, a two-character escape, or \u00XX.
_ESCAPED_SIZE = np.ones(256, dtype=np.int64)
_ESCAPED_SIZE[:0x20] = 6
_ESCAPED_SIZE[[0x08, 0x09, 0x0A, 0x0C, 0x0D, 0x22, 0x5C]] = 2
_SHORT_ESCAPE = np.zeros(256, dtype=np.uint8)
_SHORT_ESCAPE[[0x08, 0x09, 0x0A, 0x0C, 0x0D, 0x22, 0x5C]] = np.frombuffer(b'btnfr"\\', dtype=np.uint8)


@numba.njit(cache=True, nogil=True)
def _escape(data, offsets, escaped_size, short_escape, hex_digits):  # pragma: no cover - compiled
    count = offsets.shape[0] - 1
    out_offsets = np.zeros(count + 1, dtype=np.int64)
    for row in range(count):
        start, end = offsets[row], offsets[row + 1]
        # Counted without a branch or a table per byte (the compiler vectorises it): quotes and
        # backslashes take one byte more; the rare text with a control character is sized by table.
        quoted, control = 0, 0
        for index in range(start, end):
            byte = data[index]
            quoted += (byte == 0x22) | (byte == 0x5C)
            control += byte < 0x20
        extra = quoted
        if control:
            extra = 0
            for index in range(start, end):
                extra += escaped_size[data[index]] - 1
        out_offsets[row + 1] = out_offsets[row] + end - start + 2 + extra
    out = np.empty(out_offsets[count], dtype=np.uint8)
    for row in range(count):
        start, end = offsets[row], offsets[row + 1]
        at = out_offsets[row]
        out[at] = 0x22
        at += 1
        if out_offsets[row + 1] - out_offsets[row] == end - start + 2:
            at = copy_bytes(out, at, data, start, end - start)
        else:
            for index in range(start, end):
                byte = data[index]
                size = escaped_size[byte]
                if size == 1:
                    out[at] = byte
                elif size == 2:
                    out[at] = 0x5C
                    out[at + 1] = short_escape[byte]
                else:
                    out[at] = 0x5C
                    out[at + 1] = 0x75
                    out[at + 2] = 0x30
                    out[at + 3] = 0x30
                    out[at + 4] = hex_digits[byte >> 4]
                    out[at + 5] = hex_digits[byte & 0x0F]
                at += size
        out[at] = 0x22
    return out, out_offsets


def joined_texts(texts: pa.Array, rows: np.ndarray, group_starts: np.ndarray, separator: bytes) -> pa.Array:
    """The texts of ``rows`` joined by ``separator``, one string per group: group ``g`` holds
    ``rows[group_starts[g]:group_starts[g + 1]]`` (the last group runs to the end). Each text is
    copied once, where ``take`` and ``binary_join`` would copy it twice. No text may be null."""
    if texts.null_count:
        raise ValueError("Only texts can be joined.")
    data, offsets = string_buffers(texts)
    joined, joined_offsets = _join(
        data,
        offsets,
        np.asarray(rows, dtype=np.int64),
        np.asarray(group_starts, dtype=np.int64),
        np.frombuffer(separator, dtype=np.uint8).copy(),
    )
    return _string_array(joined, joined_offsets, "joined texts")


@numba.njit(cache=True, nogil=True)
def _join(data, offsets, rows, starts, separator):  # pragma: no cover - compiled
    groups = starts.shape[0]
    joined_offsets = np.zeros(groups + 1, dtype=np.int64)
    for group in range(groups):
        first, last = starts[group], starts[group + 1] if group + 1 < groups else rows.shape[0]
        size = max(last - first - 1, 0) * separator.shape[0]
        for position in range(first, last):
            size += offsets[rows[position] + 1] - offsets[rows[position]]
        joined_offsets[group + 1] = joined_offsets[group] + size
    joined = np.empty(joined_offsets[groups], dtype=np.uint8)
    for group in range(groups):
        first, last = starts[group], starts[group + 1] if group + 1 < groups else rows.shape[0]
        at = joined_offsets[group]
        for position in range(first, last):
            if position > first:
                at = copy_bytes(joined, at, separator, 0, separator.shape[0])
            row = rows[position]
            at = copy_bytes(joined, at, data, offsets[row], offsets[row + 1] - offsets[row])
    return joined, joined_offsets


@dataclass(frozen=True)
class ChunkDialogues:
    """The segments (consecutive kept turns of one speaker, joined) of a chunk's dialogues."""

    segments: pa.Array
    segment_is_character: np.ndarray
    # Dialogue ``i`` has segments ``bounds[i]:bounds[i + 1]``.
    bounds: np.ndarray


@dataclass(frozen=True)
class Exchanges:
    """Where each dialogue's exchange lies among its segments, as the chat formats take it: a
    first segment of the character's is the greeting, an unanswered last one of the player's is
    left out, and the rest alternates player, character."""

    greeting_segment: np.ndarray  # bool: the greeting is the dialogue's first segment
    start: np.ndarray  # first segment of the exchange (the player's)
    pairs: np.ndarray  # number of (player, character) pairs
    unanswered: np.ndarray  # bool: a last segment of the player's was left out


def exchanges(chunk: ChunkDialogues) -> Exchanges:
    first, last = chunk.bounds[:-1], chunk.bounds[1:]
    # One more entry, for the dialogues without segments at the end of the chunk.
    character = np.r_[chunk.segment_is_character.astype(bool), False]
    greeting = (last > first) & character[first]
    start = first + greeting
    unanswered = (last > start) & ~character[np.maximum(last - 1, 0)]
    return Exchanges(
        greeting_segment=greeting, start=start, pairs=(last - unanswered - start) // 2, unanswered=unanswered
    )


@dataclass(frozen=True)
class ExampleHeads:
    """Per example (one per dialogue and prompt variant, in dialogue order), what Python decides."""

    dialogue: np.ndarray  # the example's dialogue (index in the chunk)
    ids: list[str]  # JSON literal of the example id
    session_meta: list[str]  # JSON object: bot_info, bot_name, user_info, user_name
    system_prefix: list[str]  # the system message before the greeting sentence
    greeting_label: list[str]  # the greeting sentence before the greeting ("" when there is none)
    fallback_greeting: list[str]  # the character's own greeting, when the dialogue has no greeting segment


def example_lines(chunk: ChunkDialogues, exchange: Exchanges, heads: ExampleHeads) -> tuple[pa.Array, pa.Array]:
    """(CharacterGLM lines, messages lines), one per example, each ending with a newline."""
    rows = heads.dialogue
    from_segment = exchange.greeting_segment[rows]
    segment_greeting = chunk.segments.take(pa.array(np.minimum(chunk.bounds[:-1][rows], len(chunk.segments) - 1)))
    greeting = pc.if_else(pa.array(from_segment), segment_greeting, pa.array(heads.fallback_greeting, type=pa.string()))
    labels = pa.array(heads.greeting_label, type=pa.string())
    greeting_sentence = pc.if_else(pc.equal(greeting, ""), "", pc.binary_join_element_wise("\n", labels, greeting, ""))
    system = json_strings(pc.binary_join_element_wise(pa.array(heads.system_prefix), greeting_sentence, ""))
    ids = pa.array(heads.ids, type=pa.string())
    # Each exchange's texts are copied once, straight into both lines: Arrow's takes and joins
    # would copy every text once per step.
    characterglm, characterglm_offsets, messages, messages_offsets = _example_bytes(
        *string_buffers(json_strings(chunk.segments)),
        exchange.start[rows].astype(np.int64),
        exchange.pairs[rows].astype(np.int64),
        *string_buffers(json_strings(greeting)),
        *string_buffers(ids),
        *string_buffers(pa.array(heads.session_meta, type=pa.string())),
        *string_buffers(system),
        _PIECES,
    )
    return (
        _string_array(characterglm, characterglm_offsets, "example lines"),
        _string_array(messages, messages_offsets, "example lines"),
    )


# The fixed parts of the two lines, in the order ``_example_bytes`` reads them: a CharacterGLM line
# is {"greeting":G,"history":[[Q,R],[Q,R]],"id":I,"session_meta":M} and a messages line
# {"id":I,"messages":[{"content":S,"role":"system"},{"content":Q,"role":"user"},{"content":R,"role":"assistant"}]}.
_PIECES = tuple(
    np.frombuffer(piece.encode(), dtype=np.uint8)
    for piece in (
        '{"greeting":',
        ',"history":[',
        "[",
        ",",
        "]",
        '],"id":',
        ',"session_meta":',
        "}\n",
        '{"id":',
        ',"messages":[{"content":',
        ',"role":"system"},',
        '{"content":',
        ',"role":"user"},{"content":',
        ',"role":"assistant"}',
        "]}\n",
    )
)


@numba.njit(cache=True, nogil=True, inline="always")
def _put(out, at, source, start, end):  # pragma: no cover - compiled
    return copy_bytes(out, at, source, start, end - start)


@numba.njit(cache=True, nogil=True)
def _example_bytes(
    text, text_offsets, starts, pairs, greeting, greeting_offsets, ids, id_offsets, meta, meta_offsets, system,
    system_offsets, pieces,
):  # pragma: no cover - compiled  # fmt: skip
    (
        glm_open, glm_history, pair_open, comma, pair_close, glm_id, glm_meta, glm_close,
        messages_open, messages_system, system_close, user_open, assistant_open, assistant_close, messages_close,
    ) = pieces  # fmt: skip
    count = starts.shape[0]
    glm_offsets = np.zeros(count + 1, dtype=np.int64)
    messages_offsets = np.zeros(count + 1, dtype=np.int64)
    for row in range(count):
        exchange = text_offsets[starts[row] + 2 * pairs[row]] - text_offsets[starts[row]]
        separators = max(pairs[row] - 1, 0)
        identifier = id_offsets[row + 1] - id_offsets[row]
        glm_offsets[row + 1] = glm_offsets[row] + (
            glm_open.size + greeting_offsets[row + 1] - greeting_offsets[row] + glm_history.size + exchange
            + pairs[row] * (pair_open.size + comma.size + pair_close.size) + separators * comma.size
            + glm_id.size + identifier + glm_meta.size + meta_offsets[row + 1] - meta_offsets[row] + glm_close.size
        )  # fmt: skip
        messages_offsets[row + 1] = messages_offsets[row] + (
            messages_open.size + identifier + messages_system.size + system_offsets[row + 1] - system_offsets[row]
            + system_close.size + exchange + pairs[row] * (user_open.size + assistant_open.size + assistant_close.size)
            + separators * comma.size + messages_close.size
        )  # fmt: skip
    glm = np.empty(glm_offsets[count], dtype=np.uint8)
    messages = np.empty(messages_offsets[count], dtype=np.uint8)
    for row in range(count):
        at = _put(glm, glm_offsets[row], glm_open, 0, glm_open.size)
        at = _put(glm, at, greeting, greeting_offsets[row], greeting_offsets[row + 1])
        at = _put(glm, at, glm_history, 0, glm_history.size)
        to = _put(messages, messages_offsets[row], messages_open, 0, messages_open.size)
        to = _put(messages, to, ids, id_offsets[row], id_offsets[row + 1])
        to = _put(messages, to, messages_system, 0, messages_system.size)
        to = _put(messages, to, system, system_offsets[row], system_offsets[row + 1])
        to = _put(messages, to, system_close, 0, system_close.size)
        for pair in range(pairs[row]):
            query = starts[row] + 2 * pair
            if pair:
                at = _put(glm, at, comma, 0, comma.size)
                to = _put(messages, to, comma, 0, comma.size)
            at = _put(glm, at, pair_open, 0, pair_open.size)
            at = _put(glm, at, text, text_offsets[query], text_offsets[query + 1])
            at = _put(glm, at, comma, 0, comma.size)
            at = _put(glm, at, text, text_offsets[query + 1], text_offsets[query + 2])
            at = _put(glm, at, pair_close, 0, pair_close.size)
            to = _put(messages, to, user_open, 0, user_open.size)
            to = _put(messages, to, text, text_offsets[query], text_offsets[query + 1])
            to = _put(messages, to, assistant_open, 0, assistant_open.size)
            to = _put(messages, to, text, text_offsets[query + 1], text_offsets[query + 2])
            to = _put(messages, to, assistant_close, 0, assistant_close.size)
        at = _put(glm, at, glm_id, 0, glm_id.size)
        at = _put(glm, at, ids, id_offsets[row], id_offsets[row + 1])
        at = _put(glm, at, glm_meta, 0, glm_meta.size)
        at = _put(glm, at, meta, meta_offsets[row], meta_offsets[row + 1])
        _put(glm, at, glm_close, 0, glm_close.size)
        _put(messages, to, messages_close, 0, messages_close.size)
    return glm, glm_offsets, messages, messages_offsets


def lines_block(lines: pa.Array, start: int, stop: int) -> memoryview:
    """Lines ``start:stop``, in order, as one block of bytes to write (no copy)."""
    data, offsets = string_buffers(lines)
    return memoryview(data[offsets[start] : offsets[stop]])


def warm_up() -> None:
    """Load (or, the first time, compile) the compiled passes before the first chunk needs them."""
    segments = ChunkDialogues(
        segments=pa.array(["warm", 'up "here"']), segment_is_character=np.array([False, True]), bounds=np.array([0, 2])
    )
    heads = ExampleHeads(
        dialogue=np.zeros(1, dtype=np.int64),
        ids=['"0:warm"'],
        session_meta=["{}"],
        system_prefix=["system"],
        greeting_label=[""],
        fallback_greeting=["hello"],
    )
    example_lines(segments, exchanges(segments), heads)
    joined_texts(pa.array(["warm", "up"]), np.array([1, 0]), np.array([0]), b"\n")
