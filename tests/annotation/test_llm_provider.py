import socket
import time

import pytest

from annotation.llm import ChatClient, LLMError, RateLimiter


def client(server, **kwargs) -> ChatClient:
    options = {"base_url": server.base_url, "api_key": server.api_key, "model": "gpt-4", "backoff_base_s": 0.01}
    options.update(kwargs)
    return ChatClient(**options)


def test_successful_completion_returns_text_and_token_counts(openai_server):
    openai_server.reply("你好，我是灯塔看守人。", prompt_tokens=12, completion_tokens=7)
    result = client(openai_server).complete([{"role": "user", "content": "hi"}], temperature=0.2)
    assert result.text == "你好，我是灯塔看守人。"
    assert (result.prompt_tokens, result.completion_tokens, result.attempts) == (12, 7, 1)
    sent = openai_server.requests[0]
    assert sent.path == "/v1/chat/completions"
    assert sent.headers["Authorization"] == "Bearer sk-test-key"
    assert sent.body["model"] == "gpt-4"
    assert sent.body["messages"] == [{"role": "user", "content": "hi"}]
    assert sent.body["temperature"] == 0.2


def test_malformed_provider_answer_is_a_bad_response_error_with_the_body(openai_server):
    openai_server.raw(200, b"<html>gateway says hello</html>")
    with pytest.raises(LLMError) as caught:
        client(openai_server).complete([{"role": "user", "content": "hi"}])
    assert caught.value.code == "bad_response"
    assert "gateway says hello" in caught.value.body


def test_answer_without_choices_is_a_bad_response_error(openai_server):
    openai_server.script.append((200, {"id": "x", "choices": []}, {}))
    with pytest.raises(LLMError, match="not a chat completion"):
        client(openai_server).complete([{"role": "user", "content": "hi"}])


def test_rate_limited_request_waits_retry_after_then_succeeds(openai_server):
    openai_server.fail(429, headers={"Retry-After": "1"})
    openai_server.reply("second time lucky")
    chat = client(openai_server)
    result = chat.complete([{"role": "user", "content": "hi"}])
    assert result.text == "second time lucky"
    assert result.attempts == 2
    first, second = openai_server.requests
    assert second.at - first.at >= 1.0  # the server's Retry-After, not the 0.01 s backoff
    assert chat.waits == [1.0]


def test_server_errors_back_off_exponentially_then_give_up(openai_server):
    for _ in range(3):
        openai_server.fail(503)
    chat = client(openai_server, max_retries=2, backoff_base_s=0.02)
    with pytest.raises(LLMError) as caught:
        chat.complete([{"role": "user", "content": "hi"}])
    assert caught.value.code == "server_error"
    assert chat.waits == [0.02, 0.04]
    assert len(openai_server.requests) == 3


def test_bad_key_fails_at_once_with_a_clear_error(openai_server):
    chat = ChatClient(base_url=openai_server.base_url, api_key="sk-wrong", model="gpt-4", backoff_base_s=0.01)
    with pytest.raises(LLMError) as caught:
        chat.complete([{"role": "user", "content": "hi"}])
    assert caught.value.code == "bad_key"
    assert "refused the API key" in caught.value.message
    assert len(openai_server.requests) == 1  # no retries on a bad key


def test_unreachable_url_fails_with_the_address():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens there
    chat = ChatClient(base_url=f"http://127.0.0.1:{port}/v1", api_key="k", model="gpt-4")
    with pytest.raises(LLMError) as caught:
        chat.complete([{"role": "user", "content": "hi"}])
    assert caught.value.code == "unreachable"
    assert f"127.0.0.1:{port}" in caught.value.message


def test_wrong_path_is_reported_as_a_bad_base_url(openai_server):
    chat = ChatClient(base_url=openai_server.base_url + "/oops", api_key=openai_server.api_key, model="gpt-4")
    with pytest.raises(LLMError) as caught:
        chat.complete([{"role": "user", "content": "hi"}])
    assert caught.value.code == "unreachable"
    assert "check the base URL" in caught.value.message


def test_missing_base_url_is_refused_before_any_request():
    with pytest.raises(LLMError, match="No LLM base URL"):
        ChatClient(base_url="", api_key="k", model="gpt-4")


def test_timeout_is_retried_then_reported(openai_server):
    def slow(_body):
        time.sleep(0.5)
        return "late"

    openai_server.responder = slow
    chat = client(openai_server, timeout_s=0.1, max_retries=1)
    with pytest.raises(LLMError) as caught:
        chat.complete([{"role": "user", "content": "hi"}])
    assert caught.value.code == "timeout"
    assert len(openai_server.requests) == 2


def test_rate_limiter_spaces_requests_per_provider():
    now = [0.0]
    slept = []

    def sleep(seconds):
        slept.append(seconds)
        now[0] += seconds

    limiter = RateLimiter(requests_per_minute=120, clock=lambda: now[0])
    for _ in range(3):
        limiter.wait(sleep)
    assert slept == [0.5, 0.5]
