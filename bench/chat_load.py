"""Load benchmark of the live chat: N pairs of WebSocket clients against the real server.

    python bench/chat_load.py --pairs N --duration SECONDS --json OUT

What it does, all in one run:
1. Makes a fresh database next to ``DATABASE_URL`` (PostgreSQL: ``<name>_chatbench``; unset: a
   temporary SQLite file), migrates it, and uses ``REDIS_URL`` (unset: a private redis-server).
2. Creates 2N crowdworkers and pairs them through the real queue and matchmaker services.
3. Starts ``uvicorn platform_core.asgi:application`` (``--server-workers`` processes) and connects
   2N WebSocket clients; each pair agrees on a topic over the protocol. ``--server-workers 2,4``
   repeats the whole run (fresh database, its own relay baseline) for each count and prints the
   runs side by side; the JSON then holds ``server_workers`` and the list ``runs``.
4. Phase "human": for ``--duration`` seconds every worker writes one message per
   ``--interval`` seconds (default 5), taking turns. Phase "max": for ``--burst`` seconds every
   pair ping-pongs as fast as it can. Latency is send → partner receives the ``turn`` frame.
5. Checks the database: every message a client sent stored exactly once, gap-free seqs;
   ``lost`` counts sent messages missing from the database, ``duplicated`` stored duplicates plus
   turns a partner received twice.
6. Runs the same two phases against a raw ``websockets`` relay (no Django, no database, one
   process) as the baseline and prints the ratios.

The clients run in this process, on the same machine, so on a small machine they compete with the
server for CPU: the numbers are an upper bound on latency, a lower bound on throughput.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse, urlunparse

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(REPO_ROOT / "bench"))

import chat_arrivals  # noqa: E402 - from bench/, put on the path above


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


# --- environment: database and Redis -----------------------------------------------------------


@dataclass
class Environment:
    database_url: str
    redis_url: str
    var_dir: Path
    cleanups: list = field(default_factory=list)

    def close(self) -> None:
        for cleanup in reversed(self.cleanups):
            try:
                cleanup()
            except Exception as error:  # cleanup must not hide the results
                print(f"cleanup failed: {error}", file=sys.stderr)


def prepare_environment(keep_db: bool, suffix: str = "chatbench", redis: bool = True) -> Environment:
    """A fresh database ``<name>_<suffix>`` next to ``DATABASE_URL`` (or SQLite), and Redis when asked."""
    var_dir = Path(tempfile.mkdtemp(prefix="troupe-chatbench-"))
    env = Environment(database_url="", redis_url="", var_dir=var_dir)
    env.cleanups.append(lambda: shutil.rmtree(var_dir, ignore_errors=True))
    base = os.environ.get("DATABASE_URL", "")
    if base.startswith(("postgres://", "postgresql://")):
        import psycopg

        parsed = urlparse(base)
        name = f"{parsed.path.lstrip('/') or 'troupe'}_{suffix}"
        admin_url = urlunparse(parsed._replace(path="/postgres"))
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')

        def drop() -> None:
            with psycopg.connect(admin_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

        if not keep_db:
            env.cleanups.append(drop)
        env.database_url = urlunparse(parsed._replace(path=f"/{name}"))
    else:
        env.database_url = f"sqlite:///{var_dir / 'bench.sqlite3'}"
    if not redis:
        return env
    if os.environ.get("REDIS_URL"):
        env.redis_url = os.environ["REDIS_URL"]
    else:
        from platform_core.embedded_redis import start_embedded_redis

        process = start_embedded_redis(var_dir / "redis" / "redis.sock")
        env.cleanups.append(lambda: (process.terminate(), process.wait(timeout=10)))
        env.redis_url = f"unix://{var_dir / 'redis' / 'redis.sock'}"
    return env


def server_env(env: Environment) -> dict[str, str]:
    result = dict(os.environ)
    result.update(
        {
            "DATABASE_URL": env.database_url,
            "REDIS_URL": env.redis_url,
            "TROUPE_VAR_DIR": str(env.var_dir),
            "CHANNEL_LAYER_PREFIX": f"chatbench{os.getpid()}",
            "DEBUG": "0",
            "SECRET_KEY": "chat-bench-" + uuid.uuid4().hex,
            "LOG_LEVEL": "WARNING",
            "DB_CONN_MAX_AGE": os.environ.get("DB_CONN_MAX_AGE", "600"),
            # The benchmark measures the message path, not the timers: nobody times out.
            "LIVE_IDLE_TIMEOUT_S": "3600",
            "LIVE_PARTNER_GRACE_S": "3600",
            "LIVE_JOIN_WINDOW_S": "3600",
            "LIVE_QUEUE_TICK_S": "3600",
            # Bots write as fast as their turn comes: the per-socket frame limit would cap them.
            "WS_MAX_FRAMES_PER_S": "0",
        }
    )
    result.pop("TROUPE_TESTING", None)
    return result


# --- data: workers, pairs, cookies (in this process, through the services) -----------------------


# How long the closed system's workers may wait for the matchmaker before the run gives up.
MATCH_WAIT_S = 120.0


def setup_pairs(pairs: int) -> list[tuple[int, str, str]]:
    """2N crowdworkers paired by the real matchmaker; returns (session id, character cookie, player cookie)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from platform_core.models import RoleGrant, User, WorkerProfile
    from platform_core.roles import Role
    from roleplay.live import matchmaking, queue
    from roleplay.models import (
        Character,
        CharacterCategory,
        Language,
        LiveSession,
        MatchQueueEntry,
        PlayerPersona,
        QueueEntryStatus,
    )

    run = uuid.uuid4().hex[:6]
    Character.objects.create(
        name="Bench Keeper",
        category=CharacterCategory.DAILY_LIFE,
        language=Language.EN,
        identity="Keeps a lighthouse.",
        greeting="Ahoy!",
    )
    PlayerPersona.objects.create(name="Bench Visitor", language=Language.EN)
    # Accounts without passwords: the clients sign in with a session made here.
    users = User.objects.bulk_create(
        [User(username=f"bench-{run}-{i}", password="!") for i in range(2 * pairs)], batch_size=500
    )
    RoleGrant.objects.bulk_create([RoleGrant(user=u, role=Role.CROWDWORKER) for u in users], batch_size=500)
    WorkerProfile.objects.bulk_create(
        [
            WorkerProfile(
                user=u,
                display_name=u.username,
                languages=["en"],
                can_play_character=i % 2 == 0,
                can_play_player=i % 2 == 1,
            )
            for i, u in enumerate(users)
        ],
        batch_size=500,
    )
    for i, user in enumerate(users):
        queue.queue_join(worker=user, side="character" if i % 2 == 0 else "player")
    # A pass made by another process (the server's waiting-room tick, still running after an arrival
    # phase) holds the gate: matchmaker_run then makes nothing, which does not mean all are paired.
    waiting = MatchQueueEntry.objects.filter(worker__in=users, status=QueueEntryStatus.WAITING)
    give_up = time.monotonic() + MATCH_WAIT_S
    while waiting.exists() and time.monotonic() < give_up:
        if not matchmaking.matchmaker_run():
            time.sleep(0.05)
    cookies: dict[int, str] = {}
    for user in users:
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        cookies[user.pk] = store.session_key
    sessions = LiveSession.objects.filter(character_worker__in=users, player_worker__in=users).order_by("pk")
    result = [(s.pk, cookies[s.character_worker_id], cookies[s.player_worker_id]) for s in sessions]
    if len(result) != pairs:
        raise RuntimeError(f"the matchmaker made {len(result)} pairs, not {pairs}")
    return result


