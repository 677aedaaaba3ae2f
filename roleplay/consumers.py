"""WebSocket consumers of live role-play: the waiting room and the chat (docs/chat-protocol.md).

Consumers never touch the ORM: every read and write is a service in ``roleplay.live``, awaited
through ``platform_core.websocket.db_call`` (a thread of the pool, never the event loop). The other
seat is reached only through a ``roleplay.live.partners.Partner``.
"""

from __future__ import annotations

import asyncio
import logging
import time

from django.conf import settings
from django.utils.translation import gettext as _

from platform_core.permissions import LIVE_CHAT_ROLES, LIVE_QUEUE_ROLES, websocket_allows
from platform_core.websocket import ClientGone, FrameHandler, JsonFrameConsumer, db_call
from roleplay.live import deadlines, errors, frames, matchmaking, messages, queue, sessions
from roleplay.live.partners import Partner, other_seat, partner_for, seat_group, worker_group

logger = logging.getLogger(__name__)

CLOSE_FORBIDDEN = 4403
CLOSE_REPLACED = 4409

# Deliveries of committed turns still running (see LiveChatConsumer._on_message): held here so that
# a task whose consumer has gone is not garbage-collected before it finishes.
_deliveries: set[asyncio.Task] = set()


class _LiveFrames(JsonFrameConsumer):
    async def live_frame(self, event: dict) -> None:
        await self.send_json(event["frame"])


class LiveQueueConsumer(_LiveFrames):
    """The waiting room: join/leave the queue, live position and waiting time, the match."""

    tick_task: asyncio.Task | None = None
    matched_session: int | None = None  # the session whose ``match`` this socket was sent

    async def connect(self) -> None:
        if not await db_call(websocket_allows)(self.scope, LIVE_QUEUE_ROLES):
            await self.close()  # before accepting: the handshake is refused with HTTP 403
            return
        self.user = self.scope["user"]
        await self.channel_layer.group_add(worker_group(self.user.pk), self.channel_name)
        await self.accept()
        await self._send_status()
        self.tick_task = asyncio.ensure_future(self._tick())

    async def disconnect(self, code: int) -> None:
        if self.tick_task is not None:
            self.tick_task.cancel()
        if hasattr(self, "user"):
            await self.channel_layer.group_discard(worker_group(self.user.pk), self.channel_name)
            await db_call(queue.queue_leave)(worker=self.user, disconnected=True)

    async def live_frame(self, event: dict) -> None:
        await self._send_once(event["frame"])

    async def _send_status(self) -> dict:
        status = await db_call(queue.queue_status)(worker=self.user)
        await self._send_once(status)
        return status

    async def _send_once(self, frame: dict) -> None:
        """Send ``frame``, except a ``match`` this socket was already sent (the matchmaker and the
        status both report it)."""
        if frame.get("type") == "match":
            if frame.get("session_id") == self.matched_session:
                return
            self.matched_session = frame.get("session_id")
        await self.send_json(frame)

    async def _tick(self) -> None:
        """Every ``LIVE_QUEUE_TICK_S``: run the matchmaker (any process may) and refresh the status."""
        while True:
            await asyncio.sleep(settings.LIVE_QUEUE_TICK_S)
            try:
                await db_call(matchmaking.matchmaker_run)()
                status = await db_call(queue.queue_status)(worker=self.user)
            except asyncio.CancelledError:
                raise
            except Exception:  # a failed pass must not end the waiting room; the next tick retries
                logger.exception("waiting-room tick failed")
                continue
            try:
                await self._send_once(status)
            except ClientGone:  # the worker closed the socket since the last tick
                return

    def frame_handlers(self) -> dict[str, FrameHandler]:
        return {"join": self._on_join, "leave": self._on_leave, "status": self._on_status, "ping": self._on_ping}

    async def _on_join(self, content: dict) -> None:
        await db_call(queue.queue_join)(worker=self.user, side=content.get("side", "any"))
        await db_call(matchmaking.matchmaker_run)()
        await self._send_status()

    async def _on_leave(self, content: dict) -> None:
        await db_call(queue.queue_leave)(worker=self.user)
        await self._send_status()

    async def _on_status(self, content: dict) -> None:
        await self._send_status()

    async def _on_ping(self, content: dict) -> None:
        await self.send_json({"type": "pong"})


