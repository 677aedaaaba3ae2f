"""OpenAI-compatible chat completions over HTTP: retries, rate limit, token accounting, clear errors.

One ``ChatClient`` per provider. The rate limit is shared by every client of the same base URL in
this process (a worker process runs one batch at a time, so this bounds a worker's request rate).
"""

from __future__ import annotations

import email.utils
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from django.conf import settings

RETRYABLE_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504})
MAX_BACKOFF_S = 60.0


class LLMError(Exception):
    """A failed chat completion. ``code`` is stable: bad_key, unreachable, timeout, rate_limited,
    server_error, bad_request, bad_response."""

    def __init__(self, code: str, message: str, *, status: int | None = None, body: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.body = body


@dataclass(frozen=True)
class ChatResult:
    text: str
    model: str
    prompt_tokens: int
    completion_tokens: int
    attempts: int
    finish_reason: str = ""


class RateLimiter:
    """Spaces requests at least ``60 / requests_per_minute`` seconds apart (thread-safe)."""

    def __init__(self, requests_per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = 60.0 / requests_per_minute if requests_per_minute > 0 else 0.0
        self._clock = clock
        self._next_slot = 0.0
        self._lock = threading.Lock()

    def wait(self, sleep: Callable[[float], None]) -> float:
        """Block until the next slot; returns the seconds waited."""
        with self._lock:
            now = self._clock()
            slot = max(now, self._next_slot)
            self._next_slot = slot + self.interval
        delay = slot - now
        if delay > 0:
            sleep(delay)
        return max(delay, 0.0)


_limiters: dict[tuple[str, int], RateLimiter] = {}
_limiters_lock = threading.Lock()


def rate_limiter_for(base_url: str, requests_per_minute: int) -> RateLimiter:
    key = (base_url.rstrip("/"), requests_per_minute)
    with _limiters_lock:
        if key not in _limiters:
            _limiters[key] = RateLimiter(requests_per_minute)
        return _limiters[key]


def _retry_after_s(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value) if value else None
        if parsed is None:
            return None
        return max(0.0, parsed.timestamp() - time.time())


@dataclass
class ChatClient:
    base_url: str
    api_key: str
    model: str
    timeout_s: float = 60.0
    max_retries: int = 4
    requests_per_minute: int = 60
    backoff_base_s: float = 1.0
    sleep: Callable[[float], None] = time.sleep
    transport: httpx.BaseTransport | None = None
    waits: list[float] = field(default_factory=list)  # backoff waits, for accounting and tests

    def __post_init__(self) -> None:
        if not self.base_url:
            raise LLMError("unreachable", "No LLM base URL is configured (set LLM_BASE_URL or pick a provider).")
        if not self.base_url.startswith(("http://", "https://")):
            raise LLMError("unreachable", f"The LLM base URL {self.base_url!r} must start with http:// or https://.")
        self.limiter = rate_limiter_for(self.base_url, self.requests_per_minute)

    @property
    def url(self) -> str:
        return self.base_url.rstrip("/") + "/chat/completions"

    def complete(
        self,
        messages: list[dict[str, str]],
        *,
        model: str | None = None,
        temperature: float = 0.8,
        max_tokens: int | None = None,
        json_mode: bool = False,
    ) -> ChatResult:
        payload: dict[str, Any] = {"model": model or self.model, "messages": messages, "temperature": temperature}
        if max_tokens:
            payload["max_tokens"] = max_tokens
        if json_mode:
            payload["response_format"] = {"type": "json_object"}
        headers = {"Authorization": f"Bearer {self.api_key}", "Content-Type": "application/json"}
        attempt = 0
        with httpx.Client(timeout=self.timeout_s, transport=self.transport) as http:
            while True:
                attempt += 1
                self.limiter.wait(self.sleep)
                try:
                    response = http.post(self.url, json=payload, headers=headers)
                except httpx.TimeoutException as error:
                    failure = LLMError("timeout", f"The LLM provider at {self.base_url} did not answer in time.")
                    if attempt > self.max_retries:
                        raise failure from error
                    self._backoff(attempt, None)
                    continue
                except (httpx.ConnectError, httpx.UnsupportedProtocol, httpx.RemoteProtocolError) as error:
                    # A wrong URL does not heal by waiting: fail at once with the address.
                    raise LLMError(
                        "unreachable", f"Cannot reach the LLM provider at {self.base_url}: {error}"
                    ) from error
                if response.status_code == 200:
                    return self._parse(response, attempt)
                body = response.text[:2000]
                if response.status_code in (401, 403):
                    raise LLMError(
                        "bad_key",
                        f"The LLM provider at {self.base_url} refused the API key (HTTP {response.status_code}).",
                        status=response.status_code,
                        body=body,
                    )
                if response.status_code in RETRYABLE_STATUS:
                    code = "rate_limited" if response.status_code == 429 else "server_error"
                    if attempt > self.max_retries:
                        raise LLMError(
                            code,
                            f"The LLM provider answered HTTP {response.status_code} after {attempt} attempts.",
                            status=response.status_code,
                            body=body,
                        )
                    self._backoff(attempt, _retry_after_s(response))
                    continue
                if response.status_code == 404:
                    raise LLMError(
                        "unreachable",
                        f"No chat-completions endpoint at {self.url} (HTTP 404); check the base URL.",
                        status=404,
                        body=body,
                    )
                raise LLMError(
                    "bad_request",
                    f"The LLM provider refused the request (HTTP {response.status_code}): {body[:300]}",
                    status=response.status_code,
                    body=body,
                )

    def _backoff(self, attempt: int, retry_after: float | None) -> None:
        delay = self.backoff_base_s * (2 ** (attempt - 1))
        if retry_after is not None:
            delay = max(delay, retry_after)  # never earlier than the server asked
        delay = min(delay, MAX_BACKOFF_S)
        self.waits.append(delay)
        self.sleep(delay)

    def _parse(self, response: httpx.Response, attempt: int) -> ChatResult:
        try:
            data = response.json()
            choice = data["choices"][0]
            text = choice["message"]["content"]
            if not isinstance(text, str):
                raise TypeError("content is not a string")
        except (ValueError, KeyError, IndexError, TypeError) as error:
            raise LLMError(
                "bad_response",
                f"The LLM provider's answer is not a chat completion ({error}).",
                status=200,
                body=response.text[:2000],
            ) from error
        usage = data.get("usage") or {}
        return ChatResult(
            text=text,
            model=str(data.get("model") or ""),
            prompt_tokens=int(usage.get("prompt_tokens") or 0),
            completion_tokens=int(usage.get("completion_tokens") or 0),
            attempts=attempt,
            finish_reason=str(choice.get("finish_reason") or ""),
        )


def client_for(provider: Any | None = None, *, model: str | None = None) -> ChatClient:
    """A client for an ``LLMProvider`` row, or for the LLM_* settings when ``provider`` is None."""
    if provider is None:
        return ChatClient(
            base_url=settings.LLM_BASE_URL,
            api_key=settings.LLM_API_KEY,
            model=model or settings.LLM_MODEL,
            timeout_s=settings.LLM_TIMEOUT_S,
            max_retries=settings.LLM_MAX_RETRIES,
            requests_per_minute=settings.LLM_REQUESTS_PER_MINUTE,
            backoff_base_s=getattr(settings, "LLM_BACKOFF_BASE_S", 1.0),
        )
    return ChatClient(
        base_url=provider.base_url,
        api_key=provider.api_key or settings.LLM_API_KEY,
        model=model or provider.default_model,
        timeout_s=provider.timeout_s,
        max_retries=provider.max_retries,
        requests_per_minute=provider.requests_per_minute,
        backoff_base_s=getattr(settings, "LLM_BACKOFF_BASE_S", 1.0),
    )
