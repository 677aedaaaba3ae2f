"""The one rule for appending a turn to a dialogue, shared by every path that writes turns.

Three paths store turns: ``roleplay.services.turn_append`` (ORM: greetings, extraction,
synthesis), the live chat's hot path ``roleplay.live.messages`` (plain SQL), and the model seat
``roleplay.live.human_machine.live_model_turn_append``. Each reads what it needs its own way and
then asks ``turn_admit`` what to do; the decision and its order live only here:

1. a turn already stored under the client's message id is a resend when the same seat (speaker)
   stored it: the stored turn stands; a message id that the other seat used is refused
   (idempotency is per sender: one sender cannot read or shadow the other's turn);
2. a dialogue (or session) that no longer accepts turns refuses;
3. with turn-taking, only the side whose turn it is may write;
4. the new turn's ``seq`` is the last one + 1.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _

from platform_core.errors import Refused
from roleplay.models import Speaker

ANY_SPEAKER = "any"


class TurnRefused(Refused):
    """A turn that may not be stored."""


def next_speaker(last_speaker: str | None) -> str:
    """Whose turn it is after ``last_speaker`` (``any`` without strict turn-taking)."""
    if not settings.LIVE_STRICT_TURN_TAKING:
        return ANY_SPEAKER
    return Speaker.CHARACTER if last_speaker in (None, Speaker.PLAYER) else Speaker.PLAYER


def turn_admit(
    *,
    speaker: str,
    stored_speaker: str | None,
    last: tuple[int, str] | None,
    closed: Refused | None = None,
    turn_taking: bool = False,
    refusal: type[Refused] = TurnRefused,
) -> int | None:
    """The ``seq`` of the new turn, or None for a resend (the stored turn stands); else raise.

    ``stored_speaker``: the speaker of the turn stored under the client's message id already (None
    when there is none). ``last``: (seq,
    speaker) of the dialogue's last turn, None when it has none. ``closed``: the caller's refusal
    when the dialogue or session does not accept turns now. ``turn_taking``: apply
    ``LIVE_STRICT_TURN_TAKING``; the refusal is raised as ``refusal`` (each path's error class).
    """
    if stored_speaker is not None:
        if stored_speaker != speaker:
            raise refusal(
                "client_msg_id_taken",
                _("This client_msg_id belongs to another sender's message; make a new UUID for each message."),
            )
        return None
    if closed is not None:
        raise closed
    if turn_taking and next_speaker(last[1] if last else None) not in (ANY_SPEAKER, speaker):
        raise refusal("not_your_turn", _("Wait for your partner's reply."))
    return last[0] + 1 if last else 1
