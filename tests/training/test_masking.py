"""The loss mask from the chat template itself: any template kind, markers or not, and truncation."""

import pytest

from tests.training.chat_templates import (
    CHARACTERGLM_EXPORT,
    CHATGLM3,
    CHATML,
    CHATML_WITH_MARKERS,
    KINDS,
    SPECIAL_TOKENS,
    SYSTEM_IN_FIRST_USER,
)
from tests.training.conftest import SYSTEM, conversation
from training.chat_template import CHARACTERGLM_CHAT_TEMPLATE
from training.masking import (
    IGNORE_INDEX,
    MASK_FROM_MARKERS,
    MASK_FROM_RENDERING,
    TemplateError,
    encode_conversation,
    encode_example,
    encode_examples,
)

# What each template kind puts before a reply inside the span, and the token that ends it.
SPAN_SHAPE = {
    "chatml": ("", "<|im_end|>"),
    "chatglm3": ("\n ", "<|endoftext|>"),  # no end-of-turn of its own: EOS is appended
    "system_in_first_user": ("", "<end_of_turn>"),
    "characterglm_export": ("", "<|endoftext|>"),  # likewise
}


@pytest.fixture(scope="module")
def tokenizer():
    from training.tiny_model import tokenizer_build

    built = tokenizer_build()
    built.add_special_tokens({"additional_special_tokens": list(SPECIAL_TOKENS)})
    return built


def _with(tokenizer, template: str):
    tokenizer.chat_template = template
    return tokenizer


def _supervised_runs(tokenizer, encoded) -> list[str]:
    """The decoded runs of consecutive supervised tokens, in order."""
    runs, current = [], []
    for label in encoded.labels:
        if label != IGNORE_INDEX:
            current.append(label)
        elif current:
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    return [tokenizer.decode(run) for run in runs]


def _long_conversation(turns: int, reply: str = "The lamp is lit.") -> list[dict[str, str]]:
    messages = [{"role": "system", "content": SYSTEM}]
    for turn in range(turns):
        messages.append({"role": "user", "content": f"Question number {turn}, how is the sea?"})
        messages.append({"role": "assistant", "content": f"{reply} Answer {turn}."})
    return messages


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_each_template_kind_supervises_exactly_the_replies_and_their_stop_token(tokenizer, kind):
    messages = conversation(1, turns=3)
    encoded = encode_conversation(_with(tokenizer, KINDS[kind]), messages)
    before, stop = SPAN_SHAPE[kind]
    replies = [m["content"] for m in messages if m["role"] == "assistant"]
    assert _supervised_runs(tokenizer, encoded) == [f"{before}{reply}{stop}" for reply in replies]
    # The context is all there, unsupervised: the character prompt and the player's turns.
    context = tokenizer.decode(
        [t for t, label in zip(encoded.input_ids, encoded.labels, strict=True) if label == IGNORE_INDEX]
    )
    assert SYSTEM in context
    assert all(m["content"] in context for m in messages if m["role"] == "user")


def test_the_template_without_markers_would_be_refused_by_trl(tokenizer):
    """Why the mask is computed here: TRL cannot patch these templates with generation markers."""
    from trl.chat_template_utils import get_training_chat_template

    for template in (CHATML, CHATGLM3, SYSTEM_IN_FIRST_USER, CHARACTERGLM_EXPORT):
        with pytest.raises(ValueError, match="not training-compatible"):
            get_training_chat_template(_with(tokenizer, template))


@pytest.mark.parametrize(
    ("with_markers", "without_markers"),
    [
        (CHATML_WITH_MARKERS, CHATML),
        (CHARACTERGLM_CHAT_TEMPLATE, CHARACTERGLM_CHAT_TEMPLATE.replace("{% generation %}", "").replace(
            "{% endgeneration %}", ""
        )),
    ],
    ids=["chatml", "characterglm"],
)  # fmt: skip
def test_generation_markers_and_rendered_turns_give_the_same_mask(tokenizer, with_markers, without_markers):
    for index in range(4):
        messages = conversation(index, turns=1 + index % 3)
        marked = encode_conversation(_with(tokenizer, with_markers), messages)
        rendered = encode_conversation(_with(tokenizer, without_markers), messages)
        assert not marked.marker_mismatch
        assert (marked.input_ids, marked.labels) == (rendered.input_ids, rendered.labels)
    _, report = encode_examples(_with(tokenizer, with_markers), [{"messages": conversation(0)}], 256)
    assert (report.mask_source, report.marker_mismatches) == (MASK_FROM_MARKERS, 0)


def test_markers_that_disagree_with_the_rendered_turns_are_counted_and_followed(tokenizer):
    # These markers also take in the newline after <|im_end|>.
    loose = CHATML_WITH_MARKERS.replace(
        "'<|im_end|>' }}{% endgeneration %}{{ '\\n' }}", "'<|im_end|>\\n' }}{% endgeneration %}"
    )
    assert loose != CHATML_WITH_MARKERS
    messages = conversation(2, turns=2)
    encoded = encode_conversation(_with(tokenizer, loose), messages)
    assert encoded.marker_mismatch
    assert all(run.endswith("<|im_end|>\n") for run in _supervised_runs(tokenizer, encoded))
    _, report = encode_examples(tokenizer, [{"messages": messages}] * 3, 256)
    assert report.marker_mismatches == 3 and report.first_mismatch == "example 1"


