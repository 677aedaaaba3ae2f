"""What the live chat page (``roleplay/live_chat.html`` and ``live_chat.js``) is given for one seat.

Roleplay's chat view and the pages of services that open sessions of their own (an evaluation's
pointwise session) render the same template from this context, so every live chat is served by
one page, one client and one protocol.
"""

from __future__ import annotations

from django.conf import settings

from roleplay import selectors
from roleplay.live import frames
from roleplay.models import LiveSession, Topic


def chat_page_context(session: LiveSession, *, viewer_id: int, back_url: str) -> dict:
    """The template context of ``session``'s chat page for the worker ``viewer_id``; ``back_url``
    is where the ended page sends them next."""
    side = session.side_of(viewer_id)
    model_seat = "character" if session.character_is_model else None
    config = {
        "sessionId": session.pk,
        "side": side,
        "wsPath": frames.chat_socket_path(session.pk),
        "waitingRoomUrl": back_url,
        "minTurns": session.finish_min_turns,
        "maxChars": settings.LIVE_MAX_MESSAGE_CHARS,
        "names": {"character": session.character.name, "player": session.player_persona.name},
        # The seat a model plays: its replies stream; what the player may do with them.
        "modelSeat": model_seat,
        "modelActions": {
            "regenerate": bool(model_seat) and session.allow_regenerate,
            "edit": bool(model_seat) and session.allow_edit,
        },
        # False: the service that opened the session finishes it on its own panel.
        "finishInChat": not session.ended_by_owner,
        # What is stored, shown at once: a finished session's socket replays nothing.
        "session": frames.session_frame(session),
        "turns": [frames.turn_frame(turn) for turn in selectors.session_turns(session=session)],
    }
    return {
        "session": session,
        "side": side,
        "character": session.character,
        "persona": session.player_persona,
        # Blind sessions never name the model, in the page or in any frame.
        "model_name": session.model_version.name if session.character_is_model and not session.blind else "",
        "profile_prompt": selectors.character_profile_prompt(character=session.character),
        "topics": Topic.choices,
        "config": config,
        "ratings": range(1, 6),
    }
