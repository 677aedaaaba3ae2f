"""Live progress pushed from Celery workers to browsers through the channel layer."""

from platform_core.permissions import websocket_progress_allows
from platform_core.progress import progress_group
from platform_core.websocket import FrameHandler, JsonFrameConsumer, db_call


class ProgressConsumer(JsonFrameConsumer):
    """Relays ``progress`` events for one topic (e.g. ``export-12``) to a user who may see its object.

    The topic is authorized like the object it reports on (``platform_core.permissions.
    progress_topic_allows``); anyone else is refused at the handshake (HTTP 403). The client sends
    nothing but ``ping``; any other frame is answered with an ``error`` frame.
    """

    async def connect(self) -> None:
        topic = self.scope["url_route"]["kwargs"]["topic"]
        if not await db_call(websocket_progress_allows)(self.scope, topic):
            await self.close()
            return
        self.group = progress_group(topic)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    def frame_handlers(self) -> dict[str, FrameHandler]:
        return {"ping": self._on_ping}

    async def _on_ping(self, content: dict) -> None:
        await self.send_json({"type": "pong"})

    async def progress_update(self, event: dict) -> None:
        frame = {
            "type": "progress",
            "topic": event["topic"],
            "percent": event["percent"],
            "message": event.get("message", ""),
        }
        if "detail" in event:
            frame["detail"] = event["detail"]
        await self.send_json(frame)
