"""The open-system phase of ``chat_load.py --arrival poisson``: workers arrive, queue, chat, rate, leave.

Arrivals are a Poisson process whose rate ramps linearly from 0 to ``rate`` over ``ramp`` seconds,
then stays there until ``ramp + duration``. ``rate`` = 2N / (mean turns × interval / 2): each pair
writes one turn per ``interval / 2`` seconds on average (every worker one message per
``interval``), so by Little's law about N pairs are chatting at steady state.

Each Troupe worker: opens the waiting room (``/ws/roleplay/queue/``), sends ``join`` (either side),
waits for ``match``, opens the chat, says ``hello``, agrees on a topic (the player proposes, the
character accepts), writes its turns at human pace until the pair's drawn number of turns is
reached, finishes with a rating (both rate), and leaves when the session ends. A share of workers
drops the connection once and reconnects (``hello`` with the last seq seen, replay); a share
abandons the chat for good (the partner's session ends as ``partner_left`` after the grace
period, and the partner leaves).

The raw relay runs the same arrival times and drawn turns: consecutive arrivals form a pair at
once (no queue, no topic, no finish, no drops).

Steady state is the window from ``ramp + mean session length`` to the end of arrivals: latencies
of messages sent in it, and the number of pairs chatting sampled each second in it.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

_DIGITS_AS_LETTERS = str.maketrans("0123456789", "ghijklmnop")


def id_in_letters(msg_id: str) -> str:
    """The first 8 characters of a message id with its digits as letters, to tell lines apart: a
    random run of digits in a chat line can read as a phone number and be refused (personal_data)."""
    return msg_id[:8].translate(_DIGITS_AS_LETTERS)


def mean_session_s(min_turns: int, max_turns: int, interval: float) -> float:
    """A pair's mean session length: its mean turns, each written about ``interval`` / 2 after the last."""
    return (min_turns + max_turns) / 2 * interval / 2


@dataclass
class Plan:
    """What every worker will do, drawn once from the seed and shared by Troupe and the relay."""

    arrivals: list[float]  # seconds after the start, sorted
    turns: list[int]  # per arrival: the pair's turns (the later worker of a pair decides)
    drops: list[bool]  # per arrival: drops once and reconnects
    abandons: list[bool]  # per arrival: leaves mid-chat for good
    rate: float  # workers per second at steady state
    ramp: float
    duration: float
    interval: float
    mean_session_s: float
    patience: float  # seconds a worker waits in the queue before leaving it

    @property
    def window(self) -> tuple[float, float]:
        return (self.ramp + self.mean_session_s, self.ramp + self.duration)


def plan_arrivals(
    *,
    pairs: int,
    ramp: float,
    duration: float,
    interval: float,
    min_turns: int,
    max_turns: int,
    drop_share: float,
    abandon_share: float,
    seed: int,
    patience: float = 60.0,
) -> Plan:
    rng = random.Random(seed)
    session_s = mean_session_s(min_turns, max_turns, interval)
    rate = 2 * pairs / session_s
    arrivals, t, end = [], 0.0, ramp + duration
    while True:  # thinning: candidates at the peak rate, kept with probability rate(t) / peak
        t += rng.expovariate(rate)
        if t >= end:
            break
        if t >= ramp or rng.random() < t / ramp:
            arrivals.append(t)
    n = len(arrivals)
    return Plan(
        arrivals=arrivals,
        turns=[rng.randint(min_turns, max_turns) for _ in range(n)],
        drops=[rng.random() < drop_share for _ in range(n)],
        abandons=[rng.random() < abandon_share for _ in range(n)],
        rate=rate,
        ramp=ramp,
        duration=duration,
        interval=interval,
        mean_session_s=session_s,
        patience=patience,
    )


