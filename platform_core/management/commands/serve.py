"""Run the whole platform on one machine: Redis (embedded unless REDIS_URL is set), the ASGI
server and Celery workers (default, training and inference queues) and beat, until Ctrl-C stops them all."""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand

from platform_core.embedded_redis import start_embedded_redis


class Command(BaseCommand):
    help = "Start the ASGI server, Celery workers and beat (and an embedded Redis when REDIS_URL is unset)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--workers", type=int, default=1, help="ASGI worker processes")

    def handle(self, *args, host: str, port: int, workers: int, **options) -> None:
        children: list[subprocess.Popen] = []
        env = dict(os.environ)
        if not os.environ.get("REDIS_URL"):
            children.append(start_embedded_redis(settings.EMBEDDED_REDIS_SOCKET))
            self.stdout.write(f"Embedded Redis on {settings.EMBEDDED_REDIS_SOCKET}")
        python = sys.executable
        celery = [python, "-m", "celery", "-A", "platform_core"]
        commands = [
            [python, "-m", "uvicorn", "platform_core.asgi:application", "--host", host, "--port", str(port),
             "--workers", str(workers), "--ws", "websockets", "--ws-per-message-deflate", "false"],
            [*celery, "worker", "-Q", "celery", "-n", "default@%h", "--concurrency", "2", "-l", "info"],
            [*celery, "worker", "-Q", "training", "-n", "training@%h", "--concurrency", "1", "-l", "info"],
            [*celery, "beat", "-l", "info", "--schedule", str(settings.VAR_DIR / "celerybeat-schedule")],
        ]  # fmt: skip
        if settings.INFERENCE_IN_WORKER:
            # Generates local-model replies for every ASGI worker; one process holds the model.
            from training.inference_worker import worker_arguments

            commands.append([*celery, *worker_arguments(queue=settings.INFERENCE_QUEUE), "-l", "info"])
        children.extend(subprocess.Popen(command, env=env) for command in commands)
        self.stdout.write(self.style.SUCCESS(f"Troupe is running at http://{host}:{port}/  (Ctrl-C stops it)"))
        try:
            while all(child.poll() is None for child in children):
                time.sleep(0.5)
            failed = [child.args[:4] for child in children if child.poll() is not None]
            self.stderr.write(f"A process stopped unexpectedly: {failed}")
        except KeyboardInterrupt:
            self.stdout.write("Stopping…")
        finally:
            for child in reversed(children):
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)
            for child in reversed(children):
                try:
                    child.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    child.kill()
