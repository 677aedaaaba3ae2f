"""A scripted crowdworker speaking the live chat protocol (docs/chat-protocol.md) over real WebSockets.

It does what the browser client does: joins the queue, opens the chat, agrees on a topic, writes on
its turn with a fresh UUID per message, and after any disconnect reconnects, sends ``hello`` with
the last seq it saw and resends every message not yet acknowledged (same ``client_msg_id``).
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import websockets

from bench.chat_arrivals import id_in_letters


@dataclass
class ChatBot:
    base_url: Callable[[], str]  # e.g. lambda: "ws://127.0.0.1:8000" (a callable: servers restart)
    origin: str
    cookie: str
    side: str  # the side asked for in the queue: character / player / any
    target_turns: int
    rating: int | None = None  # finish with this rating once target_turns is reached
    name: str = "bot"
    session_id: int | None = None
    seat: str | None = None
    status: str = ""
    turns: dict[int, tuple[str, str]] = field(default_factory=dict)  # seq -> (speaker, text)
    pending: dict[str, str] = field(default_factory=dict)  # client_msg_id -> text, unacknowledged
    sent: dict[str, str] = field(default_factory=dict)  # every client_msg_id this bot generated
    acked: dict[str, int] = field(default_factory=dict)  # client_msg_id -> seq
    resent: int = 0
    reconnects: int = 0
    errors: list[dict] = field(default_factory=list)

    def _headers(self) -> dict[str, str]:
        return {"Cookie": f"sessionid={self.cookie}"}

    async def _connect(self, path: str, deadline: float):
        while True:
            try:
                return await websockets.connect(
                    self.base_url() + path, additional_headers=self._headers(), origin=self.origin, open_timeout=5
                )
            except (TimeoutError, OSError, websockets.InvalidHandshake):
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.2)

    async def queue(self, timeout_s: float = 60.0) -> int:
        """Join the waiting room and return the session id of the match."""
        deadline = time.monotonic() + timeout_s
        socket = await self._connect("/ws/roleplay/queue/", deadline)
        try:
            await socket.send(json.dumps({"type": "join", "side": self.side}))
            while True:
                frame = json.loads(await asyncio.wait_for(socket.recv(), max(0.1, deadline - time.monotonic())))
                if frame["type"] == "match":
                    self.session_id = frame["session_id"]
                    return self.session_id
                if frame["type"] == "error":
                    raise AssertionError(f"{self.name}: queue refused: {frame}")
        finally:
            await socket.close()

    @property
    def last_seq(self) -> int:
        return max(self.turns, default=0)

    def _my_turn(self) -> bool:
        if self.status != "active" or self.pending:
            return False
        last = self.turns.get(self.last_seq)
        next_speaker = "character" if last is None or last[0] == "player" else "player"
        return next_speaker == self.seat

    @property
    def done(self) -> bool:
        if self.rating is not None:
            return self.status in ("finished", "partner_left", "idle_timeout", "expired")
        return self.last_seq >= self.target_turns and not self.pending

    async def _write(self, socket) -> None:
        msg_id = str(uuid.uuid4())
        text = f"{self.name} says line {self.last_seq + 1} ({id_in_letters(msg_id)})"
        self.pending[msg_id] = text
        self.sent[msg_id] = text
        await socket.send(json.dumps({"type": "message", "client_msg_id": msg_id, "text": text, "side": self.seat}))

    async def _act(self, socket) -> None:
        if self.last_seq < self.target_turns and self._my_turn():
            await self._write(socket)
        elif self.status == "topic" and self.seat == "player" and not getattr(self, "_proposed", False):
            self._proposed = True
            await socket.send(json.dumps({"type": "topic.propose", "topic": "the sea", "kind": "chit_chat"}))
        elif (
            self.rating is not None
            and self.last_seq >= self.target_turns
            and not self.pending
            and self.status in ("active", "rating")
            and not getattr(self, "_rated", False)
        ):
            self._rated = True
            await socket.send(json.dumps({"type": "finish", "rating": self.rating}))

    async def chat(self, timeout_s: float = 120.0) -> None:
        """Chat until done; survive any number of server restarts within ``timeout_s``."""
        deadline = time.monotonic() + timeout_s
        while not self.done:
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.name}: not done in time (seq {self.last_seq}, status {self.status})")
            socket = await self._connect(f"/ws/roleplay/live/{self.session_id}/", deadline)
            try:
                await socket.send(json.dumps({"type": "hello", "last_seq": self.last_seq}))
                for msg_id, text in list(self.pending.items()):
                    self.resent += 1
                    await socket.send(
                        json.dumps({"type": "message", "client_msg_id": msg_id, "text": text, "side": self.seat})
                    )
                while not self.done:
                    frame = json.loads(await asyncio.wait_for(socket.recv(), max(0.1, deadline - time.monotonic())))
                    await self._handle(frame, socket)
            except (websockets.ConnectionClosed, OSError):
                self.reconnects += 1
                await asyncio.sleep(0.1)
            finally:
                await socket.close()

    async def _handle(self, frame: dict, socket) -> None:
        kind = frame["type"]
        if kind == "welcome":
            self.seat = frame["you"]
        elif kind == "session":
            self.status = frame["status"]
            proposal = frame.get("topic_proposal")
            if self.status == "topic" and proposal and proposal["by"] != self.seat:
                await socket.send(json.dumps({"type": "topic.accept"}))
        elif kind == "turn":
            self.turns[frame["seq"]] = (frame["speaker"], frame["text"])
            if frame["client_msg_id"] in self.pending and frame["speaker"] == self.seat:
                self.pending.pop(frame["client_msg_id"], None)
        elif kind == "ack":
            self.acked[frame["client_msg_id"]] = frame["seq"]
            text = self.pending.pop(frame["client_msg_id"], None)
            if text is not None:
                self.turns.setdefault(frame["seq"], (self.seat, text))
        elif kind == "error":
            self.errors.append(frame)
            if frame.get("code") in ("session_ended", "not_your_session", "personal_data"):
                raise AssertionError(f"{self.name}: refused: {frame}")
        await self._act(socket)
