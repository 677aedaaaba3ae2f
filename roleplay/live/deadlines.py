"""When a live session may next change by itself (join window, idle timeout, partner grace).

A session ended by the service that opened it (``LiveSession.ended_by_owner``, an evaluation) has no
deadline of its own: that service drops it when its own rules say so.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings

from roleplay.models import LiveSession, LiveSessionStatus


def session_next_deadline(session: LiveSession) -> datetime | None:
    """The earliest moment at which ``live_session_check`` may change this session."""
    if session.status == LiveSessionStatus.JOINING:
        return session.join_deadline
    if not session.is_open:
        return None
    return open_session_deadline(
        session.last_activity_at,
        (session.character_left_at, session.player_left_at),
        ended_by_owner=session.ended_by_owner,
    )


def open_session_deadline(
    last_activity_at: datetime | None, left_ats: tuple[datetime | None, ...], *, ended_by_owner: bool = False
) -> datetime | None:
    """An open session ends at its idle timeout or when a side away has used up its grace period
    (unless its owner ends it)."""
    if ended_by_owner:
        return None
    candidates = []
    if last_activity_at:
        candidates.append(last_activity_at + timedelta(seconds=settings.LIVE_IDLE_TIMEOUT_S))
    for left_at in left_ats:
        if left_at:
            candidates.append(left_at + timedelta(seconds=settings.LIVE_PARTNER_GRACE_S))
    return min(candidates) if candidates else None
