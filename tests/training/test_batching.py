"""Concurrent replies of one local model are generated together by transformers' continuous batching."""

import threading
import time

import pytest

from training.batching import CPU_CACHE_TOKENS, CPU_PAGE_TOKENS, CPU_STEP_TOKENS, batchable, sampling_of
from training.inference import ChatRequest, LocalTransformersBackend

GREEDY = {"temperature": 0, "max_new_tokens": 24}


def _messages(question: str) -> list[dict[str, str]]:
    return [
        {"role": "system", "content": "以下是一段灯塔看守人和用户之间的对话。"},
        {"role": "user", "content": question},
    ]


class _Reply:
    """One reply generated on its own thread, with what it received and when."""

    def __init__(self, backend, request: ChatRequest, stop_after: int | None = None, fail_after: int | None = None):
        self.backend, self.request = backend, request
        self.stop_after, self.fail_after = stop_after, fail_after
        self.pieces: list[str] = []
        self.times: list[float] = []
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run)

    def _receive(self, piece: str) -> bool:
        self.pieces.append(piece)
        self.times.append(time.monotonic())
        if self.fail_after is not None and len(self.pieces) >= self.fail_after:
            raise ConnectionError("this reply's reader went away")
        return self.stop_after is None or len(self.pieces) < self.stop_after

    def _run(self) -> None:
        try:
            self.backend.generate_into(self.request, self._receive)
        except BaseException as error:
            self.error = error

    @property
    def text(self) -> str:
        return "".join(self.pieces)


def _concurrently(*replies: _Reply) -> None:
    for reply in replies:
        reply.thread.start()
    for reply in replies:
        reply.thread.join(timeout=120)
        assert not reply.thread.is_alive()


@pytest.fixture
def backend(tiny_model_dir, settings):
    settings.INFERENCE_BATCHING = True
    backend = LocalTransformersBackend(base_model=str(tiny_model_dir))
    yield backend
    if backend._batcher is not None:
        backend._batcher.stop()


@pytest.fixture
def alone(tiny_model_dir):
    """Each request's reply from plain greedy ``generate``, on a model no batcher has touched."""
    reference = LocalTransformersBackend(base_model=str(tiny_model_dir))
    return lambda request: reference.generate_direct(request)[0]


def test_two_concurrent_greedy_replies_are_the_replies_each_gets_alone(backend, alone):
    first = ChatRequest(_messages("How is the weather?"), GREEDY)
    second = ChatRequest(_messages("你好，你每天做什么？"), GREEDY)
    expected = alone(first), alone(second)
    assert all(expected)

    replies = _Reply(backend, first), _Reply(backend, second)
    _concurrently(*replies)

    assert (replies[0].text, replies[1].text) == expected
    assert backend._batcher is not None  # generated through the continuous-batching manager
    # Both were in flight together: each received a piece before the other had finished.
    assert replies[0].times[0] < replies[1].times[-1] and replies[1].times[0] < replies[0].times[-1]


def test_stopping_one_reply_does_not_stop_the_other(backend, alone):
    long_reply = {"temperature": 0, "max_new_tokens": 200}
    stopped = _Reply(backend, ChatRequest(_messages("Are you lonely?"), long_reply), stop_after=2)
    other = _Reply(backend, ChatRequest(_messages("What do you do?"), GREEDY))
    expected = alone(other.request)

    _concurrently(stopped, other)

    assert len(stopped.pieces) == 2 and stopped.error is None
    assert other.error is None and other.text == expected


def test_a_failing_reply_does_not_fail_the_other(backend, alone):
    failing = _Reply(backend, ChatRequest(_messages("Are you lonely?"), GREEDY), fail_after=1)
    other = _Reply(backend, ChatRequest(_messages("How is the weather?"), GREEDY))
    expected = alone(other.request)

    _concurrently(failing, other)

    assert isinstance(failing.error, ConnectionError)
    assert other.error is None and other.text == expected
    # The manager keeps serving after the failure.
    after = _Reply(backend, ChatRequest(_messages("How is the weather?"), GREEDY))
    _concurrently(after)
    assert after.text == expected


def test_a_batched_reply_is_paced_first_token_at_once_then_one_piece_per_interval(backend, tiny_model_dir, settings):
    request = ChatRequest(_messages("Are you lonely?"), {"temperature": 0, "max_new_tokens": 200})
    settings.INFERENCE_BATCHING = False  # the reference: one piece per token, generated alone
    per_token = list(LocalTransformersBackend(base_model=str(tiny_model_dir)).stream(request))
    settings.INFERENCE_BATCHING = True
    settings.INFERENCE_STREAM_INTERVAL_S = 0.25
    started = time.monotonic()
    reply = _Reply(backend, request)
    _concurrently(reply)

    assert reply.error is None and reply.text == "".join(per_token)  # nothing lost by coalescing
    assert 1 < len(reply.pieces) < len(per_token)
    assert reply.pieces[0] == per_token[0]  # the first token is not held back for the interval
    assert reply.times[0] - started < 1.0
    gaps = [later - earlier for earlier, later in zip(reply.times[:-2], reply.times[1:-1], strict=True)]
    assert all(gap >= 0.24 for gap in gaps)  # the last piece (the end) may come sooner


