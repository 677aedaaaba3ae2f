"""Live progress pushed from Celery workers to browsers through the channel layer."""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from platform_core.permissions import ANY_ROLE, websocket_allows
from platform_core.progress import progress_group


class ProgressConsumer(AsyncJsonWebsocketConsumer):
    """Relays ``progress`` events for one topic (e.g. ``export-12``) to the signed-in browser."""

    async def connect(self) -> None:
        if not await database_sync_to_async(websocket_allows)(self.scope, ANY_ROLE):
            await self.close(code=4403)
            return
        self.group = progress_group(self.scope["url_route"]["kwargs"]["topic"])
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

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