class LiveChatConsumer(_LiveFrames):
    """One seat of one live session. The newest connection of a seat wins; replay by ``last_seq``."""

    side: str | None = None
    partner: Partner | None = None
    timer: asyncio.TimerHandle | None = None
    character_profile: str | None = None
    handlers: dict[str, FrameHandler] | None = None
    typing_at: float = float("-inf")  # when this socket last relayed ``typing`` (monotonic)
    shown_version: int = -1  # the ``version`` of the newest session state sent

    async def connect(self) -> None:
        if not await db_call(websocket_allows)(self.scope, LIVE_CHAT_ROLES):
            await self.close()  # before accepting: the handshake is refused with HTTP 403
            return
        self.user = self.scope["user"]
        self.session_id = int(self.scope["url_route"]["kwargs"]["session_id"])
        await self.accept()
        # Subscribe before connecting: a change the partner makes once this connection's state is
        # read (their arrival starting the topic, a proposal) reaches this socket as a frame. The
        # consumer handles those frames only after ``connect`` returns, so they follow the welcome.
        seat = await db_call(sessions.live_seat_of)(session_id=self.session_id, worker=self.user)
        if seat is not None:
            await self.channel_layer.group_add(seat_group(self.session_id, seat), self.channel_name)
        try:
            joined = await db_call(sessions.live_session_connect)(
                session_id=self.session_id, worker=self.user, channel_name=self.channel_name
            )
        except errors.LiveRefused as refused:
            if seat is not None:
                await self.channel_layer.group_discard(seat_group(self.session_id, seat), self.channel_name)
            await self.send_error(refused.code, refused.message)
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.side = joined.side
        self.character_profile = joined.character_profile
        self.partner = partner_for(
            session_id=self.session_id, seat=other_seat(self.side), is_model=joined.partner_is_model
        )
        if joined.replaced_channel:
            await self.channel_layer.send(joined.replaced_channel, {"type": "live.replaced"})
        await self.send_json(
            {
                "type": "welcome",
                "session_id": self.session_id,
                "you": self.side,
                "partner": "model" if joined.partner_is_model else "human",
            }
        )
        self._newer(joined.frame)
        await self.send_json(joined.frame)
        self._schedule(joined.frame.get("deadline"))
        await self.partner.observe_session(joined.frame)

    async def disconnect(self, code: int) -> None:
        if self.timer is not None:
            self.timer.cancel()
        if self.side is None:
            return
        await self.channel_layer.group_discard(seat_group(self.session_id, self.side), self.channel_name)
        await db_call(sessions.live_session_disconnect)(
            session_id=self.session_id, side=self.side, channel_name=self.channel_name
        )
        if self.partner is not None:
            await self.partner.close()

    # --- deadlines: the server, not the client, ends idle or abandoned sessions --------------

    def _schedule(self, deadline: float | None) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        if deadline is None:
            return
        delay = max(0.0, deadline - time.time()) + 0.05
        self.timer = asyncio.get_running_loop().call_later(delay, lambda: asyncio.ensure_future(self._check()))

    async def _check(self) -> None:
        self.timer = None
        deadline = await db_call(_check_and_next_deadline)(self.session_id)
        self._schedule(deadline)

    # --- frames -------------------------------------------------------------------------------

    def _newer(self, frame: dict) -> bool:
        """Whether ``frame`` is not older than the state this socket was last sent (then it is the
        one shown now). Frames come over the layer from any process and may arrive late: the
        partner's arrival, published before this seat joined, once overtook this seat's welcome
        and put the client back to 'joining'."""
        if frame["version"] < self.shown_version:
            return False
        self.shown_version = frame["version"]
        return True

    async def live_frame(self, event: dict) -> None:
        for frame in (event["frame"], *event.get("then", ())):
            own_session = frame.get("type") == "session" and frame.get("session_id") == self.session_id
            if own_session and not self._newer(frame):
                continue
            await self.send_json(frame)
            if own_session:
                self._schedule(frame.get("deadline"))
                if self.partner is not None:
                    await self.partner.observe_session(frame)
            elif frame.get("type") == "turn":
                self._schedule(time.time() + settings.LIVE_IDLE_TIMEOUT_S)

    async def live_replaced(self, event: dict) -> None:
        await self.send_error("replaced", _("This chat was opened in another window."))
        self.side = None  # the newer connection owns the seat now; do not mark it as gone
        await self.close(code=CLOSE_REPLACED)

    def ready_for_frames(self) -> bool:
        return self.side is not None

    def frame_handlers(self) -> dict[str, FrameHandler]:
        if self.handlers is None:  # built once: the partner is fixed for the connection
            self.handlers = dict.fromkeys(self.partner.client_frame_types, self._to_partner) | {
                "message": self._on_message,
                "hello": self._on_hello,
                "typing": self._on_typing,
                "topic.propose": self._on_topic_propose,
                "topic.accept": self._on_topic_accept,
                "finish": self._on_finish,
                "ping": self._on_ping,
            }
        return self.handlers

    def error_context(self, kind: str, content: dict) -> dict:
        if kind != "message":
            return {}
        msg_id = content.get("client_msg_id")
        return {"client_msg_id": msg_id if isinstance(msg_id, str) and len(msg_id) <= 64 else None}

    async def _on_message(self, content: dict) -> None:
        # Storing and delivering to the other seat run as a task of their own: once the turn is
        # committed it reaches the partner even if this socket closes (or this consumer is
        # cancelled) before the acknowledgement is sent.
        delivery = asyncio.ensure_future(self._store_and_deliver(content))
        _deliveries.add(delivery)
        delivery.add_done_callback(_deliveries.discard)
        sent = await asyncio.shield(delivery)
        turn = sent.result.turn
        # The turn is committed: acknowledge (with the text as stored), then show it to this seat.
        await self.send_json(
            {
                "type": "ack",
                "client_msg_id": str(turn.client_msg_id),
                "seq": turn.seq,
                "duplicate": not sent.result.created,
                "text": turn.text,
            }
        )
        if sent.result.created:
            await self.send_json(frames.turn_frame(turn))
            if self._newer(sent.session_frame):
                await self.send_json(sent.session_frame)
                self._schedule(sent.deadline)

    async def _store_and_deliver(self, content: dict) -> messages.LiveSendResult:
        sent = await db_call(messages.live_message_send)(
            session_id=self.session_id,
            worker=self.user,
            client_msg_id=content.get("client_msg_id"),
            text=content.get("text"),
            side=content.get("side"),
            character_profile=self.character_profile,
        )
        if sent.result.created:
            await self.partner.deliver_turn(frames.turn_frame(sent.result.turn), sent.session_frame)
        return sent

    async def _on_hello(self, content: dict) -> None:
        turns, last_seq = await db_call(sessions.live_turns_since)(
            session_id=self.session_id, worker=self.user, last_seq=content.get("last_seq", 0)
        )
        for turn in turns:
            await self.send_json(frames.turn_frame(turn))
        await self.send_json(frames.replayed_frame(turns, last_seq=last_seq))

    async def _on_typing(self, content: dict) -> None:
        # At most one relay per LIVE_TYPING_INTERVAL_S; the others are dropped (no error: typing
        # is a hint, and a client that repeats it too often loses nothing).
        now = time.monotonic()
        if now - self.typing_at < settings.LIVE_TYPING_INTERVAL_S:
            return
        self.typing_at = now
        await self.partner.deliver_typing()

    async def _on_topic_propose(self, content: dict) -> None:
        await db_call(sessions.live_topic_propose)(
            session_id=self.session_id, worker=self.user, topic=content.get("topic"), kind=content.get("kind", "other")
        )

    async def _on_topic_accept(self, content: dict) -> None:
        await db_call(sessions.live_topic_accept)(session_id=self.session_id, worker=self.user)

    async def _on_finish(self, content: dict) -> None:
        await db_call(sessions.live_finish)(
            session_id=self.session_id,
            worker=self.user,
            rating=content.get("rating"),
            flag=bool(content.get("flag", False)),
            flag_reason=content.get("flag_reason", ""),
        )

    async def _on_ping(self, content: dict) -> None:
        await self.send_json({"type": "pong"})

    async def _to_partner(self, content: dict) -> None:
        """A frame the partner declared in ``client_frame_types`` (e.g. a model's ``regenerate``)."""
        await self.partner.deliver_frame(content)


def _check_and_next_deadline(session_id: int) -> float | None:
    session = sessions.live_session_check(session_id=session_id)
    deadline = deadlines.session_next_deadline(session)
    return deadline.timestamp() if deadline else None
