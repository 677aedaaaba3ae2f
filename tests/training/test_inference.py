"""Inference backends: a local model streams the same text it generates; an OpenAI-compatible endpoint streams over SSE."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ValidationError

from tests.training.conftest import first_piece_then_close
from training.inference import ChatRequest, InferenceError, LocalTransformersBackend, OpenAICompatibleBackend
from training.models import validate_generation_settings

MESSAGES = [
    {"role": "system", "content": "以下是一段灯塔看守人和用户之间的对话。"},
    {"role": "user", "content": "How is the weather?"},
]


def test_local_backend_streams_in_pieces_the_reply_greedy_generate_gives(tiny_model_dir):
    backend = LocalTransformersBackend(base_model=str(tiny_model_dir))
    request = ChatRequest(MESSAGES, {"temperature": 0, "max_new_tokens": 12, "min_new_tokens": 12})
    pieces = list(backend.stream(request))
    direct, token_count = backend.generate_direct(request)
    assert token_count == 12
    assert len(pieces) > 1  # streamed, not delivered at the end
    assert "".join(pieces) == direct


def test_a_reader_who_stops_early_stops_the_generation(tiny_model_dir):
    backend = LocalTransformersBackend(base_model=str(tiny_model_dir))
    pieces = backend.stream(ChatRequest(MESSAGES, {"temperature": 0, "max_new_tokens": 4000, "min_new_tokens": 4000}))
    assert next(pieces)
    pieces.close()
    # The model is free for the next reply within moments, not after 4000 tokens (~40 s on a CPU).
    assert backend._generate_lock.acquire(timeout=2)
    backend._generate_lock.release()


LONG_REPLY = {"temperature": 0, "max_new_tokens": 4000, "min_new_tokens": 4000}


def _generated_token_counts(backend: LocalTransformersBackend) -> list[int]:
    """How many tokens each later ``generate`` call of the backend's model produced."""
    backend.load()
    counts: list[int] = []
    generate = backend.model.generate

    def counting(*args, **kwargs):
        output = generate(*args, **kwargs)
        counts.append(output.shape[1] - kwargs["input_ids"].shape[1])
        return output

    backend.model.generate = counting
    return counts


def test_generating_in_the_calling_thread_stops_when_the_receiver_says_so(tiny_model_dir):
    backend = LocalTransformersBackend(base_model=str(tiny_model_dir))
    generated = _generated_token_counts(backend)
    received: list[str] = []

    def receive(piece: str) -> bool:
        received.append(piece)
        return len(received) < 3

    backend.generate_into(ChatRequest(MESSAGES, LONG_REPLY), receive)
    assert len(received) == 3
    assert generated[0] < 20  # stopped at the next token, not after 4000


def test_an_error_in_the_receiver_stops_the_generation_and_is_raised_as_it_is(tiny_model_dir):
    backend = LocalTransformersBackend(base_model=str(tiny_model_dir))
    generated = _generated_token_counts(backend)

    def receive(piece: str) -> bool:
        raise ConnectionError("the stream's Redis went away")

    with pytest.raises(ConnectionError, match="Redis went away"):
        backend.generate_into(ChatRequest(MESSAGES, LONG_REPLY), receive)
    assert generated[0] < 20


def test_an_event_loop_reader_who_stops_early_stops_the_generation(tiny_model_dir):
    backend = LocalTransformersBackend(base_model=str(tiny_model_dir))
    generated = _generated_token_counts(backend)

    assert first_piece_then_close(backend, ChatRequest(MESSAGES, LONG_REPLY))
    assert backend._generate_lock.acquire(timeout=10)  # the generation thread has let the model go
    backend._generate_lock.release()
    assert generated[0] < 20


def test_local_backend_reports_a_missing_model_directory(tmp_path):
    backend = LocalTransformersBackend(base_model=str(tmp_path / "nowhere"))
    with pytest.raises(InferenceError, match="No local model"):
        list(backend.stream(ChatRequest(MESSAGES)))


class _Endpoint(BaseHTTPRequestHandler):
    """Speaks the streaming chat-completions format the way vLLM does (SSE, ``data: [DONE]``)."""

    requests: list = []
    pieces = ("风很", "大，", "浪也", "很高。")

    def log_message(self, *args) -> None:  # keep the test output quiet
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": body})
        if body["model"] == "missing-adapter":
            payload = json.dumps({"error": {"message": "The model `missing-adapter` does not exist."}}).encode()
            self.send_response(404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        self.wfile.write(b": keep-alive\n\n")
        first = {"choices": [{"index": 0, "delta": {"role": "assistant"}}]}
        self.wfile.write(f"data: {json.dumps(first)}\n\n".encode())
        for piece in self.pieces:
            chunk = {"choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
            self.wfile.write(f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n".encode())
            self.wfile.flush()
        self.wfile.write(b"data: [DONE]\n\n")
        self.close_connection = True


@pytest.fixture
def endpoint():
    _Endpoint.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Endpoint)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


def test_openai_backend_streams_content_deltas_and_sends_the_adapter_name_and_settings(endpoint):
    backend = OpenAICompatibleBackend(base_url=endpoint, model="troupe-gen2", api_key="k-123")
    settings = {"temperature": 0.7, "top_p": 0.9, "max_new_tokens": 64, "repetition_penalty": 1.1}
    pieces = list(backend.stream(ChatRequest(MESSAGES, settings)))
    assert pieces == list(_Endpoint.pieces)
    (sent,) = _Endpoint.requests
    assert sent["path"] == "/v1/chat/completions" and sent["auth"] == "Bearer k-123"
    assert sent["body"]["model"] == "troupe-gen2" and sent["body"]["stream"] is True
    assert sent["body"]["messages"] == MESSAGES
    assert (sent["body"]["max_tokens"], sent["body"]["temperature"], sent["body"]["repetition_penalty"]) == (
        64,
        0.7,
        1.1,
    )


def test_openai_backend_reports_the_endpoint_error(endpoint):
    backend = OpenAICompatibleBackend(base_url=endpoint, model="missing-adapter")
    with pytest.raises(InferenceError, match=r"404.*does not exist"):
        list(backend.stream(ChatRequest(MESSAGES)))


def test_openai_backend_reports_an_unreachable_endpoint():
    backend = OpenAICompatibleBackend(base_url="http://127.0.0.1:9/v1", model="m", timeout_s=2)
    with pytest.raises(InferenceError, match="Could not reach"):
        list(backend.stream(ChatRequest(MESSAGES)))


def test_generation_settings_outside_their_range_are_refused():
    validate_generation_settings({"temperature": 0.5, "max_new_tokens": 32})
    for bad in ({"temperature": 9}, {"max_new_tokens": 1.5}, {"beam_width": 4}, {"top_p": "high"}):
        with pytest.raises(ValidationError, match=r"must|Unknown"):
            validate_generation_settings(bad)
