"""Chat example lines built in columns are the bytes orjson writes for the example dicts."""

import random

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from exports.build.kernels.examples import (
    ChunkDialogues,
    ExampleHeads,
    example_lines,
    exchanges,
    joined_texts,
    json_strings,
    lines_block,
)

ALPHABET = [
    "a",
    "Z",
    " ",
    '"',
    "\\",
    "/",
    "\n",
    "\r",
    "\t",
    "\b",
    "\f",
    "\x00",
    "\x01",
    "\x1f",
    "\x7f",
    "é",
    "今",
    "\u2028",
    "😀",
]


def _text(rng: random.Random, longest: int = 12) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, longest)))


def _dumps(example: dict) -> bytes:
    return orjson.dumps(example, option=orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE)


def test_json_strings_escape_as_orjson_does():
    rng = random.Random(1)
    texts = [_text(rng, 30) for _ in range(3000)] + ["", "plain", "\x00" * 5]
    assert json_strings(pa.array(texts)).to_pylist() == [orjson.dumps(text).decode() for text in texts]


def test_example_lines_are_the_bytes_of_the_example_dicts():
    rng = random.Random(2)
    segments, is_character, bounds = [], [], [0]
    for _dialogue in range(300):
        speaker = rng.random() < 0.5
        for _segment in range(rng.randint(0, 7)):
            segments.append(_text(rng) or "x")
            is_character.append(speaker)
            speaker = not speaker
        bounds.append(len(segments))
    chunk = ChunkDialogues(pa.array(segments, type=pa.string()), np.array(is_character, dtype=bool), np.array(bounds))
    exchange = exchanges(chunk)
    rows = [row for row in range(300) if exchange.pairs[row] > 0]
    assert 100 < len(rows) < 300 and exchange.unanswered.any() and exchange.greeting_segment.any()
    heads = ExampleHeads(
        dialogue=np.array([row for row in rows for _variant in range(2)]),
        ids=[f'"{row}:{variant}"' for row in rows for variant in ("written", "profile")],
        session_meta=[
            orjson.dumps({"bot_name": "B", "bot_info": _text(rng)}, option=orjson.OPT_SORT_KEYS).decode()
            for _row in rows
            for _v in range(2)
        ],
        system_prefix=[_text(rng) for _row in rows for _v in range(2)],
        greeting_label=["G: " for _row in rows for _v in range(2)],
        fallback_greeting=[rng.choice(["", 'hello\n"there"']) for _row in rows for _v in range(2)],
    )
    characterglm, messages = example_lines(chunk, exchange, heads)

    expected_characterglm, expected_messages = [], []
    for example, row in enumerate(heads.dialogue.tolist()):
        own = segments[bounds[row] : bounds[row + 1]]
        speakers = is_character[bounds[row] : bounds[row + 1]]
        first, last, greeting = 0, len(own), heads.fallback_greeting[example]
        if speakers[0]:
            greeting, first = own[0], 1
        if last > first and not speakers[last - 1]:
            last -= 1
        pairs = list(zip(own[first:last:2], own[first + 1 : last : 2], strict=False))
        system = heads.system_prefix[example] + ("\n" + heads.greeting_label[example] + greeting if greeting else "")
        example_id = orjson.loads(heads.ids[example])
        expected_characterglm.append(
            _dumps(
                {
                    "id": example_id,
                    "session_meta": orjson.loads(heads.session_meta[example]),
                    "greeting": greeting,
                    "history": pairs,
                }
            )
        )
        exchange_messages = []
        for query, response in pairs:
            exchange_messages += [{"role": "user", "content": query}, {"role": "assistant", "content": response}]
        expected_messages.append(
            _dumps({"id": example_id, "messages": [{"role": "system", "content": system}, *exchange_messages]})
        )
    assert [line.encode() for line in characterglm.to_pylist()] == expected_characterglm
    assert [line.encode() for line in messages.to_pylist()] == expected_messages
    assert bytes(lines_block(messages, 3, 7)) == b"".join(expected_messages[3:7])


def test_joined_texts_are_what_take_and_binary_join_give():
    rng = random.Random(7)
    texts = pa.array(["".join(rng.choices(ALPHABET, k=rng.randint(0, 6))) for _ in range(300)]).slice(20)
    for _ in range(50):
        rows = np.array(rng.sample(range(len(texts)), rng.randint(0, 40)), dtype=np.int64)
        cuts = sorted(rng.sample(range(1, len(rows)), rng.randint(0, len(rows) - 1))) if len(rows) > 1 else []
        starts = np.array([0, *cuts] if len(rows) else [], dtype=np.int64)
        stops = [*starts[1:], len(rows)]
        lists = pa.ListArray.from_arrays(pa.array([*starts, len(rows)], type=pa.int32()), texts.take(rows))
        assert joined_texts(texts, rows, starts, b"\n").equals(pc.binary_join(lists, "\n"))
        assert joined_texts(texts, rows, starts, b" and ").to_pylist() == [
            " and ".join(texts.take(rows[start:stop]).to_pylist()) for start, stop in zip(starts, stops, strict=True)
        ]


def test_null_texts_are_not_joined():
    with pytest.raises(ValueError, match="Only texts"):
        joined_texts(pa.array(["a", None]), np.array([0, 1]), np.array([0]), b"\n")
