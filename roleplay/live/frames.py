"""The live chat protocol (docs/chat-protocol.md): every frame a server sends, built from domain objects.

The frame plumbing every consumer shares (a ``type`` per handler, refusals as ``error`` frames, the
per-socket limits) is ``platform_core.websocket.JsonFrameConsumer``.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from roleplay.live.deadlines import session_next_deadline
from roleplay.models import LiveSession, LiveSessionStatus, MatchQueueEntry, Turn
from roleplay.selectors import session_last_speaker, session_turn_count
from roleplay.turn_rule import next_speaker


def chat_socket_path(session_id: int) -> str:
    """The WebSocket path of a live session's chat."""
    return f"/ws/roleplay/live/{session_id}/"


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
        # Raised by every stored change: a frame with a lower version, late from another process, is older.
        "version": session.state_version,
        "status": session.status,
        "turns": turns,
        "min_turns": session.finish_min_turns,
        "finish_unlocked": turns >= session.finish_min_turns,
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


def replayed_frame(turns: list[Turn], *, last_seq: int) -> dict:
    """The ``replayed`` frame after the turns a reconnecting client missed (``last_seq``: the last stored)."""
    return {"type": "replayed", "count": len(turns), "last_seq": last_seq}


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