@dataclass
class Tally:
    """Everything the clients saw, with times relative to the run's start."""

    start: float = field(default_factory=time.perf_counter)
    sent_at: dict[str, float] = field(default_factory=dict)  # client_msg_id -> perf_counter at send
    latencies: list[tuple[float, float]] = field(default_factory=list)  # (sent at, ms)
    queue_waits: list[tuple[float, float]] = field(default_factory=list)  # (joined at, s)
    match_times: list[tuple[float, float]] = field(default_factory=list)  # (matched at, s)
    start_times: list[tuple[float, float]] = field(default_factory=list)  # (matched at, s to active)
    chatting: int = 0
    chatting_samples: list[tuple[float, int]] = field(default_factory=list)
    errors: Counter = field(default_factory=Counter)
    duplicate_deliveries: int = 0
    sent: dict[int, dict[str, str]] = field(default_factory=dict)  # session -> {client_msg_id: text}
    acked: set[str] = field(default_factory=set)
    outcomes: Counter = field(default_factory=Counter)  # how each worker's session ended, as seen
    session_outcomes: dict[int, list[str]] = field(default_factory=dict)
    reconnects: int = 0
    joined_at: dict[int, float] = field(default_factory=dict)  # session -> later join of its pair
    failures: Counter = field(default_factory=Counter)  # client-side exceptions by type

    def now(self) -> float:
        return time.perf_counter() - self.start