def check_database(sent: dict[int, dict[str, str]], acked: set[str]) -> dict[str, int]:
    """Compare what the clients sent (session -> {client_msg_id: text}) with what is stored.

    ``lost``: acknowledged (so promised stored) but missing or different in the database.
    ``unacked_stored``: sent, never acknowledged before the clients closed, yet stored (fine)."""
    from roleplay.models import LiveSession, Turn

    lost = duplicated = gaps = stored_total = unacked_stored = unacked_missing = 0
    for session_id, messages in sent.items():
        dialogue_id = LiveSession.objects.get(pk=session_id).dialogue_id
        rows = list(
            Turn.objects.filter(dialogue_id=dialogue_id).order_by("seq").values_list("seq", "client_msg_id", "text")
        )
        stored_total += len(rows)
        if [seq for seq, _, _ in rows] != list(range(1, len(rows) + 1)):
            gaps += 1
        ids = [str(msg_id) for _, msg_id, _ in rows]
        duplicated += len(ids) - len(set(ids))
        stored = {str(msg_id): text for _, msg_id, text in rows}
        for msg_id, text in messages.items():
            if msg_id in acked:
                lost += stored.get(msg_id) != text
            elif msg_id in stored:
                unacked_stored += 1
            else:
                unacked_missing += 1
    return {
        "lost": lost,
        "duplicated_in_db": duplicated,
        "sessions_with_gaps": gaps,
        "stored_turns": stored_total,
        "unacked_at_close_stored": unacked_stored,
        "unacked_at_close_not_stored": unacked_missing,
    }