def test_a_template_that_renders_the_beginning_differently_is_refused_clearly(tokenizer):
    counting = "{{ messages | length }}|" + CHATML
    with pytest.raises(TemplateError, match="cannot be located"):
        encode_conversation(_with(tokenizer, counting), conversation(0, turns=2))


def test_a_template_that_cannot_render_the_conversation_is_refused_clearly(tokenizer):
    strict = "{% for m in messages %}{% if m['role'] == 'system' %}{{ raise_exception('no system role') }}{% endif %}{% endfor %}"
    with pytest.raises(TemplateError, match="no system role"):
        encode_conversation(_with(tokenizer, strict), conversation(0))


def test_a_slow_tokenizer_without_offsets_gets_the_same_labels(tokenizer):
    class WithoutOffsets:
        """The same tokenizer, seen as a slow one (encodes piece by piece)."""

        is_fast = False

        def __getattr__(self, name):
            return getattr(tokenizer, name)

    for kind in sorted(KINDS):
        messages = conversation(3, turns=2)
        fast = encode_conversation(_with(tokenizer, KINDS[kind]), messages)
        slow = encode_conversation(WithoutOffsets(), messages)
        assert _supervised_runs(tokenizer, slow) == _supervised_runs(tokenizer, fast)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_long_conversation_loses_whole_turns_from_the_left_and_keeps_the_prompt_and_last_reply(tokenizer, kind):
    _with(tokenizer, KINDS[kind])
    messages = _long_conversation(8)
    whole = encode_conversation(tokenizer, messages)
    max_length = len(whole.input_ids) // 2
    encoded, truncated = encode_example(tokenizer, messages, max_length)
    assert truncated and len(encoded.input_ids) <= max_length
    # Exactly the conversation re-rendered from a later user turn, with the system prompt.
    windows = {
        start: encode_conversation(tokenizer, messages[:1] + messages[start:]) for start in range(1, len(messages), 2)
    }
    starts = [start for start, window in windows.items() if window.input_ids == encoded.input_ids]
    assert len(starts) == 1 and starts[0] > 1
    # It is the widest window that fits.
    assert len(windows[starts[0] - 2].input_ids) > max_length
    assert SYSTEM in tokenizer.decode(encoded.input_ids)
    assert _supervised_runs(tokenizer, encoded)[-1] == _supervised_runs(tokenizer, whole)[-1]


def test_when_even_the_last_exchange_is_too_long_its_left_side_is_cut_and_the_reply_kept(tokenizer):
    _with(tokenizer, CHATML)
    messages = _long_conversation(3)
    last_exchange = encode_conversation(tokenizer, messages[:1] + messages[-2:])
    reply = _supervised_runs(tokenizer, last_exchange)[-1]
    reply_tokens = last_exchange.supervised
    max_length = reply_tokens + 4
    encoded, truncated = encode_example(tokenizer, messages, max_length)
    assert truncated and len(encoded.input_ids) == max_length
    assert encoded.input_ids == last_exchange.input_ids[-max_length:]
    assert _supervised_runs(tokenizer, encoded) == [reply]


def test_an_example_whose_last_reply_cannot_fit_is_dropped_and_counted(tokenizer):
    _with(tokenizer, CHATML)
    short = conversation(0, turns=1)
    long = _long_conversation(6)
    huge = _long_conversation(1, reply="Waves " * 200)
    huge_reply = encode_conversation(tokenizer, huge).supervised
    max_length = len(encode_conversation(tokenizer, long).input_ids) // 2
    assert huge_reply > max_length > len(encode_conversation(tokenizer, short).input_ids)
    assert encode_example(tokenizer, huge, max_length) == (None, True)
    examples = [{"messages": m} for m in (short, long, huge, short, long)]
    rows, report = encode_examples(tokenizer, examples, max_length)
    assert (report.examples, report.kept, report.truncated, report.dropped) == (5, 4, 2, 1)
    assert report.mask_source == MASK_FROM_RENDERING
    assert len(rows) == 4 and all(len(row["input_ids"]) <= max_length for row in rows)
    assert all(any(label != IGNORE_INDEX for label in row["labels"]) for row in rows)
    assert report.supervised_tokens == sum(sum(1 for x in row["labels"] if x != IGNORE_INDEX) for row in rows)


def test_an_example_whose_replies_are_all_empty_is_dropped(tokenizer):
    _with(tokenizer, CHATML)
    messages = [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": " "},
    ]
    assert encode_example(tokenizer, messages, 256) == (None, False)


def test_conversations_are_rendered_exactly_as_apply_chat_template_renders_them(tokenizer):
    from training.masking import _Renderer

    templates = [*KINDS.values(), CHATML_WITH_MARKERS, CHARACTERGLM_CHAT_TEMPLATE]
    for template in templates:
        render = _Renderer(_with(tokenizer, template))
        messages = conversation(2, turns=3)
        for end in range(1, len(messages) + 1):
            for prompt in (False, True):
                expected = tokenizer.apply_chat_template(messages[:end], tokenize=False, add_generation_prompt=prompt)
                assert render(messages[:end], generation_prompt=prompt) == expected
