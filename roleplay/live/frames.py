"""The live chat protocol (docs/chat-protocol.md): every frame a server sends, built from domain
objects, and the JSON frame plumbing every chat consumer shares.

A frame is a JSON object with a ``type``; each consumer maps types to handlers, and a handler that
raises ``Refused`` is answered with an ``error`` frame carrying the refusal's code (and, for a
``message``, its ``client_msg_id`` so the client knows which message was refused).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from platform_core.errors import Refused
from roleplay.live.deadlines import session_next_deadline
from roleplay.models import LiveSession, LiveSessionStatus, MatchQueueEntry, Turn
from roleplay.selectors import session_last_speaker, session_turn_count
from roleplay.turn_rule import next_speaker

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


def turn_frame(turn: Turn) -> dict:
    """The ``turn`` frame of docs/chat-protocol.md, live or replayed alike."""
    return {
        "type": "turn",
        "seq": turn.seq,
        "speaker": turn.speaker,
        "text": turn.text,
        "client_msg_id": str(turn.client_msg_id) if turn.client_msg_id else None,
        "created_at": turn.created_at.isoformat(),
        # Whether the model wrote it, and whether the worker corrected it (the model's text kept).
        "model": turn.author_model_id is not None,
        "edited": turn.original_text is not None,
    }


def session_frame(session: LiveSession, *, turns: int | None = None, last_speaker: str | None = "?") -> dict:
    """The ``session`` frame: everything a client shows about the session's state."""
    turns = session_turn_count(session) if turns is None else turns
    last_speaker = session_last_speaker(session) if last_speaker == "?" else last_speaker
    deadline = session_next_deadline(session)
    dialogue = session.dialogue
    return {
        "type": "session",
        "session_id": session.pk,
        "status": session.status,
        "turns": turns,
        "min_turns": settings.LIVE_MIN_TURNS,
        "finish_unlocked": turns >= settings.LIVE_MIN_TURNS,
        "next_speaker": next_speaker(last_speaker) if session.status == LiveSessionStatus.ACTIVE else None,
        "topic": dialogue.topic if dialogue else "",
        "topic_kind": dialogue.topic_kind if dialogue else "",
        "topic_proposal": (
            {"topic": session.topic_proposal, "kind": session.topic_proposal_kind, "by": session.topic_proposed_by}
            if session.topic_proposal
            else None
        ),
        "finish_requested_by": session.finish_requested_by or None,
        "rated": {"character": session.character_rated, "player": session.player_rated},
        # A model in the character seat is always there: it never disconnects or leaves.
        "connected": {
            "character": bool(session.character_channel) or session.model_version_id is not None,
            "player": bool(session.player_channel),
        },
        "deadline": deadline.timestamp() if deadline else None,
        "idle_timeout_s": settings.LIVE_IDLE_TIMEOUT_S,
        "partner_grace_s": settings.LIVE_PARTNER_GRACE_S,
        "open": session.is_open,
    }


def match_frame(session: LiveSession) -> dict:
    return {
        "type": "match",
        "session_id": session.pk,
        "url": reverse("roleplay:live-chat", args=[session.pk]),
        "join_deadline": session.join_deadline.timestamp(),
    }


def replayed_frame(turns: list[Turn], *, last_seq: object) -> dict:
    """The ``replayed`` frame after the turns a reconnecting client missed (``last_seq``: what it had)."""
    return {"type": "replayed", "count": len(turns), "last_seq": turns[-1].seq if turns else last_seq}


def queue_frame(
    *,
    status: str,
    waiting_total: int,
    entry: MatchQueueEntry | None = None,
    position: int | None = None,
    waiting_s: float | None = None,
) -> dict:
    """The ``queue`` frame: idle (no entry), or waiting at ``position`` (1 = next)."""
    if entry is None:
        return {"type": "queue", "status": status, "waiting_total": waiting_total}
    return {
        "type": "queue",
        "status": status,
        "side": entry.side,
        "position": position,
        "waiting_s": waiting_s,
        "waiting_total": waiting_total,
        "priority": entry.priority,
    }