# --- servers ------------------------------------------------------------------------------------


def start_uvicorn(env: dict[str, str], port: int, workers: int, log: Path) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "platform_core.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--ws",
            "websockets-sansio",
            # As in production (manage.py serve, docker-compose): uvicorn's sans-I/O WebSocket
            # protocol (its default; it took about an eighth less server CPU per chat message than
            # the legacy one here), and no compression: chat frames are ~200 bytes, too small for
            # compression to pay for its CPU.
            "--ws-per-message-deflate",
            "false",
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        cwd=REPO_ROOT,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )
    wait_listening(process, port, log)
    return process


def start_relay(port: int, log: Path) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, __file__, "--relay-server", str(port)],
        cwd=REPO_ROOT,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )
    wait_listening(process, port, log)
    return process


def wait_listening(process: subprocess.Popen, port: int, log: Path, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {log.read_text(errors='replace')[-3000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("server did not start")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


async def relay_server(port: int) -> None:
    """The baseline: relay each text frame to the partner seat of the same pair, nothing else."""
    import websockets

    seats: dict[tuple[str, str], object] = {}

    async def handler(connection) -> None:
        _, pair_id, side = connection.request.path.split("/")[:3]
        seats[(pair_id, side)] = connection
        other = "player" if side == "character" else "character"
        try:
            async for message in connection:
                frame = json.loads(message)
                partner = seats.get((pair_id, other))
                out = json.dumps({"type": "turn", "client_msg_id": frame["client_msg_id"], "text": frame["text"]})
                await connection.send(json.dumps({"type": "ack", "client_msg_id": frame["client_msg_id"]}))
                if partner is not None:
                    await partner.send(out)
        finally:
            seats.pop((pair_id, side), None)

    # No compression, like the Troupe server, so that the baseline does the same transport work.
    async with websockets.serve(handler, "127.0.0.1", port, max_queue=None, compression=None):
        await asyncio.Future()


# --- clients ------------------------------------------------------------------------------------


@dataclass
class Stats:
    sent_at: dict[str, float] = field(default_factory=dict)
    latencies: dict[str, list[float]] = field(default_factory=lambda: {"human": [], "max": []})
    delivered: dict[str, int] = field(default_factory=lambda: {"human": 0, "max": 0})
    duplicate_deliveries: int = 0
    errors: list[dict] = field(default_factory=list)
    phase: str = "setup"
    undelivered: int = 0


class Seat:
    """One client: writes on its turn, at the phase's pace, and records latency on receipt."""

    def __init__(self, *, url: str, headers: dict, origin: str | None, side: str, pair: Pair, raw: bool) -> None:
        self.url, self.headers, self.origin, self.side, self.pair, self.raw = url, headers, origin, side, pair, raw
        self.socket = None
        self.sent: dict[str, str] = {}
        self.unacked: set[str] = set()
        self.acked: set[str] = set()
        self.seen_seqs: set[int] = set()
        self.ready = asyncio.Event()
        self.topic_answered = False  # a seat sees the ``topic`` state more than once: it answers it once
        self.counter = 0

    async def open(self) -> None:
        import websockets

        self.socket = await websockets.connect(
            self.url, additional_headers=self.headers, origin=self.origin, open_timeout=60, max_queue=None
        )

    async def write(self) -> None:
        self.counter += 1
        msg_id = str(uuid.uuid4())
        text = f"{self.side} {self.counter} {chat_arrivals.id_in_letters(msg_id)}"
        self.sent[msg_id] = text
        self.unacked.add(msg_id)
        self.pair.last_speaker = self.side
        self.pair.stats.sent_at[msg_id] = time.perf_counter()
        await self.socket.send(json.dumps({"type": "message", "client_msg_id": msg_id, "text": text}))

    async def listen(self) -> None:
        stats = self.pair.stats
        async for message in self.socket:
            frame = json.loads(message)
            kind = frame.get("type")
            if kind == "turn":
                if not self.raw:
                    if frame["seq"] in self.seen_seqs:
                        stats.duplicate_deliveries += 1
                        continue
                    self.seen_seqs.add(frame["seq"])
                msg_id = frame.get("client_msg_id")
                if msg_id in self.sent:
                    continue  # our own turn echoed back
                started = stats.sent_at.pop(msg_id, None)
                if started is not None and stats.phase in stats.latencies:
                    stats.latencies[stats.phase].append((time.perf_counter() - started) * 1000)
                    stats.delivered[stats.phase] += 1
                self.pair.on_partner_turn(self)
            elif kind == "ack":
                self.unacked.discard(frame["client_msg_id"])
                self.acked.add(frame["client_msg_id"])
            elif kind == "session" and not self.raw:
                if frame["status"] == "topic" and self.topic_answered:
                    pass
                elif frame["status"] == "topic" and self.side == "player" and not frame.get("topic_proposal"):
                    self.topic_answered = True
                    await self.socket.send(json.dumps({"type": "topic.propose", "topic": "bench", "kind": "other"}))
                elif frame["status"] == "topic" and self.side == "character" and frame.get("topic_proposal"):
                    self.topic_answered = True
                    await self.socket.send(json.dumps({"type": "topic.accept"}))
                elif frame["status"] == "active":
                    self.ready.set()
            elif kind == "error":
                stats.errors.append(frame)


class Pair:
    def __init__(self, stats: Stats) -> None:
        self.stats = stats
        self.seats: dict[str, Seat] = {}
        self.mode = "idle"  # idle / human / max / drain
        self.last_speaker = "character"  # the greeting
        self.tasks: set[asyncio.Future] = set()
        self.interval = 5.0

    def on_partner_turn(self, seat: Seat) -> None:
        if self.mode == "human":
            # Each worker writes once per ``interval``: reply half an interval later (jittered).
            delay = random.uniform(0.5, 1.5) * self.interval / 2
            asyncio.get_running_loop().call_later(delay, lambda: self._write_if(seat, "human"))
        elif self.mode == "max":
            self._write_if(seat, "max")

    def _write_if(self, seat: Seat, mode: str) -> None:
        if self.mode == mode:
            task = asyncio.ensure_future(seat.write())
            self.tasks.add(task)  # keep a reference until done
            task.add_done_callback(self.tasks.discard)

    def start(self, mode: str, raw: bool) -> None:
        """Kick off a phase with the side whose turn it is (after the greeting: the player)."""
        self.mode = mode
        first = self.seats["player" if self.last_speaker == "character" else "character"]
        if mode == "human":
            asyncio.get_running_loop().call_later(
                random.uniform(0, self.interval), lambda: self._write_if(first, "human")
            )
        else:
            self._write_if(first, "max")


async def run_phases(
    pairs: list[Pair], *, duration: float, burst: float, interval: float, raw: bool, stats: Stats
) -> dict:
    """Human pace for ``duration`` s, then flat out for ``burst`` s; returns per-phase numbers."""
    result = {}
    for mode, seconds in (("human", duration), ("max", burst)):
        if seconds <= 0:
            result[mode] = dict.fromkeys(("p50_ms", "p95_ms", "p99_ms", "max_ms"), None) | {
                "messages": 0,
                "throughput_msgs_s": 0.0,
            }
            continue
        stats.phase = mode
        for pair in pairs:
            pair.interval = interval
            pair.start(mode, raw)
        started = time.perf_counter()
        await asyncio.sleep(seconds)
        delivered = stats.delivered[mode]
        elapsed = time.perf_counter() - started
        for pair in pairs:
            pair.mode = "drain"
        # Let in-flight messages land (they count for latency, not for the phase's throughput).
        deadline = time.perf_counter() + 15
        while time.perf_counter() < deadline and any(s.unacked for p in pairs for s in p.seats.values()):
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.5)
        lat = stats.latencies[mode]
        result[mode] = {
            "messages": len(lat),
            "throughput_msgs_s": round(delivered / elapsed, 1),
            "p50_ms": _r(percentile(lat, 50)),
            "p95_ms": _r(percentile(lat, 95)),
            "p99_ms": _r(percentile(lat, 99)),
            "max_ms": _r(max(lat) if lat else None),
        }
    return result


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


async def connect_all(seats: list[Seat], concurrency: int = 10) -> None:
    gate = asyncio.Semaphore(concurrency)

    async def one(seat: Seat) -> None:
        async with gate:
            await seat.open()

    await asyncio.gather(*(one(seat) for seat in seats))


async def django_run(port: int, sessions: list[tuple[int, str, str]], args) -> tuple[dict, Stats, dict]:
    stats = Stats()
    pairs, seats = [], []
    origin = f"http://127.0.0.1:{port}"
    for session_id, char_cookie, player_cookie in sessions:
        pair = Pair(stats)
        for side, cookie in (("character", char_cookie), ("player", player_cookie)):
            seat = Seat(
                url=f"ws://127.0.0.1:{port}/ws/roleplay/live/{session_id}/",
                headers={"Cookie": f"sessionid={cookie}"},
                origin=origin,
                side=side,
                pair=pair,
                raw=False,
            )
            pair.seats[side] = seat
            seats.append(seat)
        pairs.append((session_id, pair))
    started = time.perf_counter()
    await connect_all(seats)
    listeners = [asyncio.ensure_future(seat.listen()) for seat in seats]
    await asyncio.wait_for(asyncio.gather(*(seat.ready.wait() for seat in seats)), timeout=300)
    print(f"  {len(seats)} clients connected and chatting after {time.perf_counter() - started:.1f}s", flush=True)
    phases = await run_phases(
        [p for _, p in pairs], duration=args.duration, burst=args.burst, interval=args.interval, raw=False, stats=stats
    )
    for seat in seats:
        await seat.socket.close()
    await asyncio.gather(*listeners, return_exceptions=True)
    sent = {session_id: {**pair.seats["character"].sent, **pair.seats["player"].sent} for session_id, pair in pairs}
    acked = {msg_id for _, pair in pairs for seat in pair.seats.values() for msg_id in seat.acked}
    stats.undelivered = len(stats.sent_at)  # sent but never seen by the partner before the close
    return phases, stats, sent, acked


async def relay_run(port: int, pairs_count: int, args) -> dict:
    stats = Stats()
    pairs, seats = [], []
    for index in range(pairs_count):
        pair = Pair(stats)
        for side in ("character", "player"):
            seat = Seat(
                url=f"ws://127.0.0.1:{port}/{index}/{side}", headers={}, origin=None, side=side, pair=pair, raw=True
            )
            pair.seats[side] = seat
            seats.append(seat)
        pairs.append(pair)
    await connect_all(seats)
    listeners = [asyncio.ensure_future(seat.listen()) for seat in seats]
    phases = await run_phases(
        pairs, duration=args.baseline_duration, burst=args.burst, interval=args.interval, raw=True, stats=stats
    )
    for seat in seats:
        await seat.socket.close()
    await asyncio.gather(*listeners, return_exceptions=True)
    return phases


# --- main ---------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds at human pace (arrival: at full rate)")
    parser.add_argument("--burst", type=float, default=20.0, help="seconds flat out")
    parser.add_argument("--interval", type=float, default=5.0, help="seconds between one worker's messages")
    parser.add_argument("--baseline-duration", type=float, default=None, help="human-pace seconds for the relay")
    parser.add_argument(
        "--server-workers",
        type=worker_counts,
        default=[1],
        help="uvicorn worker processes; a list (2,4) runs the same load against each in turn",
    )
    parser.add_argument("--arrival", choices=("none", "poisson"), default="none", help="poisson: open system")
    parser.add_argument("--ramp", type=float, default=30.0, help="arrival: seconds the arrival rate ramps up")
    parser.add_argument("--min-turns", type=int, default=20, help="arrival: fewest turns a pair writes")
    parser.add_argument("--max-turns", type=int, default=30, help="arrival: most turns a pair writes")
    parser.add_argument("--drop-share", type=float, default=0.05, help="arrival: workers who drop and reconnect")
    parser.add_argument("--abandon-share", type=float, default=0.03, help="arrival: workers who abandon")
    parser.add_argument("--grace", type=float, default=10.0, help="arrival: LIVE_PARTNER_GRACE_S of the server")
    parser.add_argument("--patience", type=float, default=60.0, help="arrival: seconds a worker waits to be matched")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--relay-server", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.relay_server:
        asyncio.run(relay_server(args.relay_server))
        return
    args.baseline_duration = args.baseline_duration or args.duration
    if args.arrival == "poisson":
        mean_session_s = chat_arrivals.mean_session_s(args.min_turns, args.max_turns, args.interval)
        if args.duration <= mean_session_s:
            parser.error(
                f"--duration {args.duration:g} s leaves no steady state: it starts one mean session "
                f"({mean_session_s:g} s: turns x interval / 2) after the ramp; give a longer --duration"
            )
    runs = []
    if len(args.server_workers) == 1:
        run_args = copy.copy(args)  # a run may change its phases' durations
        run_args.server_workers = args.server_workers[0]
        result = run_benchmark(run_args)
        print_result(result)
        runs.append(result)
    else:
        # Each count in a process of its own: a run sets this process up on its own database
        # (Django reads the settings once), which the run drops when it ends.
        for count in args.server_workers:
            runs.append(run_in_child(count))
    output = runs[0]
    if len(runs) > 1:
        print_scaling(runs)
        output = {"server_workers": args.server_workers, "runs": runs}
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(output, indent=2))
        print(f"  wrote {args.json}")


def run_in_child(server_workers: int) -> dict:
    """This benchmark, with the same arguments, against ``server_workers`` processes in a child."""
    argv, skip = [], False
    for arg in sys.argv[1:]:
        if skip:
            skip = False
        elif arg in ("--server-workers", "--json"):
            skip = True
        elif not arg.startswith(("--server-workers=", "--json=")):
            argv.append(arg)
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "run.json"
        command = [sys.executable, __file__, *argv, "--server-workers", str(server_workers), "--json", str(out)]
        subprocess.run(command, check=True)
        return json.loads(out.read_text())


def worker_counts(text: str) -> list[int]:
    """``2`` or ``2,4``: the server process counts to run the same load against."""
    try:
        counts = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number or a list of numbers: {text!r}") from None
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError("server process counts are whole numbers of at least 1")
    return counts


def print_scaling(runs: list[dict]) -> None:
    """The runs side by side: what more server processes bought on this machine."""
    print("\nchat_load: the same load against each server process count")
    print(f"  {'processes':<10}{'p50 ms':>9}{'p99 ms':>9}{'max msgs/s':>12}{'saturation':>12}{'vs first':>10}")
    first = runs[0]["throughput_msgs_s"]
    for run in runs:
        gain = f"{run['throughput_msgs_s'] / first:.2f}x" if first else ""
        print(
            f"  {run['server_workers']:<10}{run['p50_ms']!s:>9}{run['p99_ms']!s:>9}"
            f"{run['throughput_msgs_s']!s:>12}{run['saturation_ratio']!s:>12}{gain:>10}"
        )


def arrival_env(args) -> dict[str, str]:
    """Server timers for the open system: realistic grace and idle limits, the drawn turns finish."""
    return {
        "LIVE_MIN_TURNS": str(args.min_turns),
        "LIVE_PARTNER_GRACE_S": str(args.grace),
        "LIVE_IDLE_TIMEOUT_S": "120",
        "LIVE_JOIN_WINDOW_S": "300",
        "LIVE_QUEUE_TICK_S": "1",
    }


def run_benchmark(args) -> dict:
    """Both systems, in one run: Troupe (arrivals and/or closed phases), then the relay."""
    env = prepare_environment(args.keep_db)
    processes: list[subprocess.Popen] = []
    arrival = args.arrival == "poisson"
    try:
        senv = server_env(env) | (arrival_env(args) if arrival else {})
        print(f"database {env.database_url.split('@')[-1]}, redis {env.redis_url}", flush=True)
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=REPO_ROOT, env=senv, check=True
        )
        # This process pairs the workers and stamps the sessions' join deadlines itself: it must run
        # on the server's settings (a 30 s join window here expired the first pairs of a big run
        # while the last ones were still being made).
        os.environ.update(senv)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "platform_core.settings")
        import django

        django.setup()
        from django.db import connection

        port = free_port()
        processes.append(start_uvicorn(senv, port, args.server_workers, env.var_dir / "uvicorn.log"))
        open_result = None
        if arrival:
            plan = chat_arrivals.plan_arrivals(
                pairs=args.pairs,
                ramp=args.ramp,
                duration=args.duration,
                interval=args.interval,
                min_turns=args.min_turns,
                max_turns=args.max_turns,
                drop_share=args.drop_share,
                abandon_share=args.abandon_share,
                seed=args.seed,
                patience=args.patience,
            )
            cookies = chat_arrivals.workers_create(len(plan.arrivals))
            print(
                f"  arrivals: {len(plan.arrivals)} workers at up to {plan.rate:.1f}/s, "
                f"sessions {plan.mean_session_s:.0f} s on average",
                flush=True,
            )
            try:
                tally = asyncio.run(chat_arrivals.troupe_arrivals(port, plan, cookies, args.seed))
            except BaseException:
                print((env.var_dir / "uvicorn.log").read_text(errors="replace")[-5000:], file=sys.stderr)
                raise
            print(
                f"  arrivals done after {time.perf_counter() - tally.start:.1f}s: outcomes {dict(tally.outcomes)}, "
                f"failures {dict(tally.failures)}",
                flush=True,
            )
            if tally.failures:
                print((env.var_dir / "uvicorn.log").read_text(errors="replace")[-60000:], file=sys.stderr)
            open_result = {
                "troupe": chat_arrivals.summary(tally, plan, percentile),
                "db": chat_arrivals.database_check(tally) | check_database(tally.sent, tally.acked),
                "plan": plan,
                "messages": sum(len(m) for m in tally.sent.values()),
            }
            connection.close()
        closed = None
        if args.burst > 0 or not arrival:
            if arrival:  # whoever the arrivals left waiting (an odd one out) must not join the closed system
                from roleplay.models import MatchQueueEntry, QueueEntryStatus

                MatchQueueEntry.objects.filter(status=QueueEntryStatus.WAITING).update(status=QueueEntryStatus.LEFT)
            started = time.perf_counter()
            sessions = setup_pairs(args.pairs)
            print(f"  {args.pairs} pairs made by the matchmaker in {time.perf_counter() - started:.1f}s", flush=True)
            if arrival:
                args.duration = args.baseline_duration = 0  # the closed system only measures saturation
            try:
                phases, stats, sent, acked = asyncio.run(django_run(port, sessions, args))
            except BaseException:
                print((env.var_dir / "uvicorn.log").read_text(errors="replace")[-5000:], file=sys.stderr)
                raise
            connection.close()
            closed = (phases, stats, sent, check_database(sent, acked))
        stop(processes.pop())
        relay_port = free_port()
        processes.append(start_relay(relay_port, env.var_dir / "relay.log"))
        if arrival:
            relay_tally = asyncio.run(chat_arrivals.relay_arrivals(relay_port, open_result["plan"], args.seed))
            open_result["relay"] = chat_arrivals.summary(relay_tally, open_result["plan"], percentile)
        baseline = asyncio.run(relay_run(relay_port, args.pairs, args)) if closed else None
        stop(processes.pop())
    finally:
        for process in processes:
            stop(process)
        env.close()
    return build_result(args, env, closed, baseline, open_result)


