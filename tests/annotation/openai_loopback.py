"""A real HTTP server on 127.0.0.1 that speaks the OpenAI chat-completions format.

Tests queue scripted replies (``reply``, ``fail``) or set ``responder`` (request JSON -> content);
a request with ``stream: true`` gets the responder's content as server-sent events, word by word;
every request is recorded with its headers, body and arrival time. No client code is mocked.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    at: float


@dataclass
class LoopbackOpenAI:
    api_key: str = "sk-test-key"
    requests: list[Recorded] = field(default_factory=list)
    responder: Callable[[dict[str, Any]], str] | None = None
    script: deque = field(default_factory=deque)

    def __post_init__(self) -> None:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep test output clean
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    body = {}
                server.requests.append(Recorded(self.path, dict(self.headers), body, time.monotonic()))
                if self.path != "/v1/chat/completions":
                    return self._send(404, {"error": {"message": "not found"}})
                if self.headers.get("Authorization") != f"Bearer {server.api_key}":
                    return self._send(
                        401, {"error": {"message": "Incorrect API key provided", "code": "invalid_api_key"}}
                    )
                if server.script:
                    status, payload, headers = server.script.popleft()
                    return self._send(status, payload, headers)
                content = server.responder(body) if server.responder else "ok"
                if body.get("stream"):
                    return self._send_stream(content, model=body.get("model", ""))
                return self._send(200, completion(content, model=body.get("model", "")))

            def _send_stream(self, content: str, *, model: str) -> None:
                """``stream: true``: server-sent events, one chunk per word, then ``[DONE]``."""
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                for piece in re.findall(r"\S+\s*", content) or [content]:
                    chunk = {"model": model, "choices": [{"index": 0, "delta": {"content": piece}}]}
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    self.wfile.flush()
                self.wfile.write(b"data: [DONE]\n\n")

            def _send(self, status: int, payload: Any, headers: dict | None = None) -> None:
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def reply(self, content: str, *, prompt_tokens: int = 10, completion_tokens: int = 20) -> None:
        self.script.append(
            (200, completion(content, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens), {})
        )

    def fail(self, status: int, headers: dict | None = None, payload: Any = None) -> None:
        self.script.append(
            (status, payload if payload is not None else {"error": {"message": "try later"}}, headers or {})
        )

    def raw(self, status: int, body: bytes) -> None:
        self.script.append((status, body, {}))

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def completion(content: str, *, model: str = "gpt-4", prompt_tokens: int = 10, completion_tokens: int = 20) -> dict:
    return {
        "id": "chatcmpl-loopback",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model or "gpt-4",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }
