"""``manage.py serve`` on a fresh data directory: the path ``make run`` takes on a laptop."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _embedded_env(var_dir: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"REDIS_URL", "DATABASE_URL", "TROUPE_TESTING", "CHANNEL_LAYER_PREFIX"}
    }
    env["TROUPE_VAR_DIR"] = str(var_dir)
    return env


def _serve(tmp_path: Path, **popen) -> tuple[subprocess.Popen, str, dict[str, str]]:
    """``manage.py serve`` on a fresh var dir and a free port, in its own session: (process, base URL, env)."""
    env = _embedded_env(tmp_path / "var")
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "serve", "--port", str(port)], cwd=ROOT, env=env, start_new_session=True, **popen
    )
    return server, f"http://127.0.0.1:{port}", env


def test_serve_starts_web_and_workers_on_an_embedded_redis(tmp_path):
    server, base, env = _serve(tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        _wait_until_up(server, base)
        home = httpx.get(f"{base}/")
        assert home.status_code == 302 and home.headers["location"].startswith("/accounts/login/")
        schema = httpx.get(f"{base}/api/schema/")
        assert schema.status_code == 200 and b"openapi" in schema.content
        assert (tmp_path / "var" / "redis" / "redis.sock").exists()

        ping = None
        for _ in range(20):
            ping = subprocess.run(
                [sys.executable, "-m", "celery", "-A", "platform_core", "inspect", "ping", "--timeout", "3"],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
            )
            if "default@" in ping.stdout and "training@" in ping.stdout:
                break
            time.sleep(1)
        assert "default@" in ping.stdout and "training@" in ping.stdout, ping.stdout + ping.stderr
        # serve stops everything when any child dies: still running means beat and the rest are up.
        assert server.poll() is None
        assert (tmp_path / "var" / "celerybeat-schedule").exists() or any(
            (tmp_path / "var").glob("celerybeat-schedule*")
        )
    finally:
        os.killpg(server.pid, signal.SIGINT)
        try:
            server.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            raise
    assert not (tmp_path / "var" / "redis" / "redis.sock").exists() or _socket_dead(
        tmp_path / "var" / "redis" / "redis.sock"
    )


def _socket_dead(path: Path) -> bool:
    with socket.socket(socket.AF_UNIX) as sock:
        try:
            sock.connect(str(path))
        except OSError:
            return True
    return False


def _ignore_sigint() -> None:
    """How a non-interactive shell starts a background job (``serve &``): SIGINT ignored."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _wait_until_up(server: subprocess.Popen, base: str, timeout_s: float = 240) -> None:
    """Until /healthz/ answers: five processes start, each importing Django, Presidio and the
    rest, which on a loaded 2-core machine takes minutes, not seconds."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if httpx.get(f"{base}/healthz/").status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert server.poll() is None, f"serve exited before it was up:\n{_output(server)}"
        assert time.monotonic() < deadline, "the server did not come up"
        time.sleep(0.3)


def _output(server: subprocess.Popen) -> str:
    return server.stdout.read().decode(errors="replace") if server.stdout else ""


def _alive(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


@pytest.mark.parametrize(
    "signum, preexec",
    [(signal.SIGTERM, None), (signal.SIGINT, _ignore_sigint)],
    ids=["kill-PID", "SIGINT-to-a-background-serve"],
)
def test_a_signal_to_serve_alone_stops_every_process_it_started(tmp_path, signum, preexec):
    server, base, _env = _serve(tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=preexec)
    descendants: list[psutil.Process] = []
    try:
        _wait_until_up(server, base)
        # Redis, uvicorn, two Celery workers and beat, and the processes they fork.
        deadline = time.monotonic() + 30
        while len(psutil.Process(server.pid).children()) < 5 and time.monotonic() < deadline:
            time.sleep(0.3)
        descendants = psutil.Process(server.pid).children(recursive=True)
        commands = [" ".join(child.cmdline()) for child in psutil.Process(server.pid).children()]
        assert any("redis-server" in command for command in commands), commands
        assert any("uvicorn" in command for command in commands), commands
        assert sum("celery" in command and " worker " in command for command in commands) >= 2, commands
        assert any("celery" in command and " beat " in command for command in commands), commands

        os.kill(server.pid, signum)  # the serve process only, as ``kill PID`` does
        assert server.wait(timeout=60) is not None
        _, still_alive = psutil.wait_procs(descendants, timeout=10)
        assert [(process.pid, process.name()) for process in still_alive if _alive(process)] == []
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
        for process in descendants:
            if _alive(process):
                process.kill()


def test_settings_refuse_to_start_without_secret_key_when_debug_is_off(tmp_path):
    env = {**_embedded_env(tmp_path), "DEBUG": "false"}
    env.pop("SECRET_KEY", None)
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='platform_core.settings'; django.setup()",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr
