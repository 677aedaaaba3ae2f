"""Inference backends behind one interface: a model version in, streamed reply text out.

- ``LocalTransformersBackend``: the base model from its local directory with the LoRA adapter
  loaded on top through peft (or full weights), streaming each token's text through a
  ``TextStreamer``. ``generate_into`` generates in the calling thread (the inference worker's main
  thread); ``stream`` and ``astream`` run it in one generation thread, never in the ASGI event loop.
- ``WorkerProcessBackend`` (``training/inference_worker.py``): what ASGI processes get for a local
  model when ``INFERENCE_IN_WORKER`` is on: the generation runs in the Celery ``inference`` worker,
  which holds the ``LocalTransformersBackend``, and the pieces come back over a Redis stream.
- ``OpenAICompatibleBackend``: an OpenAI-compatible ``/chat/completions`` endpoint with
  ``stream: true`` (e.g. vLLM serving the base model with ``--enable-lora --lora-modules
  name=path``; the adapter is addressed by its served name), read as server-sent events with httpx.

``backend_for(version)`` picks and caches the backend of a ``ModelVersion``; ``astream`` gives
consumers an async iterator (the backend's own ``astream``: by default the blocking ``stream`` in a
thread).
"""

from __future__ import annotations

import asyncio
import json
import queue
import threading
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class InferenceError(RuntimeError):
    """The backend could not produce a reply (endpoint down, bad response, model missing)."""


@dataclass(frozen=True)
class ChatRequest:
    """``messages`` in the OpenAI shape (system = character prompt, user = player, assistant = character)."""

    messages: list[dict[str, str]]
    settings: dict[str, Any] = field(default_factory=dict)


class InferenceBackend(ABC):
    @abstractmethod
    def stream(self, request: ChatRequest) -> Iterator[str]:
        """Yield the reply in pieces as they are produced (blocking; run it off the event loop)."""

    def generate(self, request: ChatRequest) -> str:
        return "".join(self.stream(request))

    def astream(self, request: ChatRequest) -> AsyncIterator[str]:
        """The reply's pieces for an event loop: ``stream`` iterated in a thread unless overridden."""
        return _threaded_astream(self, request)


class IncrementalText:
    """A reply's text as its tokens arrive, one piece per push of one or more tokens.

    A token that ends inside a multi-byte character decodes to U+FFFD; such a tail is held back
    until the character completes, or for at most 4 pushes (each adds at least one token, and a
    UTF-8 character has at most 4 bytes, so by then the bytes are truly invalid and the
    replacement character is final).
    """

    def __init__(self, tokenizer, **decode_kwargs) -> None:
        self.tokenizer = tokenizer
        self.decode_kwargs = decode_kwargs or {"skip_special_tokens": True}
        self.tokens: list[int] = []
        self.printed = 0
        self.pending = 0

    def push(self, *tokens: int) -> str:
        """The new text that ``tokens`` complete (empty while a character is still incomplete)."""
        self.tokens.extend(tokens)
        self.pending += 1
        text = self.tokenizer.decode(self.tokens, **self.decode_kwargs)
        if text.endswith("\ufffd") and self.pending < 4:
            return ""
        piece = text[self.printed :]
        self.printed += len(piece)
        self.pending = 0
        return piece

    def flush(self) -> str:
        """What is still held back once the reply has ended (an incomplete character, as decoded)."""
        if not self.pending:
            return ""
        text = self.tokenizer.decode(self.tokens, **self.decode_kwargs)
        piece = text[self.printed :]
        self.printed += len(piece)
        self.pending = 0
        return piece


def _token_streamer_class():
    from transformers import TextStreamer

    class TokenStreamer(TextStreamer):
        """Hands each generated token's text to ``on_text`` (``TextStreamer`` waits for a whole word)."""

        def __init__(self, tokenizer, on_text: Callable[[str], None], **decode_kwargs) -> None:
            super().__init__(tokenizer, skip_prompt=True, **decode_kwargs)
            self.on_text = on_text
            self.text = IncrementalText(tokenizer, **decode_kwargs)

        def put(self, value) -> None:
            if len(value.shape) > 1:
                value = value[0]
            if self.skip_prompt and self.next_tokens_are_prompt:
                self.next_tokens_are_prompt = False
                return
            piece = self.text.push(*value.tolist())
            if piece:
                self.on_text(piece)

        def end(self) -> None:
            piece = self.text.flush()
            if piece:
                self.on_text(piece)
            self.next_tokens_are_prompt = True

    return TokenStreamer


