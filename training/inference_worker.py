"""Local-model generation in a dedicated worker process, reached through Celery and Redis.

An ASGI process must not load a model (every process would hold its own copy, and a GPU can hold
only so many). With ``INFERENCE_IN_WORKER`` on, ``backend_for`` hands it a ``WorkerProcessBackend``
instead: each reply is a Celery task on the ``INFERENCE_QUEUE`` queue, served by one worker process
per GPU (``--concurrency 1``) that keeps each model version's ``LocalTransformersBackend`` loaded.
The worker appends what it generates to a per-reply Redis stream and the caller reads it with
``XREAD BLOCK`` (``redis.asyncio`` in ``astream``, so the event loop never blocks).

Stream entries (field ``kind``): ``start`` (a worker took the request: ``pid``, ``host``),
``piece`` (``text``), then ``end`` (``pid``, ``host``) or ``error`` (``message``, the
``InferenceError``'s text). The caller deletes the stream when it is done; every write refreshes
its expiry, so a stream nobody reads disappears by itself. A caller that stops early (the socket
closed, a timeout) sets the reply's cancel key, and the worker stops generating at its next look.

Timeouts: no ``start`` within ``INFERENCE_QUEUE_TIMEOUT_S`` (no worker running, or all busy) or
nothing new for ``INFERENCE_STALL_TIMEOUT_S`` after it (the worker died) ends the wait with an
``InferenceError``; the task itself expires with the first, so a worker started later does not
generate for a caller who has gone.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from functools import cache

from django.utils.translation import gettext as _

from training import conf
from training.inference import ChatRequest, InferenceBackend, InferenceError

logger = logging.getLogger(__name__)

KEY_PREFIX = "troupe:inference:"
# One XREAD waits at most this long, so deadlines are checked even on a silent connection; the
# socket timeout leaves room for it (redis-py's default of 5 s would cut a blocked read short).
READ_SLICE_S = 5.0
SOCKET_TIMEOUT_S = READ_SLICE_S + 10.0
# The worker looks for the cancel key at most this often (one Redis round trip each time).
CANCEL_CHECK_INTERVAL_S = 0.5


def worker_arguments(*, queue: str, name: str = "inference@%h") -> list[str]:
    """``celery -A platform_core`` arguments of an inference worker: one process, a pool of threads.

    One process holds each model once; its ``INFERENCE_CONCURRENCY`` threads each take a reply, and
    the replies of one model are generated together (``training/batching.py``).
    """
    return ["worker", "-Q", queue, "-n", name, "--pool", "threads", "--concurrency", str(conf.inference_concurrency())]


def cancel_key(stream_key: str) -> str:
    return f"{stream_key}:cancel"


def stream_ttl_s() -> int:
    """A stream outlives the longest silence a reader waits through, then goes away unread."""
    return int(conf.inference_stall_timeout_s() + conf.inference_queue_timeout_s()) + 60


@cache
def _sync_redis(url: str):
    import redis

    return redis.Redis.from_url(url, decode_responses=True, socket_timeout=SOCKET_TIMEOUT_S)


@dataclass
class WorkerReceipt:
    """Who generated a reply, filled in from the stream's ``start`` and ``end`` entries."""

    stream_key: str = ""
    host: str = ""
    pid: int = 0
    pieces: int = 0
    finished: bool = False


class _Reading:
    """The caller's side of one reply stream: where it has read to, and how long it may still wait."""

    def __init__(self, stream_key: str, receipt: WorkerReceipt) -> None:
        self.stream_key = stream_key
        self.receipt = receipt
        self.last_id = "0-0"
        self.started = False
        self.queue_timeout_s = conf.inference_queue_timeout_s()
        self.stall_timeout_s = conf.inference_stall_timeout_s()
        self.deadline = time.monotonic() + self.queue_timeout_s

    def block_ms(self) -> int:
        """How long the next ``XREAD`` may block; raises once the wait is over."""
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            if not self.started:
                raise InferenceError(
                    _("No inference worker took the request within %(seconds)d s.")
                    % {"seconds": round(self.queue_timeout_s)}
                )
            raise InferenceError(
                _("The inference worker stopped answering for %(seconds)d s.")
                % {"seconds": round(self.stall_timeout_s)}
            )
        return max(1, int(min(remaining, READ_SLICE_S) * 1000))  # BLOCK 0 would wait forever

    def take(self, response) -> tuple[list[str], InferenceError | None]:
        """The pieces in an ``XREAD`` response, and the worker's error if it reported one."""
        pieces: list[str] = []
        for _key, entries in response or []:
            for entry_id, fields in entries:
                self.last_id = entry_id
                self.deadline = time.monotonic() + self.stall_timeout_s
                kind = fields.get("kind")
                if kind == "piece":
                    pieces.append(fields.get("text", ""))
                elif kind == "start":
                    self.started = True
                    self.receipt.host, self.receipt.pid = fields.get("host", ""), int(fields.get("pid", 0))
                elif kind == "end":
                    self.receipt.host, self.receipt.pid = fields.get("host", ""), int(fields.get("pid", 0))
                    self.receipt.finished = True
                elif kind == "error":
                    self.receipt.pieces += len(pieces)
                    return pieces, InferenceError(fields.get("message") or "The inference worker failed.")
        self.receipt.pieces += len(pieces)
        return pieces, None