class ChatWorker:
    """One Troupe worker, from arrival to leaving."""

    def __init__(self, *, index: int, plan: Plan, tally: Tally, port: int, cookie: str, rng: random.Random) -> None:
        self.index, self.plan, self.tally, self.port, self.rng = index, plan, tally, port, rng
        self.headers = {"Cookie": f"sessionid={cookie}"}
        self.origin = f"http://127.0.0.1:{port}"
        self.side = ""
        self.session_id = 0
        self.target_turns = plan.turns[index]
        self.drop_at = self.rng.randint(4, max(4, self.target_turns - 2)) if plan.drops[index] else None
        self.abandon_at = self.rng.randint(3, max(3, self.target_turns - 2)) if plan.abandons[index] else None
        self.last_seq = 0
        self.proposed = self.accepted = self.rated = self.active = False
        self.done = asyncio.Event()
        self.socket = None
        self.pending: asyncio.TimerHandle | None = None
        self.counter = 0
        self.owed = 0  # the partner's seq this worker still has to answer (0: none)
        self.matched_at = 0.0

    async def _connect(self, path: str):
        import websockets

        return await websockets.connect(
            f"ws://127.0.0.1:{self.port}{path}",
            additional_headers=self.headers,
            origin=self.origin,
            open_timeout=120,
            max_queue=None,
        )

    async def run(self) -> None:
        await asyncio.sleep(max(0.0, self.plan.arrivals[self.index] - self.tally.now()))
        try:
            await self._queue()
            if not self.done.is_set():
                await self._chat()
        except Exception as error:  # one client's failure is counted, not fatal to the run
            self.tally.failures[type(error).__name__] += 1

    async def _queue(self) -> None:
        socket = await self._connect("/ws/roleplay/queue/")
        joined = self.tally.now()
        await socket.send(json.dumps({"type": "join", "side": "any"}))
        try:
            async with asyncio.timeout(self.plan.patience):
                await self._await_match(socket, joined)
        except TimeoutError:  # nobody came in time: leave the queue, and the run
            await socket.send(json.dumps({"type": "leave"}))
            self._outcome("left_queue")
            self.done.set()
        await socket.close()

    async def _await_match(self, socket, joined: float) -> None:
        async for message in socket:
            frame = json.loads(message)
            if frame.get("type") == "match":
                matched = self.tally.now()
                self.session_id = frame["session_id"]
                self.tally.queue_waits.append((joined, matched - joined))
                pair_ready = max(joined, self.tally.joined_at.get(self.session_id, joined))
                if self.session_id in self.tally.joined_at:  # the second of the pair: the pair is known
                    self.tally.match_times.append((matched, matched - pair_ready))
                self.tally.joined_at[self.session_id] = joined
                self.matched_at = matched
                break
            if frame.get("type") == "error":
                self.tally.errors[frame.get("code", "?")] += 1

    async def _chat(self) -> None:
        path = f"/ws/roleplay/live/{self.session_id}/"
        while not self.done.is_set():
            self.socket = await self._connect(path)
            self.replaying = True
            self.live_seen: set[int] = set()
            await self.socket.send(json.dumps({"type": "hello", "last_seq": self.last_seq}))
            leave = await self._listen()
            if leave == "drop":
                self.tally.reconnects += 1
                await asyncio.sleep(self.rng.uniform(0.5, 2.0))
                continue
            break
        if self.active:
            self.active = False
            self.tally.chatting -= 1

    async def _listen(self) -> str:
        """Frames until the session ends (``end``), or this worker drops (``drop``) or abandons."""
        async for message in self.socket:
            frame = json.loads(message)
            kind = frame.get("type")
            if kind == "welcome":
                self.side = frame["you"]
            elif kind == "replayed":
                self.replaying = False
                if self.owed and self.owed == self.last_seq:  # a reply the drop interrupted
                    self._schedule_reply(self.owed)
            elif kind == "turn":
                action = self._on_turn(frame)
                if action:
                    await self.socket.close()
                    return action
            elif kind == "ack":
                self.tally.acked.add(frame["client_msg_id"])
                if self.drop_at is not None and frame.get("seq", 0) >= self.drop_at:
                    self.drop_at = None
                    await self.socket.close()
                    return "drop"
            elif kind == "session":
                await self._on_session(frame)
                if not frame.get("open", True):
                    self._outcome(frame["status"])
                    self.done.set()
                    await self.socket.close()
                    return "end"
            elif kind == "error":
                self.tally.errors[frame.get("code", "?")] += 1
        return "end" if self.done.is_set() else "drop"

    def _on_turn(self, frame: dict) -> str | None:
        seq = frame["seq"]
        if not self.replaying:
            if seq in self.live_seen:
                self.tally.duplicate_deliveries += 1
                return None
            self.live_seen.add(seq)
        if seq <= self.last_seq:
            return None  # already had it (live and in the replay)
        self.last_seq = seq
        if frame["speaker"] == self.side:
            return None
        started = self.tally.sent_at.pop(frame.get("client_msg_id"), None)
        if started is not None and not self.replaying:
            self.tally.latencies.append((started - self.tally.start, (time.perf_counter() - started) * 1000))
        if self.abandon_at is not None and seq >= self.abandon_at:
            self.done.set()
            self._outcome("abandoned")
            return "abandon"
        self.owed = seq
        self._schedule_reply(seq)
        return None

    def _schedule_reply(self, seq: int) -> None:
        delay = self.rng.uniform(0.5, 1.5) * self.plan.interval / 2
        asyncio.get_running_loop().call_later(delay, lambda: asyncio.ensure_future(self._reply(seq)))

    async def _reply(self, seq: int) -> None:
        if self.done.is_set() or self.socket is None or self.last_seq != seq or self.owed != seq:
            return
        try:
            if seq >= self.target_turns:
                await self._rate()
            else:
                await self._write()
            self.owed = 0
        except Exception:  # the socket closed under the timer: answered after the reconnect
            pass

    def _outcome(self, status: str) -> None:
        self.tally.outcomes[status] += 1
        self.tally.session_outcomes.setdefault(self.session_id, []).append(status)

    async def _write(self) -> None:
        self.counter += 1
        msg_id = str(uuid.uuid4())
        text = f"{self.side} {self.index} {self.counter} {id_in_letters(msg_id)}"
        self.tally.sent.setdefault(self.session_id, {})[msg_id] = text
        self.tally.sent_at[msg_id] = time.perf_counter()
        await self.socket.send(json.dumps({"type": "message", "client_msg_id": msg_id, "text": text}))

    async def _rate(self) -> None:
        if not self.rated:
            self.rated = True
            await self.socket.send(json.dumps({"type": "finish", "rating": 4}))

    async def _on_session(self, frame: dict) -> None:
        status = frame["status"]
        if status == "topic" and self.side == "player" and not frame.get("topic_proposal") and not self.proposed:
            self.proposed = True
            await self.socket.send(json.dumps({"type": "topic.propose", "topic": "the sea", "kind": "other"}))
        elif status == "topic" and self.side == "character" and frame.get("topic_proposal") and not self.accepted:
            self.accepted = True
            await self.socket.send(json.dumps({"type": "topic.accept"}))
        elif status in ("active", "rating") and not self.active and frame.get("open", True):
            self.active = True
            self.tally.chatting += 1
            if self.side == "player":  # one sample per pair
                self.tally.start_times.append((self.matched_at, self.tally.now() - self.matched_at))
        if status == "rating" and not self.rated and frame.get("open", True):
            await self._rate()


