"""Pages of live role-play: the waiting room and the chat. Thin: the consumers do the live work."""

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from platform_core.permissions import requires_roles
from platform_core.roles import Role
from roleplay import selectors
from roleplay.live import frames
from roleplay.models import Topic


@requires_roles(Role.CROWDWORKER)
def live_waiting_room(request: HttpRequest) -> HttpResponse:
    profile = request.user.profile
    sides = []
    if profile.can_play_character and profile.can_play_player:
        sides.append(("any", _("Either side")))
    if profile.can_play_character:
        sides.append(("character", _("Character")))
    if profile.can_play_player:
        sides.append(("player", _("Player")))
    return render(
        request,
        "roleplay/live_waiting.html",
        {"sides": sides, "profile": profile, "credits": selectors.live_credit_total(worker=request.user)},
    )


# Researchers may start human–machine rounds too (training's chat start); they never queue.
@requires_roles(Role.CROWDWORKER, Role.RESEARCHER)
def live_chat(request: HttpRequest, session_id: int) -> HttpResponse:
    """The chat page of one seat; the same page whether the other seat is a worker or a model."""
    session = selectors.live_session_for_worker(session_id=session_id, worker=request.user)
    if session is None:
        raise Http404(_("No such live session of yours."))
    side = session.side_of(request.user.pk)
    config = {
        "sessionId": session.pk,
        "side": side,
        "wsPath": f"/ws/roleplay/live/{session.pk}/",
        # Where to go next: the waiting room, or (after a round with the model) another such round.
        "waitingRoomUrl": reverse(
            "training:chat-start" if session.character_is_model else "roleplay:live-waiting-room"
        ),
        "minTurns": settings.LIVE_MIN_TURNS,
        "maxChars": settings.LIVE_MAX_MESSAGE_CHARS,
        "names": {"character": session.character.name, "player": session.player_persona.name},
        # The seat a model plays: its turns may be regenerated and edited, and its replies stream.
        "modelSeat": "character" if session.character_is_model else None,
        # What is stored, shown at once: a finished session's socket replays nothing.
        "session": frames.session_frame(session),
        "turns": [frames.turn_frame(turn) for turn in selectors.session_turns(session=session)],
    }
    return render(
        request,
        "roleplay/live_chat.html",
        {
            "session": session,
            "side": side,
            "character": session.character,
            "persona": session.player_persona,
            "profile_prompt": selectors.character_profile_prompt(character=session.character),
            "topics": Topic.choices,
            "config": config,
            "ratings": range(1, 6),
        },
    )
