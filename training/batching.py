"""Concurrent replies of one loaded model generated together, by transformers' continuous batching.

A ``ReplyBatcher`` belongs to one ``LocalTransformersBackend`` (one loaded model). It starts the
model's ``ContinuousBatchingManager`` (``init_continuous_batching``) on first use and keeps it for
the life of the process: each reply is one streaming request in it, so a new reply joins the
batch at the next step instead of waiting for the replies before it. One router thread reads the
manager's results and hands each to its reply's queue; the caller's thread decodes its reply's
new tokens and gives them to ``on_piece`` as ``LocalTransformersBackend.generate_into`` does for a
single reply, but paced: the first token at once, then at most one piece per
``INFERENCE_STREAM_INTERVAL_S`` holding every token generated meanwhile, and the end at once.
Each result carries all of its reply's tokens so far, so a reader that wakes once per interval
loses nothing; waking once per token instead would put one thread switch (and, in the inference
worker, one Redis write and one WebSocket frame downstream) per token and reply beside the
generation thread, whose every torch call gives up and retakes the GIL.

The manager samples the way its first reply asks (greedy: the argmax, as ``generate`` does, so a
greedy reply is token for token the one ``generate`` gives alone; else temperature, ``top_p`` and
``top_k``), with transformers' ordinary processors. The replies of one model version share its
settings, so they share the manager; a reply whose sampling differs from the replies in flight is
generated alone instead (``generate_into`` answers False), and the manager takes the new settings
once it is idle. (Transformers' per-request processors would batch them too, but they sort the
whole vocabulary twice per reply and step, even for greedy replies: on a CPU that was a sixth of
the CPU time of a 16-reply batch of the tiny model, and it grows with the vocabulary.) Transformers' continuous batching does not
support the repetition penalty or a minimum length (it drops those processors), so ``batchable``
says no for requests that set them and the backend generates those one at a time.
"""

from __future__ import annotations

import logging
import queue
import threading
import uuid
from collections.abc import Callable
from typing import Any

from training.inference import IncrementalText, InferenceError, next_piece

logger = logging.getLogger(__name__)

# The router's wait for one result; bounds how long a stopped router takes to notice.
ROUTER_POLL_S = 0.2
# Without a size from INFERENCE_KV_CACHE_TOKENS, transformers sizes the paged cache from free
# accelerator memory; on a CPU that would be most of the machine's RAM, so the cache gets this.
CPU_CACHE_TOKENS = 16_384
# Tokens per cache page (INFERENCE_KV_PAGE_TOKENS). Replies share cached pages of the same prompt
# prefix (the character's system prompt, the history a chat sends again each turn), whole pages
# only. On an accelerator, transformers' default, which its paged flash kernels are built for; on
# a CPU the cache is read through index lists, and small pages share more of each prompt.
ACCELERATOR_PAGE_TOKENS = 256
CPU_PAGE_TOKENS = 32
# Tokens one generation step computes at most (INFERENCE_STEP_TOKENS); a longer prompt is
# prefilled over several steps, between which the replies in flight go on. On a CPU, SDPA attends
# through one dense mask of step tokens x (cache + step tokens), allocated at that size: with
# transformers' default of 8,192 and a 16,384-token cache, 805 MB, and a prefill of many prompts at
# once scores every prompt token against every other prompt's. On an accelerator, transformers sizes it.
CPU_STEP_TOKENS = 512

# The generation arguments (``LocalTransformersBackend._generate_kwargs``) that decide how the
# manager samples; the others (length, end and padding tokens) are per request or per model.
SAMPLING_ARGUMENTS = ("do_sample", "temperature", "top_p", "top_k")


def batchable(settings: dict[str, Any]) -> bool:
    """Whether continuous batching can honour every setting of a request."""
    penalty = settings.get("repetition_penalty")
    return (penalty is None or float(penalty) == 1.0) and not settings.get("min_new_tokens")


