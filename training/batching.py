"""Concurrent replies of one loaded model generated together, by transformers' continuous batching.

A ``ReplyBatcher`` belongs to one ``LocalTransformersBackend`` (one loaded model). It starts the
model's ``ContinuousBatchingManager`` (``init_continuous_batching``) on first use and keeps it for
the life of the process: each reply is one streaming request in it, so a new reply joins the
batch at the next step instead of waiting for the replies before it. One router thread reads the
manager's results and hands each to its reply's queue; the caller's thread decodes its reply's
new tokens and gives them to ``on_piece``, exactly as ``LocalTransformersBackend.generate_into``
does for a single reply.

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


class ReplyBatcher:
    """One continuous-batching manager for one loaded model, and the router that feeds its replies."""

    def __init__(self, model, tokenizer) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.vocabulary = int(model.config.get_text_config().vocab_size)
        self._lock = threading.Lock()
        self._manager = None
        self._router: threading.Thread | None = None
        self._replies: dict[str, queue.Queue] = {}
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
        """Generate one reply among the others in flight; ``on_piece`` as in ``generate_into``."""
        manager = self._started_manager()
        request_id = uuid.uuid4().hex
        results: queue.Queue = queue.Queue()
        with self._replies_lock:
            self._replies[request_id] = results
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
            while not finished:
                result = next_piece(results)  # a result, or the error the router put there
                if result.error:
                    raise InferenceError(f"Generation failed: {result.error}")
                finished = result.is_finished()
                tokens = result.generated_tokens
                for token in tokens[seen:]:
                    piece = text.push(token)
                    if piece and not on_piece(piece):
                        return  # the caller stopped: the request is cancelled below
                seen = len(tokens)
            tail = text.flush()
            if tail:
                on_piece(tail)
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
