"""Run the whole platform on one machine: Redis (embedded unless REDIS_URL is set), the ASGI
server and Celery workers (default, training and inference queues) and beat, until Ctrl-C, SIGTERM
or SIGHUP stops them all (also when serve runs in the background, where SIGINT starts ignored).

Every child runs in its own process group, so stopping one reaches the processes it forked (uvicorn's
workers, Celery's pool); on Linux a child also gets SIGTERM if serve itself is killed outright."""

import ctypes
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable

from django.conf import settings
from django.core.management.base import BaseCommand

from platform_core.embedded_redis import start_embedded_redis

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
STOP_TIMEOUT_S = 20.0
PR_SET_PDEATHSIG = 1


class StopRequested(Exception):
    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _raise_stop(signum: int, frame: object) -> None:
    raise StopRequested(signum)


def _child_setup() -> None:
    """Runs in each child before exec: its own process group, and SIGTERM when serve dies (Linux)."""
    os.setpgid(0, 0)
    for signum in STOP_SIGNALS:
        signal.signal(signum, signal.SIG_DFL)  # not inherited as ignored from a background start
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def start_child(command: list[str], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(command, env=env, preexec_fn=_child_setup)


def _signal_group(child: subprocess.Popen, signum: int) -> None:
    """``signum`` to the child's process group (its own forks included), or to the child alone."""
    try:
        if os.getpgid(child.pid) == child.pid:
            os.killpg(child.pid, signum)
        else:
            child.send_signal(signum)
    except ProcessLookupError:
        pass


def stop_children(children: list[subprocess.Popen], timeout_s: float = STOP_TIMEOUT_S) -> None:
    """SIGTERM every child's group (newest first), wait, then SIGKILL what is left of each group."""
    for child in reversed(children):
        if child.poll() is None:
            _signal_group(child, signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    for child in reversed(children):
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
        _signal_group(child, signal.SIGKILL)  # the child, or forks it left behind
        child.wait()


def stop_signals_raise() -> Callable[[], None]:
    """Make SIGTERM, SIGINT and SIGHUP raise ``StopRequested``; returns a function that ignores them
    again (during teardown, so a second Ctrl-C cannot cut it short)."""
    for signum in STOP_SIGNALS:
        signal.signal(signum, _raise_stop)

    def ignore() -> None:
        for signum in STOP_SIGNALS:
            signal.signal(signum, signal.SIG_IGN)

    return ignore


class Command(BaseCommand):
    help = "Start the ASGI server, Celery workers and beat (and an embedded Redis when REDIS_URL is unset)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--workers", type=int, default=1, help="ASGI worker processes")

    def handle(self, *args, host: str, port: int, workers: int, **options) -> None:
        children: list[subprocess.Popen] = []
        ignore_stop_signals = stop_signals_raise()
        try:
            self.run_until_stopped(children, host=host, port=port, workers=workers)
        except StopRequested as stop:
            self.stdout.write(f"Stopping ({stop})…")
        finally:
            ignore_stop_signals()
            stop_children(children)

    def run_until_stopped(self, children: list[subprocess.Popen], *, host: str, port: int, workers: int) -> None:
        """Start every process into ``children`` (as each starts), then return when one of them stops."""
        env = dict(os.environ)
        if not os.environ.get("REDIS_URL"):
            children.append(start_embedded_redis(settings.EMBEDDED_REDIS_SOCKET))
            self.stdout.write(f"Embedded Redis on {settings.EMBEDDED_REDIS_SOCKET}")
        python = sys.executable
        celery = [python, "-m", "celery", "-A", "platform_core"]
        commands = [
            [python, "-m", "uvicorn", "platform_core.asgi:application", "--host", host, "--port", str(port),
             "--workers", str(workers), "--ws", "websockets-sansio", "--ws-per-message-deflate", "false"],
            [*celery, "worker", "-Q", "celery", "-n", "default@%h", "--concurrency", "2", "-l", "info"],
            [*celery, "worker", "-Q", "training", "-n", "training@%h", "--concurrency", "1", "-l", "info"],
            [*celery, "beat", "-l", "info", "--schedule", str(settings.VAR_DIR / "celerybeat-schedule")],
        ]  # fmt: skip
        if settings.INFERENCE_IN_WORKER:
            # Generates local-model replies for every ASGI worker; one process holds the model.
            from training.inference_worker import worker_arguments

            commands.append([*celery, *worker_arguments(queue=settings.INFERENCE_QUEUE), "-l", "info"])
        for command in commands:
            children.append(start_child(command, env))
        self.stdout.write(self.style.SUCCESS(f"Troupe is running at http://{host}:{port}/  (Ctrl-C stops it)"))
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
        failed = [child.args[:4] for child in children if child.poll() is not None]
        self.stderr.write(f"A process stopped unexpectedly: {failed}")