class LocalTransformersBackend(InferenceBackend):
    """A local Hugging Face model (plus LoRA adapter), loaded once per process on first use."""

    def __init__(self, *, base_model: str, adapter_path: str = "", device: str | None = None) -> None:
        self.base_model = base_model
        self.adapter_path = adapter_path
        self.device = device
        self._lock = threading.Lock()
        self._generate_lock = threading.Lock()
        self.model = None
        self.tokenizer = None
        self._batcher = None

    def load(self) -> None:
        with self._lock:
            if self.model is not None:
                return
            import torch
            from transformers import AutoModelForCausalLM, AutoTokenizer

            from training import conf
            from training.chat_template import ensure_chat_template

            if not Path(self.base_model, "config.json").exists():
                raise InferenceError(f"No local model at {self.base_model}.")
            device = self.device or ("cuda" if torch.cuda.is_available() else "cpu")
            dtype = torch.bfloat16 if device.startswith("cuda") else torch.float32
            adapter = Path(self.adapter_path) if self.adapter_path else None
            # The adapter directory carries the tokenizer (and chat template) it was trained with.
            tokenizer_dir = adapter if adapter and (adapter / "tokenizer_config.json").exists() else self.base_model
            tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir)
            ensure_chat_template(tokenizer)
            if adapter and (adapter / "adapter_config.json").exists():
                from peft import PeftModel

                model = AutoModelForCausalLM.from_pretrained(self.base_model, dtype=dtype)
                model = PeftModel.from_pretrained(model, str(adapter))
            else:
                model = AutoModelForCausalLM.from_pretrained(str(adapter or self.base_model), dtype=dtype)
            self.model = model.to(device).eval()
            self.tokenizer = tokenizer
            # Process-wide, before any generation thread starts (each thread takes the count
            # when it first runs an op): see INFERENCE_TORCH_THREADS in platform_core/settings.py.
            if conf.inference_torch_threads():
                torch.set_num_threads(conf.inference_torch_threads())

    def _inputs(self, request: ChatRequest):
        encoded = self.tokenizer.apply_chat_template(
            request.messages, add_generation_prompt=True, return_tensors="pt", return_dict=True
        )
        return {k: v.to(self.model.device) for k, v in encoded.items()}

    def _generate_kwargs(self, request: ChatRequest) -> dict[str, Any]:
        settings = request.settings
        temperature = float(settings.get("temperature", 0.8))
        kwargs: dict[str, Any] = {
            "max_new_tokens": int(settings.get("max_new_tokens", 256)),
            "do_sample": temperature > 0,
            "pad_token_id": self.tokenizer.pad_token_id or self.tokenizer.eos_token_id,
            "eos_token_id": self.tokenizer.eos_token_id,
        }
        if temperature > 0:
            kwargs["temperature"] = temperature
            kwargs["top_p"] = float(settings.get("top_p", 1.0))
            if settings.get("top_k"):
                kwargs["top_k"] = int(settings["top_k"])
        for name in ("repetition_penalty", "min_new_tokens"):
            if settings.get(name) is not None:
                kwargs[name] = settings[name]
        return kwargs

    def generate_into(self, request: ChatRequest, on_piece: Callable[[str], bool]) -> None:
        """Generate the reply, handing each piece to ``on_piece`` in the calling thread as it comes.

        ``on_piece`` returns False to stop: generation ends at the next token instead of holding
        the model until ``max_new_tokens`` for nobody. An exception from ``on_piece`` stops it too
        and is raised as it is; a failure of the model itself becomes an ``InferenceError``.
        With ``INFERENCE_BATCHING`` on, replies whose settings continuous batching honours are
        generated together with the others in flight that are sampled the same way
        (``training/batching.py``); the rest, and every reply with it off, one at a time in the
        calling thread.
        """
        from training import conf
        from training.batching import batchable

        self.load()
        if conf.inference_batching() and batchable(request.settings):
            input_ids = self._inputs(request)["input_ids"][0].tolist()
            if self._reply_batcher().generate_into(input_ids, self._generate_kwargs(request), on_piece):
                return
        self._generate_alone_into(request, on_piece)

    def _reply_batcher(self):
        from training.batching import ReplyBatcher

        with self._lock:
            if self._batcher is None:
                self._batcher = ReplyBatcher(self.model, self.tokenizer)
            return self._batcher

    def _generate_alone_into(self, request: ChatRequest, on_piece: Callable[[str], bool]) -> None:
        import torch
        from transformers import StoppingCriteriaList

        stop = threading.Event()
        callback_error: list[BaseException] = []

        def deliver(text: str) -> None:
            if stop.is_set():
                return
            try:
                if not on_piece(text):
                    stop.set()
            except BaseException as error:
                callback_error.append(error)
                stop.set()

        def stop_requested(input_ids, scores, **kwargs):
            return torch.full((input_ids.shape[0],), stop.is_set(), dtype=torch.bool, device=input_ids.device)

        streamer = _token_streamer_class()(self.tokenizer, deliver, skip_special_tokens=True)
        inputs = self._inputs(request)
        try:
            # One generation at a time per loaded model: concurrent generate() calls on one
            # module are safe in torch, but serialising keeps memory bounded on small hosts.
            with self._generate_lock, torch.inference_mode():
                self.model.generate(
                    **inputs,
                    **self._generate_kwargs(request),
                    streamer=streamer,
                    stopping_criteria=StoppingCriteriaList([stop_requested]),
                )
        except Exception as error:
            if callback_error:
                raise callback_error[0] from None
            raise InferenceError(f"Generation failed: {error}") from error
        if callback_error:
            raise callback_error[0]

    def stream(self, request: ChatRequest) -> Iterator[str]:
        """``generate_into`` on a generation thread, read here; closing the iterator stops it."""
        self.load()
        pieces: queue.Queue = queue.Queue()
        abandoned = threading.Event()

        def run() -> None:
            try:
                self.generate_into(request, lambda text: pieces.put(text) or not abandoned.is_set())
                pieces.put(_END)
            except BaseException as error:  # surfaced to the reader below
                pieces.put(error)

        thread = threading.Thread(target=run, name="troupe-generate", daemon=True)
        thread.start()
        try:
            while (item := next_piece(pieces)) is not _END:
                yield item
        finally:
            abandoned.set()
        thread.join()

    def astream(self, request: ChatRequest) -> AsyncIterator[str]:
        """One generation thread hands pieces straight to the event loop (no second relay thread)."""
        return _relay_astream(lambda emit: self.generate_into(request, emit))

    def generate_direct(self, request: ChatRequest) -> tuple[str, int]:
        """Plain ``model.generate`` (no streamer, no thread): the reply and its token count (bench use)."""
        import torch

        self.load()
        inputs = self._inputs(request)
        with torch.inference_mode():
            output = self.model.generate(**inputs, **self._generate_kwargs(request))
        new_tokens = output[0, inputs["input_ids"].shape[1] :]
        return self.tokenizer.decode(new_tokens, skip_special_tokens=True), int(new_tokens.shape[0])


