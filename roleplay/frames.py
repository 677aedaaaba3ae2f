"""The JSON frame plumbing every chat consumer shares (docs/chat-protocol.md).

A frame is a JSON object with a ``type``; each consumer maps types to handlers, and a handler that
raises ``Refused`` is answered with an ``error`` frame carrying the refusal's code (and, for a
``message``, its ``client_msg_id`` so the client knows which message was refused).
"""

from collections.abc import Awaitable, Callable

from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.utils.translation import gettext as _

from platform_core.errors import Refused

FrameHandler = Callable[[dict], Awaitable[None]]


class JsonFrameConsumer(AsyncJsonWebsocketConsumer):
    async def dispatch(self, message: dict) -> None:
        """Channels' dispatch, without its per-event ``close_old_connections`` hop.

        Channels runs ``close_old_connections`` on the one thread-sensitive thread before every
        event (each WebSocket frame, each channel-layer message): one serialised thread hop per
        event for the whole process, which capped the live chat's throughput. These consumers never
        use the database on the event loop; every database call goes through
        ``database_sync_to_async``, which closes stale connections of its own thread before and
        after the call, so the extra hop guards nothing here.
        """
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    def frame_handlers(self) -> dict[str, FrameHandler]:
        raise NotImplementedError

    def ready_for_frames(self) -> bool:
        """False while the connection is not (or no longer) bound to a session: frames are ignored."""
        return True

    async def send_error(self, code: str, message: str, **extra: object) -> None:
        await self.send_json({"type": "error", "code": code, "message": message, **extra})

    async def decode_json(self, text_data: str) -> object:
        try:
            return await super().decode_json(text_data)
        except ValueError:
            return None  # answered with a ``bad_frame`` error in receive_json

    async def receive_json(self, content: object, **kwargs) -> None:
        if not self.ready_for_frames():
            return
        if not isinstance(content, dict) or not isinstance(content.get("type"), str):
            await self.send_error("bad_frame", _("Send a JSON object with a type."))
            return
        kind = content["type"]
        handler = self.frame_handlers().get(kind)
        if handler is None:
            await self.send_error("bad_frame", _("Unknown frame type %(type)s.") % {"type": kind})
            return
        try:
            await handler(content)
        except Refused as refused:
            extra = {"client_msg_id": content.get("client_msg_id")} if kind == "message" else {}
            await self.send_error(refused.code, refused.message, **extra)