def sampling_of(generate_kwargs: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    """How a reply is sampled, from its ``generate`` arguments, as a key that equal settings share."""
    return tuple(sorted((name, generate_kwargs[name]) for name in SAMPLING_ARGUMENTS if name in generate_kwargs))


class _Inbox:
    """One reply's results as the router hands them over, and whether the last one has come."""

    def __init__(self) -> None:
        self.results: queue.Queue = queue.Queue()
        self.ended = threading.Event()

    def put(self, item) -> None:
        self.results.put(item)
        if isinstance(item, BaseException) or item.is_finished():
            self.ended.set()

    def newest(self, result):
        """``result`` or a later one already queued: each carries every token generated so far."""
        while True:
            try:
                later = self.results.get_nowait()
            except queue.Empty:
                return result
            if isinstance(later, BaseException):
                raise later
            result = later


class _Engine:
    """One running manager, the sampling it was built for, and the router that feeds its replies."""

    def __init__(self, manager, sampling: tuple) -> None:
        self.manager = manager
        self.sampling = sampling
        self.replies: dict[str, _Inbox] = {}
        self.lock = threading.Lock()
        self.router = threading.Thread(target=self._route, name="troupe-cb-router", daemon=True)
        self.router.start()

    def _route(self) -> None:
        """Hand every result to its reply's inbox; results of replies nobody waits for are dropped."""
        while self.manager.is_running():
            result = self.manager.get_result(timeout=ROUTER_POLL_S)
            if result is None:
                continue
            with self.lock:
                destination = self.replies.get(result.request_id)
            if destination is not None:
                destination.put(result)
        # The generation loop is gone (stopped or crashed): wake every reply still waiting.
        with self.lock:
            waiting = list(self.replies.values())
        for destination in waiting:
            destination.put(InferenceError("The batched generation stopped."))

    def admit(self, request_id: str) -> _Inbox:
        inbox = _Inbox()
        with self.lock:
            self.replies[request_id] = inbox
        return inbox

    def leave(self, request_id: str) -> None:
        with self.lock:
            self.replies.pop(request_id, None)

    def busy(self) -> bool:
        with self.lock:
            return bool(self.replies)

    def stop(self) -> None:
        if self.manager.is_running():
            self.manager.stop(block=True, timeout=10)


class ReplyBatcher:
    """The continuous-batching manager of one loaded model, started on first use and kept."""

    def __init__(self, model, tokenizer) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self._lock = threading.Lock()
        self._engine: _Engine | None = None

    def _admitted(self, sampling: tuple, request_id: str) -> tuple[_Engine, _Inbox] | None:
        """The running engine for ``sampling`` with the reply registered in it, or None when the
        engine is busy with replies sampled otherwise. Registering under the lock keeps a switch
        of settings from stopping an engine a reply has just been admitted to."""
        with self._lock:
            engine = self._engine
            if engine is None or not engine.manager.is_running() or engine.sampling != sampling:
                if engine is not None and engine.manager.is_running() and engine.busy():
                    return None
                if engine is not None:
                    engine.stop()
                engine = self._engine = _Engine(self._started_manager(sampling), sampling)
            return engine, engine.admit(request_id)

    def _started_manager(self, sampling: tuple):
        from transformers import GenerationConfig

        eos = self.tokenizer.eos_token_id
        config = GenerationConfig(
            **dict(sampling),
            max_new_tokens=256,
            eos_token_id=eos if eos is not None else -1,
            pad_token_id=self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else eos,
        )
        manager = self.model.init_continuous_batching(
            generation_config=config,
            continuous_batching_config=self._cache_config(),
        )
        import torch

        with torch.inference_mode():  # the generation thread inherits the caller's mode
            manager.start()
        return manager

    def _cache_config(self):
        """The paged cache and the step size: the settings, or this device's defaults (see above)."""
        from transformers.generation.configuration_utils import ContinuousBatchingConfig

        from training import conf

        on_cpu = self.model.device.type == "cpu"
        page = conf.inference_kv_page_tokens() or (CPU_PAGE_TOKENS if on_cpu else ACCELERATOR_PAGE_TOKENS)
        tokens = conf.inference_kv_cache_tokens() or (CPU_CACHE_TOKENS if on_cpu else 0)
        step = conf.inference_step_tokens() or (CPU_STEP_TOKENS if on_cpu else None)
        return ContinuousBatchingConfig(
            page_size=page, num_blocks=-(-tokens // page) if tokens else None, max_batch_tokens=step
        )

    def generate_into(
        self, input_ids: list[int], generate_kwargs: dict[str, Any], on_piece: Callable[[str], bool]
    ) -> bool:
        """Generate one reply among the others in flight; ``on_piece`` as in ``generate_into``, paced
        (see the module docstring): a stop it asks for is noticed at its next piece. False, with
        nothing generated, when the replies in flight are sampled otherwise."""
        from training import conf

        request_id = uuid.uuid4().hex
        admitted = self._admitted(sampling_of(generate_kwargs), request_id)
        if admitted is None:
            return False
        engine, inbox = admitted
        interval_s = conf.inference_stream_interval_s()
        text = IncrementalText(self.tokenizer)
        finished = False
        try:
            engine.manager.add_request(
                input_ids, request_id=request_id, max_new_tokens=int(generate_kwargs["max_new_tokens"]), streaming=True
            )
            seen = 0
            shown = False
            result = next_piece(inbox.results)  # a result, or the error the router put there
            while True:
                if result.error:
                    raise InferenceError(f"Generation failed: {result.error}")
                finished = result.is_finished()
                tokens = result.generated_tokens
                # Every token since the last piece in one decode: the text is the same as token by token.
                piece = text.push(*tokens[seen:]) if len(tokens) > seen else ""
                seen = len(tokens)
                if finished:
                    piece += text.flush()
                if piece:
                    if not on_piece(piece):
                        return True  # the caller stopped: the request is cancelled below
                    shown = True
                if finished:
                    return True
                if shown:  # the pace, cut short by the end of the reply
                    inbox.ended.wait(interval_s)
                    result = inbox.newest(next_piece(inbox.results))
                else:  # nothing to show yet (a character still incomplete): the first text at once
                    result = next_piece(inbox.results)
        finally:
            engine.leave(request_id)
            if not finished:
                engine.manager.cancel_request(request_id)

    def stop(self) -> None:
        with self._lock:
            if self._engine is not None:
                self._engine.stop()
            self._engine = None
