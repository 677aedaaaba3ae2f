"""Progress reporting that works from any process: web, Celery worker or management command."""

import re

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")


def progress_group(topic: str) -> str:
    return "progress." + _UNSAFE.sub("_", topic)[:80]


def progress_publish(*, topic: str, percent: float, message: str = "", detail: dict | None = None) -> None:
    """Push a progress event to every browser watching ``topic``.

    ``detail`` (JSON-serialisable) carries what the watching page shows besides the percentage,
    e.g. a training job's status, step and log tail; the frame relays it as it is.
    """
    layer = get_channel_layer()
    if layer is None:
        return
    event = {"type": "progress.update", "topic": topic, "percent": round(float(percent), 1), "message": message}
    if detail is not None:
        event["detail"] = detail
    async_to_sync(layer.group_send)(progress_group(topic), event)
