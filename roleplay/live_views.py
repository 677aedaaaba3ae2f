"""Pages of live role-play: the waiting room and the chat. Thin: the consumers do the live work."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from platform_core.permissions import requires_roles
from platform_core.roles import Role
from roleplay import selectors
from roleplay.live.page import chat_page_context


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
    """The chat page of one seat; the same page whether the other seat is a worker or a model.
    A session opened by another service for its own work is served by that service's page."""
    session = selectors.live_session_for_worker(session_id=session_id, worker=request.user)
    if session is None or session.ended_by_owner:
        raise Http404(_("No such live session of yours."))
    # Where to go next: the waiting room, or (after a round with the model) another such round.
    back_url = reverse("training:chat-start" if session.character_is_model else "roleplay:live-waiting-room")
    return render(
        request, "roleplay/live_chat.html", chat_page_context(session, viewer_id=request.user.pk, back_url=back_url)
    )