class OpenAICompatibleBackend(InferenceBackend):
    """``POST {base_url}/chat/completions`` with ``stream: true``; pieces come from ``choices[0].delta.content``."""

    def __init__(self, *, base_url: str, model: str, api_key: str = "", timeout_s: float = 120.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.api_key = api_key
        self.timeout_s = timeout_s

    def _payload(self, request: ChatRequest) -> dict[str, Any]:
        settings = request.settings
        payload: dict[str, Any] = {"model": self.model, "messages": request.messages, "stream": True}
        mapping = {"temperature": "temperature", "top_p": "top_p", "max_new_tokens": "max_tokens"}
        for ours, theirs in mapping.items():
            if settings.get(ours) is not None:
                payload[theirs] = settings[ours]
        # vLLM accepts these sampling extras in the request body.
        for name in ("top_k", "repetition_penalty", "min_tokens"):
            if settings.get(name) is not None:
                payload[name] = settings[name]
        if settings.get("min_new_tokens") is not None:
            payload["min_tokens"] = settings["min_new_tokens"]
        return payload

    def stream(self, request: ChatRequest) -> Iterator[str]:
        import httpx

        headers = {"Accept": "text/event-stream"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        try:
            with (
                httpx.Client(timeout=self.timeout_s) as client,
                client.stream(
                    "POST", f"{self.base_url}/chat/completions", json=self._payload(request), headers=headers
                ) as response,
            ):
                if response.status_code != 200:
                    body = response.read().decode("utf-8", errors="replace")[:500]
                    raise InferenceError(f"The endpoint answered {response.status_code}: {body}")
                for line in response.iter_lines():
                    if not line.startswith("data:"):
                        continue  # blank separators, comments (": keep-alive"), event names
                    data = line[len("data:") :].strip()
                    if data == "[DONE]":
                        return
                    try:
                        chunk = json.loads(data)
                    except json.JSONDecodeError as error:
                        raise InferenceError(f"Malformed stream chunk: {data[:200]}") from error
                    if "error" in chunk:
                        raise InferenceError(f"The endpoint reported: {chunk['error']}")
                    for choice in chunk.get("choices") or []:
                        piece = (choice.get("delta") or {}).get("content")
                        if piece:
                            yield piece
        except httpx.HTTPError as error:
            raise InferenceError(f"Could not reach {self.base_url}: {error}") from error


_backends: dict[tuple, InferenceBackend] = {}
_backends_lock = threading.Lock()


def _cached(key: tuple, build) -> InferenceBackend:
    with _backends_lock:
        backend = _backends.get(key)
        if backend is None:
            backend = _backends[key] = build()
    return backend


_END = object()
PIECE_TIMEOUT_S = 300


def next_piece(pieces: queue.Queue):
    """The next item a generation thread queued (a piece, ``_END``), or its error raised here."""
    try:
        item = pieces.get(timeout=PIECE_TIMEOUT_S)
    except queue.Empty:
        raise InferenceError(f"The model produced nothing for {PIECE_TIMEOUT_S} s.") from None
    if isinstance(item, BaseException):
        raise item
    return item


def local_backend_for(version) -> LocalTransformersBackend:
    """The in-process local model of ``version``, loaded on first use, one per process (the inference worker's)."""
    return _cached(
        ("local", version.base_model, version.weights_path),
        lambda: LocalTransformersBackend(base_model=version.base_model, adapter_path=version.weights_path),
    )


def backend_for(version) -> InferenceBackend:
    """The backend serving ``version`` (a ``ModelVersion``), one per process and configuration.

    A local model is generated by the inference worker process (``WorkerProcessBackend``) when
    ``INFERENCE_IN_WORKER`` is on (the default wherever Celery has real workers and Redis). Off (the
    unit tests: eager Celery, in-memory layer, no worker), it runs in this process, in a thread.
    """

    from training import conf

    if version.serving_backend == "openai":
        return _cached(
            ("openai", version.endpoint_url, version.served_name or version.name),
            lambda: OpenAICompatibleBackend(
                base_url=version.endpoint_url,
                model=version.served_name or version.name,
                api_key=conf.inference_api_key(),
            ),
        )
    if conf.inference_in_worker():
        from training.inference_worker import WorkerProcessBackend

        return _cached(("worker", version.pk), lambda: WorkerProcessBackend(version_id=version.pk))
    return local_backend_for(version)


def astream(backend: InferenceBackend, request: ChatRequest) -> AsyncIterator[str]:
    """The reply's pieces as an async iterator, without running blocking code in the event loop."""
    return backend.astream(request)


def _threaded_astream(backend: InferenceBackend, request: ChatRequest) -> AsyncIterator[str]:
    """Iterate ``backend.stream(request)`` in a worker thread, handing pieces to the event loop."""

    def produce(emit: Callable[[str], bool]) -> None:
        pieces = backend.stream(request)
        try:
            for piece in pieces:
                if not emit(piece):
                    break
        finally:
            close = getattr(pieces, "close", None)
            if close:
                close()

    return _relay_astream(produce)


async def _relay_astream(produce: Callable[[Callable[[str], bool]], None]) -> AsyncIterator[str]:
    """Run ``produce(emit)`` in a thread; each emitted piece reaches the event loop, and ``emit``
    answers False once the reader has gone, so the producer can stop."""
    loop = asyncio.get_running_loop()
    pieces: asyncio.Queue = asyncio.Queue()
    stop = threading.Event()

    def post(item) -> bool:
        try:
            loop.call_soon_threadsafe(pieces.put_nowait, item)
        except RuntimeError:  # the loop has closed: nobody is reading any more
            stop.set()
            return False
        return True

    def emit(piece: str) -> bool:
        return not stop.is_set() and post(piece)

    def run() -> None:
        try:
            produce(emit)
        except BaseException as error:
            post(error)
        finally:
            post(_END)

    worker = threading.Thread(target=run, name="troupe-stream", daemon=True)
    worker.start()
    try:
        while True:
            item = await pieces.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