class WorkerProcessBackend(InferenceBackend):
    """A model version's local model, generated by the inference worker process (see the module doc)."""

    def __init__(self, *, version_id: int) -> None:
        self.version_id = version_id

    def _enqueue(self, request: ChatRequest, stream_key: str) -> None:
        from training.tasks import inference_reply_task

        try:
            inference_reply_task.apply_async(
                kwargs={
                    "version_id": self.version_id,
                    "messages": request.messages,
                    "settings": request.settings,
                    "stream_key": stream_key,
                },
                queue=conf.inference_queue(),
                expires=conf.inference_queue_timeout_s(),
            )
        except Exception as error:  # broker down: the caller sees an inference failure, not a crash
            raise InferenceError(f"Could not queue the reply for the inference worker: {error}") from error

    def stream(self, request: ChatRequest, receipt: WorkerReceipt | None = None) -> Iterator[str]:
        """Blocking: for scripts and threads. ``receipt`` (optional) learns which process generated."""
        receipt = receipt or WorkerReceipt()
        receipt.stream_key = f"{KEY_PREFIX}{uuid.uuid4().hex}"
        client = _sync_redis(conf.redis_url())
        reading = _Reading(receipt.stream_key, receipt)
        self._enqueue(request, receipt.stream_key)
        try:
            while not receipt.finished:
                response = client.xread({receipt.stream_key: reading.last_id}, block=reading.block_ms())
                pieces, error = reading.take(response)
                yield from pieces
                if error:
                    raise error
        finally:
            try:
                if not receipt.finished:
                    client.set(cancel_key(receipt.stream_key), "1", ex=stream_ttl_s())
                client.delete(receipt.stream_key)
            except Exception:  # Redis gone: the stream expires; keep the caller's own error
                logger.warning("could not clean up %s", receipt.stream_key, exc_info=True)

    async def astream(self, request: ChatRequest, receipt: WorkerReceipt | None = None) -> AsyncIterator[str]:
        """The same as ``stream`` for an event loop: redis.asyncio reads, the enqueue runs in a thread."""
        import asyncio

        import redis.asyncio

        receipt = receipt or WorkerReceipt()
        receipt.stream_key = f"{KEY_PREFIX}{uuid.uuid4().hex}"
        reading = _Reading(receipt.stream_key, receipt)
        # One connection per reply: redis.asyncio clients belong to the loop that made them.
        client = redis.asyncio.Redis.from_url(conf.redis_url(), decode_responses=True, socket_timeout=SOCKET_TIMEOUT_S)
        try:
            await asyncio.to_thread(self._enqueue, request, receipt.stream_key)
            while not receipt.finished:
                response = await client.xread({receipt.stream_key: reading.last_id}, block=reading.block_ms())
                pieces, error = reading.take(response)
                for piece in pieces:
                    yield piece
                if error:
                    raise error
        finally:
            try:
                if not receipt.finished:
                    await client.set(cancel_key(receipt.stream_key), "1", ex=stream_ttl_s())
                await client.delete(receipt.stream_key)
            except Exception:  # Redis gone: the stream expires; keep the caller's own error
                logger.warning("could not clean up %s", receipt.stream_key, exc_info=True)
            finally:
                await client.aclose()


def reply_produce(*, version_id: int, messages: list[dict[str, str]], settings: dict, stream_key: str) -> str:
    """Run in the inference worker: generate the reply into ``stream_key``. Returns how it ended."""
    from training.inference import local_backend_for
    from training.models import ModelVersion

    client = _sync_redis(conf.redis_url())
    identity = {"pid": os.getpid(), "host": socket.gethostname()}
    ttl = stream_ttl_s()

    def add(fields: dict) -> None:
        with client.pipeline(transaction=False) as pipe:
            pipe.xadd(stream_key, fields)
            pipe.expire(stream_key, ttl)
            pipe.execute()

    if client.exists(cancel_key(stream_key)):
        return "cancelled"  # the caller gave up while the request waited in the queue
    add({"kind": "start", **identity})
    try:
        version = ModelVersion.objects.filter(pk=version_id).first()
        if version is None:
            raise InferenceError(f"Model version {version_id} does not exist.")
        cancelled = False
        next_check = time.monotonic() + CANCEL_CHECK_INTERVAL_S

        def on_piece(text: str) -> bool:
            nonlocal cancelled, next_check
            add({"kind": "piece", "text": text})
            if time.monotonic() >= next_check:
                cancelled = bool(client.exists(cancel_key(stream_key)))
                next_check = time.monotonic() + CANCEL_CHECK_INTERVAL_S
            return not cancelled  # False stops the generation at its next token

        # In this thread, with no generation thread: on a 2-core CPU with two OpenMP threads,
        # generate() on a second thread ran at half the speed it runs on the main thread.
        local_backend_for(version).generate_into(ChatRequest(messages, settings), on_piece)
        if cancelled:
            return "cancelled"
    except InferenceError as error:
        add({"kind": "error", "message": str(error)})
        return "error"
    except Exception as error:  # the caller hears about it; the traceback stays in the worker's log
        logger.exception("inference for model version %s failed", version_id)
        add({"kind": "error", "message": f"Generation failed: {error}"})
        return "error"
    add({"kind": "end", **identity})
    return "end"