def build_result(args, env: Environment, closed, baseline, open_result) -> dict:
    """The JSON: the closed system's keys, and with ``--arrival poisson`` the open system's steady state
    in the headline latency keys (the closed system then only runs its flat-out phase)."""
    empty = {"p50_ms": None, "p95_ms": None, "p99_ms": None, "throughput_msgs_s": 0.0}
    phases, stats, sent, db_check = closed or ({"human": empty, "max": empty}, Stats(), {}, {})
    baseline = baseline or {"human": empty, "max": empty}
    human, burst = phases["human"], phases["max"]
    ratio = (
        burst["throughput_msgs_s"] / baseline["max"]["throughput_msgs_s"]
        if baseline["max"]["throughput_msgs_s"]
        else None
    )
    error_codes = Counter(e.get("code", "?") for e in stats.errors)
    result = {
        "arrival": args.arrival,
        "pairs": args.pairs,
        "clients": 2 * args.pairs,
        "server_workers": args.server_workers,
        "database": "postgresql" if env.database_url.startswith("postgres") else "sqlite",
        "interval_s": args.interval,
        "duration_s": args.duration,
        "burst_s": args.burst,
        "messages": sum(len(m) for m in sent.values()),
        "p50_ms": human["p50_ms"],
        "p95_ms": human["p95_ms"],
        "p99_ms": human["p99_ms"],
        "human_throughput_msgs_s": human["throughput_msgs_s"],
        "throughput_msgs_s": burst["throughput_msgs_s"],
        "max_phase_p50_ms": burst["p50_ms"],
        "max_phase_p99_ms": burst["p99_ms"],
        "lost": db_check.get("lost", 0),
        "duplicated": db_check.get("duplicated_in_db", 0) + stats.duplicate_deliveries,
        "duplicate_deliveries": stats.duplicate_deliveries,
        "undelivered_at_close": stats.undelivered,
        "unacked_at_close_stored": db_check.get("unacked_at_close_stored", 0),
        "unacked_at_close_not_stored": db_check.get("unacked_at_close_not_stored", 0),
        "sessions_with_gaps": db_check.get("sessions_with_gaps", 0),
        "stored_turns": db_check.get("stored_turns", 0),
        "errors": len(stats.errors),
        "error_codes": sorted(error_codes),
        "errors_by_code": dict(error_codes),
        "baseline_p50_ms": baseline["human"]["p50_ms"],
        "baseline_p99_ms": baseline["human"]["p99_ms"],
        "baseline_throughput_msgs_s": baseline["max"]["throughput_msgs_s"],
        "saturation_ratio": round(ratio, 3) if ratio is not None else None,
    }
    if open_result is not None:
        troupe, relay, db = open_result["troupe"], open_result["relay"], open_result["db"]
        plan = open_result["plan"]
        errors = Counter(troupe["errors_by_code"]) + error_codes
        result.update(
            {
                "ramp_s": args.ramp,
                "arrival_workers": len(plan.arrivals),
                "arrival_rate_per_s": round(plan.rate, 2),
                "turns_drawn": [args.min_turns, args.max_turns],
                "drop_share": args.drop_share,
                "abandon_share": args.abandon_share,
                "steady_pairs": troupe["steady_pairs"],
                "steady_window_s": troupe["steady_window_s"],
                "messages": result["messages"] + open_result["messages"],
                "steady_messages": troupe["messages_in_window"],
                "p50_ms": troupe["p50_ms"],
                "p95_ms": troupe["p95_ms"],
                "p99_ms": troupe["p99_ms"],
                "queue_wait_p50_s": troupe["queue_wait_p50_s"],
                "queue_wait_p99_s": troupe["queue_wait_p99_s"],
                "match_p50_s": troupe["match_p50_s"],
                "match_p99_s": troupe["match_p99_s"],
                "start_p99_s": troupe["start_p99_s"],
                "lost": result["lost"] + db["lost"],
                "duplicated": result["duplicated"] + db["duplicated_in_db"] + troupe["duplicate_deliveries"],
                "sessions_with_gaps": result["sessions_with_gaps"] + db["sessions_with_gaps"],
                "errors": sum(errors.values()),
                "error_codes": sorted(errors),
                "errors_by_code": dict(errors),
                "arrival_sessions": db["sessions"],
                "arrival_sessions_by_status": db["sessions_by_status"],
                "arrival_sessions_mismatched": db["sessions_mismatched"],
                "arrival_stored_turns": db["stored_turns"],
                "arrival_acked_plus_greetings": db["acked_plus_greetings"],
                "arrival_outcomes_seen": troupe["outcomes"],
                "reconnects": troupe["reconnects"],
                "client_failures": troupe["client_failures"],
                "baseline_steady_pairs": relay["steady_pairs"],
                "baseline_p50_ms": relay["p50_ms"],
                "baseline_p95_ms": relay["p95_ms"],
                "baseline_p99_ms": relay["p99_ms"],
                "baseline_client_failures": relay["client_failures"],
            }
        )
        result["mismatched_examples"] = db["mismatched_examples"]
    result["p99_ratio"] = (
        round(result["p99_ms"] / result["baseline_p99_ms"], 1)
        if result["p99_ms"] and result["baseline_p99_ms"]
        else None
    )
    result["_baseline_phases"] = baseline
    result["_phases"] = phases
    return result


