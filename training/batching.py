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

Sampling settings travel per request: a greedy reply (temperature 0) is sampled with ``top_k=1``,
which is the argmax, so it is token for token the reply ``generate`` gives alone. Transformers'
continuous batching does not support the repetition penalty or a minimum length (it drops those
processors), so ``batchable`` says no for requests that set them and the backend generates those
one at a time.
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
PAGE_SIZE = 256

# The manager's own defaults for the per-request processors: a request that does not set one
# leaves it at a value that changes nothing (top-p 1, top-k over the whole vocabulary).
_DEFAULT_TEMPERATURE = 0.7


def batchable(settings: dict[str, Any]) -> bool:
    """Whether continuous batching can honour every setting of a request."""
    penalty = settings.get("repetition_penalty")
    return (penalty is None or float(penalty) == 1.0) and not settings.get("min_new_tokens")


def request_kwargs(settings: dict[str, Any], vocabulary: int) -> dict[str, Any]:
    """The per-request sampling arguments of the manager, from a reply's generation settings."""
    temperature = float(settings.get("temperature", 0.8))
    if temperature <= 0:
        return {"temperature": 1.0, "top_k": 1, "top_p": 1.0}
    top_k = int(settings.get("top_k") or 0)
    return {
        "temperature": temperature,
        "top_p": float(settings.get("top_p", 1.0)),
        "top_k": top_k if 0 < top_k < vocabulary else vocabulary,
    }


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


class ReplyBatcher:
    """One continuous-batching manager for one loaded model, and the router that feeds its replies."""

    def __init__(self, model, tokenizer) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.vocabulary = int(model.config.get_text_config().vocab_size)
        self._lock = threading.Lock()
        self._manager = None
        self._router: threading.Thread | None = None
        self._replies: dict[str, _Inbox] = {}
        self._replies_lock = threading.Lock()

    def _started_manager(self):
        with self._lock:
            if self._manager is None or not self._manager.is_running():
                from transformers import GenerationConfig
                from transformers.generation.configuration_utils import ContinuousBatchingConfig

                eos = self.tokenizer.eos_token_id
                config = GenerationConfig(
                    do_sample=True,
                    temperature=_DEFAULT_TEMPERATURE,
                    top_p=0.999,  # below 1, so that the per-request top-p processor exists
                    top_k=self.vocabulary,
                    max_new_tokens=256,
                    eos_token_id=eos if eos is not None else -1,
                    pad_token_id=self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else eos,
                )
                manager = self.model.init_continuous_batching(
                    generation_config=config,
                    continuous_batching_config=ContinuousBatchingConfig(
                        per_request_processors=True, page_size=PAGE_SIZE, num_blocks=self._cache_blocks()
                    ),
                )
                import torch

                with torch.inference_mode():  # the generation thread inherits the caller's mode
                    manager.start()
                self._manager = manager
                self._router = threading.Thread(target=self._route, args=(manager,), name="troupe-cb-router", daemon=True)
                self._router.start()
            return self._manager

    def _cache_blocks(self) -> int | None:
        from training import conf

        tokens = conf.inference_kv_cache_tokens() or (CPU_CACHE_TOKENS if self.model.device.type == "cpu" else 0)
        return -(-tokens // PAGE_SIZE) if tokens else None

    def _route(self, manager) -> None:
        """Hand every result to its reply's queue; results of replies nobody waits for are dropped."""
        while manager.is_running():
            result = manager.get_result(timeout=ROUTER_POLL_S)
            if result is None:
                continue
            with self._replies_lock:
                destination = self._replies.get(result.request_id)
            if destination is not None:
                destination.put(result)
        # The generation loop is gone (stopped or crashed): wake every reply still waiting.
        with self._replies_lock:
            waiting = list(self._replies.values())
        for destination in waiting:
            destination.put(InferenceError("The batched generation stopped."))

    def generate_into(self, input_ids: list[int], settings: dict[str, Any], on_piece: Callable[[str], bool]) -> None:
        """Generate one reply among the others in flight; ``on_piece`` as in ``generate_into``, paced
        (see the module docstring): a stop it asks for is noticed at its next piece."""
        from training import conf

        manager = self._started_manager()
        interval_s = conf.inference_stream_interval_s()
        request_id = uuid.uuid4().hex
        inbox = _Inbox()
        with self._replies_lock:
            self._replies[request_id] = inbox
        text = IncrementalText(self.tokenizer)
        finished = False
        try:
            manager.add_request(
                input_ids,
                request_id=request_id,
                max_new_tokens=int(settings.get("max_new_tokens", 256)),
                streaming=True,
                **request_kwargs(settings, self.vocabulary),
            )
            seen = 0
            shown = False
            result = next_piece(inbox.results)  # a result, or the error the router put there
            while True:
                if result.error:
                    raise InferenceError(f"Generation failed: {result.error}")
                finished = result.is_finished()
                tokens = result.generated_tokens
                piece = "".join(text.push(token) for token in tokens[seen:])
                seen = len(tokens)
                if finished:
                    piece += text.flush()
                if piece:
                    if not on_piece(piece):
                        return  # the caller stopped: the request is cancelled below
                    shown = True
                if finished:
                    return
                if shown:  # the pace, cut short by the end of the reply
                    inbox.ended.wait(interval_s)
                    result = inbox.newest(next_piece(inbox.results))
                else:  # nothing to show yet (a character still incomplete): the first text at once
                    result = next_piece(inbox.results)
        finally:
            with self._replies_lock:
                self._replies.pop(request_id, None)
            if not finished:
                manager.cancel_request(request_id)

    def stop(self) -> None:
        with self._lock:
            if self._manager is not None and self._manager.is_running():
                self._manager.stop(block=True, timeout=10)
            self._manager = None