def test_a_reply_with_a_repetition_penalty_is_generated_alone(backend):
    request = ChatRequest(_messages("How is the weather?"), {**GREEDY, "repetition_penalty": 1.2})
    reply = _Reply(backend, request)
    _concurrently(reply)
    assert reply.error is None and reply.text
    assert backend._batcher is None  # continuous batching would have dropped the penalty


def test_with_batching_off_replies_are_generated_one_at_a_time(backend, settings):
    settings.INFERENCE_BATCHING = False
    reply = _Reply(backend, ChatRequest(_messages("How is the weather?"), GREEDY))
    _concurrently(reply)
    assert reply.text and backend._batcher is None


def test_which_settings_continuous_batching_can_honour():
    assert batchable({"temperature": 0.8, "top_p": 0.9, "max_new_tokens": 64})
    assert batchable({"repetition_penalty": 1.0})
    assert not batchable({"repetition_penalty": 1.1})
    assert not batchable({"min_new_tokens": 8})


def test_replies_with_the_same_sampling_share_a_manager_and_greedy_is_its_own():
    greedy = {"max_new_tokens": 64, "do_sample": False, "pad_token_id": 1, "eos_token_id": 0}
    assert sampling_of(greedy) == sampling_of({**greedy, "max_new_tokens": 8}) == (("do_sample", False),)
    sampled = {"max_new_tokens": 64, "do_sample": True, "temperature": 0.7, "top_p": 0.9}
    assert sampling_of(sampled) == (("do_sample", True), ("temperature", 0.7), ("top_p", 0.9))
    assert sampling_of(sampled) != sampling_of({**sampled, "temperature": 0.8})


def test_a_reply_sampled_otherwise_than_those_in_flight_is_generated_alone(backend, alone, monkeypatch):
    generated_alone: list[ChatRequest] = []
    generate_alone = backend._generate_alone_into

    def counting(request, on_piece):
        generated_alone.append(request)
        return generate_alone(request, on_piece)

    monkeypatch.setattr(backend, "_generate_alone_into", counting)
    long_greedy = ChatRequest(_messages("Are you lonely?"), {"temperature": 0, "max_new_tokens": 200})
    sampled = ChatRequest(_messages("How is the weather?"), {"temperature": 0.9, "max_new_tokens": 8})
    first = _Reply(backend, long_greedy)
    first.thread.start()
    while not first.pieces:  # the greedy reply is in flight
        time.sleep(0.01)
    second = _Reply(backend, sampled)
    _concurrently(second)
    first.thread.join(timeout=120)

    assert first.error is None and first.text == alone(long_greedy)
    assert second.error is None and second.text and generated_alone == [sampled]
    # Once idle, the manager takes the new settings, and such replies are batched again.
    _concurrently(_Reply(backend, sampled))
    assert generated_alone == [sampled]
    assert ("temperature", 0.9) in backend._batcher._engine.sampling


def test_on_a_cpu_the_cache_has_small_pages_and_bounded_steps_and_the_settings_set_them(backend, settings):
    backend.load()
    batcher = backend._reply_batcher()
    config = batcher._cache_config()
    assert (config.page_size, config.max_batch_tokens) == (CPU_PAGE_TOKENS, CPU_STEP_TOKENS)
    assert config.num_blocks * config.page_size == CPU_CACHE_TOKENS

    settings.INFERENCE_KV_PAGE_TOKENS, settings.INFERENCE_STEP_TOKENS = 64, 256
    settings.INFERENCE_KV_CACHE_TOKENS = 4096
    config = batcher._cache_config()
    assert (config.page_size, config.max_batch_tokens, config.num_blocks) == (64, 256, 64)


def test_a_prompt_longer_than_a_step_is_prefilled_over_several_and_gives_the_reply_alone(backend, alone, settings):
    settings.INFERENCE_STEP_TOKENS = 16  # the test prompts are several times longer
    request = ChatRequest(_messages("Tell me about the lighthouse, the island and the gulls."), GREEDY)
    backend.load()
    assert len(backend._inputs(request)["input_ids"][0]) > 3 * 16
    reply = _Reply(backend, request)
    _concurrently(reply)
    assert reply.error is None and reply.text == alone(request)


def test_loading_a_local_model_sets_torch_intra_op_threads(tiny_model_dir, settings):
    import torch

    before = torch.get_num_threads()
    settings.INFERENCE_TORCH_THREADS = before + 1
    try:
        LocalTransformersBackend(base_model=str(tiny_model_dir)).load()
        assert torch.get_num_threads() == before + 1
    finally:
        torch.set_num_threads(before)