def print_result(result: dict) -> None:
    phases, baseline = result.pop("_phases"), result.pop("_baseline_phases")
    burst = phases["max"]
    open_system = result["arrival"] != "none"
    label = "steady" if open_system else "human"
    rows = [("", "troupe (Django, DB, Redis)", "raw websockets relay", "ratio")]
    for q in ("p50", "p95", "p99"):
        ours, base = result[f"{q}_ms"], result.get(f"baseline_{q}_ms", baseline["human"][f"{q}_ms"])
        rows.append((f"{label} {q} ms", ours, base, _ratio(ours, base)))
    if open_system:
        rows += [
            ("steady pairs", result["steady_pairs"], result["baseline_steady_pairs"], ""),
            ("queue wait p99 s", result["queue_wait_p99_s"], "-", ""),
            ("match p99 s", result["match_p99_s"], "-", ""),
        ]
    else:
        rows.append(("human msgs/s", result["human_throughput_msgs_s"], baseline["human"]["throughput_msgs_s"], ""))
    rows += [
        ("max msgs/s", burst["throughput_msgs_s"], baseline["max"]["throughput_msgs_s"], result["saturation_ratio"]),
        ("max p50 ms", burst["p50_ms"], baseline["max"]["p50_ms"], ""),
        ("max p99 ms", burst["p99_ms"], baseline["max"]["p99_ms"], ""),
    ]
    print(
        f"\nchat_load: {result['pairs']} pairs, arrival {result['arrival']}, {result['database']}, "
        f"{result['server_workers']} server process(es)"
    )
    for row in rows:
        print(f"  {row[0]:<18}{row[1]!s:>28}{row[2]!s:>24}{row[3]!s:>10}")
    print(
        f"  stored turns {result['stored_turns']}, lost {result['lost']}, duplicated {result['duplicated']}, "
        f"gaps {result['sessions_with_gaps']}, errors {result['errors_by_code']}"
    )
    if open_system:
        print(
            f"  arrivals: {result['arrival_workers']} workers, sessions {result['arrival_sessions_by_status']}, "
            f"mismatched {result['arrival_sessions_mismatched']}, reconnects {result['reconnects']}, "
            f"client failures {result['client_failures']}"
        )


def _ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.1f}x" if a and b else ""


if __name__ == "__main__":
    main()
