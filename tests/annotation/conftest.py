import pytest

from tests.annotation.openai_loopback import LoopbackOpenAI

# The shared live-server and browser fixtures (uvicorn subprocess, shared database, Chromium).
from tests.e2e.conftest import (  # noqa: F401
    _sqlite_live_template,
    chromium,
    live_db,
    redis_url,
    session_cookie,
    uvicorn_server,
    uvicorn_server_factory,
)


@pytest.fixture
def openai_server():
    server = LoopbackOpenAI()
    yield server
    server.close()


@pytest.fixture
def llm_settings(settings, openai_server):
    """Point the LLM_* settings at the loopback server, with short backoffs."""
    settings.LLM_BASE_URL = openai_server.base_url
    settings.LLM_API_KEY = openai_server.api_key
    settings.LLM_MODEL = "gpt-4"
    settings.LLM_BACKOFF_BASE_S = 0.01
    settings.LLM_REQUESTS_PER_MINUTE = 6000
    return settings


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """``with committed(): ...`` runs the ``on_commit`` work (Celery enqueues, eager in tests) that a
    real commit would, since tests run inside a transaction that never commits."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