async def sample_chatting(tally: Tally, until: float) -> None:
    """Pairs chatting (both seats active), once a second."""
    while tally.now() < until:
        tally.chatting_samples.append((tally.now(), tally.chatting // 2))
        await asyncio.sleep(1.0)


async def troupe_arrivals(port: int, plan: Plan, cookies: list[str], seed: int) -> Tally:
    tally = Tally()
    rng = random.Random(seed + 1)
    workers = [
        ChatWorker(index=i, plan=plan, tally=tally, port=port, cookie=cookies[i], rng=random.Random(rng.random()))
        for i in range(len(plan.arrivals))
    ]
    sampler = asyncio.ensure_future(sample_chatting(tally, plan.ramp + plan.duration))
    tasks = [asyncio.ensure_future(worker.run()) for worker in workers]
    # Everyone has left well after the last arrival, unless a client stalls: those are counted.
    _, stalled = await asyncio.wait(tasks, timeout=plan.ramp + plan.duration + 3 * plan.mean_session_s + 120)
    for task in stalled:
        task.cancel()
    tally.failures.update({"stalled": len(stalled)} if stalled else {})
    sampler.cancel()
    return tally


# --- the relay baseline -------------------------------------------------------------------------


class RelaySeat:
    def __init__(self, *, pair: int, side: str, turns: int, plan: Plan, tally: Tally, port: int, rng) -> None:
        self.pair, self.side, self.turns, self.plan, self.tally, self.port, self.rng = (
            pair,
            side,
            turns,
            plan,
            tally,
            port,
            rng,
        )
        self.seq = 0  # turns written in this pair (the relay has no greeting: the player starts)
        self.socket = None
        self.connected = asyncio.Event()

    async def run(self, partner: RelaySeat) -> None:
        import websockets

        self.socket = await websockets.connect(
            f"ws://127.0.0.1:{self.port}/{self.pair}/{self.side}", open_timeout=120, max_queue=None
        )
        self.connected.set()
        await partner.connected.wait()
        if self.side == "player":
            self._schedule()
        async for message in self.socket:
            frame = json.loads(message)
            if frame.get("type") != "turn":
                continue
            started = self.tally.sent_at.pop(frame["client_msg_id"], None)
            if started is not None:
                self.tally.latencies.append((started - self.tally.start, (time.perf_counter() - started) * 1000))
            self.seq += 1
            partner.seq += 1
            if self.seq >= self.turns:
                break
            self._schedule()
        await self.socket.close()
        await partner.socket.close()  # the pair is done: the partner's loop ends too

    def _schedule(self) -> None:
        delay = self.rng.uniform(0.5, 1.5) * self.plan.interval / 2
        asyncio.get_running_loop().call_later(delay, lambda: asyncio.ensure_future(self._write()))

    async def _write(self) -> None:
        msg_id = str(uuid.uuid4())
        self.tally.sent_at[msg_id] = time.perf_counter()
        try:
            await self.socket.send(json.dumps({"type": "message", "client_msg_id": msg_id, "text": msg_id}))
        except Exception:
            self.tally.sent_at.pop(msg_id, None)


async def relay_arrivals(port: int, plan: Plan, seed: int) -> Tally:
    tally = Tally()
    rng = random.Random(seed + 1)

    async def pair(index: int) -> None:
        second = 2 * index + 1
        await asyncio.sleep(max(0.0, plan.arrivals[second] - tally.now()))
        turns = plan.turns[second]
        character = RelaySeat(pair=index, side="character", turns=turns, plan=plan, tally=tally, port=port, rng=rng)
        player = RelaySeat(pair=index, side="player", turns=turns, plan=plan, tally=tally, port=port, rng=rng)
        tally.chatting += 2
        try:
            await asyncio.gather(character.run(player), player.run(character))
        except Exception as error:
            tally.failures[type(error).__name__] += 1
        tally.chatting -= 2

    sampler = asyncio.ensure_future(sample_chatting(tally, plan.ramp + plan.duration))
    tasks = [asyncio.ensure_future(pair(i)) for i in range(len(plan.arrivals) // 2)]
    _, stalled = await asyncio.wait(tasks, timeout=plan.ramp + plan.duration + 3 * plan.mean_session_s + 120)
    for task in stalled:
        task.cancel()
    tally.failures.update({"stalled": len(stalled)} if stalled else {})
    sampler.cancel()
    return tally


# --- summary ------------------------------------------------------------------------------------


def steady(values: list[tuple[float, float]], window: tuple[float, float]) -> list[float]:
    return [value for at, value in values if window[0] <= at < window[1]]


def summary(tally: Tally, plan: Plan, percentile) -> dict:
    window = plan.window
    lat = steady(tally.latencies, window)
    pairs = [n for at, n in tally.chatting_samples if window[0] <= at < window[1]]

    def r(value: float | None, digits: int = 2) -> float | None:
        return None if value is None else round(value, digits)

    return {
        "steady_window_s": [round(window[0], 1), round(window[1], 1)],
        "steady_pairs": r(sum(pairs) / len(pairs), 1) if pairs else None,
        "steady_pairs_min_max": [min(pairs), max(pairs)] if pairs else None,
        "messages_in_window": len(lat),
        "p50_ms": r(percentile(lat, 50)),
        "p95_ms": r(percentile(lat, 95)),
        "p99_ms": r(percentile(lat, 99)),
        "max_ms": r(max(lat) if lat else None),
        "queue_wait_p50_s": r(percentile(steady(tally.queue_waits, window), 50), 3),
        "queue_wait_p99_s": r(percentile(steady(tally.queue_waits, window), 99), 3),
        "match_p50_s": r(percentile(steady(tally.match_times, window), 50), 3),
        "match_p99_s": r(percentile(steady(tally.match_times, window), 99), 3),
        "start_p99_s": r(percentile(steady(tally.start_times, window), 99), 3),
        "errors_by_code": dict(tally.errors),
        "client_failures": dict(tally.failures),
        "reconnects": tally.reconnects,
        "outcomes": dict(tally.outcomes),
        "duplicate_deliveries": tally.duplicate_deliveries,
    }


# --- data: workers and their sign-in cookies; the database check -------------------------------


def workers_create(count: int) -> list[str]:
    """``count`` crowdworkers who may play either side; their session cookies, in order."""
    from datetime import timedelta

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    from platform_core.models import RoleGrant, User, WorkerProfile
    from platform_core.roles import Role
    from roleplay.models import Character, CharacterCategory, Language, PlayerPersona

    run = uuid.uuid4().hex[:6]
    if not Character.objects.exists():
        Character.objects.create(
            name="Bench Keeper",
            category=CharacterCategory.DAILY_LIFE,
            language=Language.EN,
            identity="Keeps a lighthouse.",
            greeting="Ahoy!",
        )
        PlayerPersona.objects.create(name="Bench Visitor", language=Language.EN)
    users = User.objects.bulk_create(
        [User(username=f"arrive-{run}-{i}", password="!") for i in range(count)], batch_size=1000
    )
    RoleGrant.objects.bulk_create([RoleGrant(user=u, role=Role.CROWDWORKER) for u in users], batch_size=1000)
    WorkerProfile.objects.bulk_create(
        [
            WorkerProfile(
                user=u, display_name=u.username, languages=["en"], can_play_character=True, can_play_player=True
            )
            for u in users
        ],
        batch_size=1000,
    )
    store = SessionStore()
    expires = timezone.now() + timedelta(days=1)
    sessions = [
        Session(
            session_key=get_random_string(32, "abcdefghijklmnopqrstuvwxyz0123456789"),
            session_data=store.encode(
                {
                    SESSION_KEY: str(u.pk),
                    BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
                    HASH_SESSION_KEY: u.get_session_auth_hash(),
                }
            ),
            expire_date=expires,
        )
        for u in users
    ]
    Session.objects.bulk_create(sessions, batch_size=1000)
    return [s.session_key for s in sessions]


def database_check(tally: Tally) -> dict:
    """Each session's end as stored against what its two clients saw; greeting + acked turns stored."""
    from roleplay.models import LiveSession, LiveSessionStatus, Turn

    stored = dict(
        LiveSession.objects.filter(pk__in=list(tally.session_outcomes) + list(tally.joined_at)).values_list(
            "pk", "status"
        )
    )
    mismatched = []
    for session_id, status in stored.items():
        seen = tally.session_outcomes.get(session_id, [])
        if status == LiveSessionStatus.FINISHED:
            ok = seen.count("finished") == 2
        elif status == LiveSessionStatus.PARTNER_LEFT:
            ok = "abandoned" in seen
        else:
            ok = False
        if not ok:
            mismatched.append((session_id, status, seen))
    by_status = Counter(stored.values())
    turns = Turn.objects.filter(dialogue__live_session__in=list(stored)).count()
    greetings = LiveSession.objects.filter(pk__in=list(stored), started_at__isnull=False).count()
    return {
        "sessions": len(stored),
        "sessions_by_status": dict(by_status),
        "sessions_mismatched": len(mismatched),
        "mismatched_examples": [list(m) for m in mismatched[:5]],
        "stored_turns": turns,
        "acked_plus_greetings": len(tally.acked) + greetings,
    }
