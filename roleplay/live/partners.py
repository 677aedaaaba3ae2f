"""The other side of a live session, as seen from one seat: the ``Partner`` abstraction.

A live session has two seats, ``character`` and ``player``. The chat consumer serving one seat
never talks to the other seat directly; it holds a ``Partner`` for the other seat and calls it.
In human role-play both seats are humans (``HumanPartner``, over the channel layer). In a
human–machine collection round the character seat is a deployed model version
(``LiveSession.model_version``); the consumer of the worker's seat then holds the class named in
``LIVE_MODEL_PARTNER_CLASS`` (by default ``roleplay.live.model_seat.ModelPartner``). The consumer has no
model-specific code.

The interface a partner implements (all methods are coroutines, called by the consumer of the
*other* seat, after the database commit they report):

``deliver_turn(frame, session=None)``
    The seat's human committed a turn (``frame`` is the ``turn`` frame of docs/chat-protocol.md:
    ``seq``, ``speaker``, ``text``, ``client_msg_id``, ``created_at``; ``session`` the ``session``
    frame after it). A human partner shows both, in that order; a model partner starts generating
    its reply here (do not block: start a task or a Celery job). The consumer calls it from a task
    of its own, so the delivery completes even when the sender's socket closes meanwhile.
``deliver_typing()``
    The seat's human is typing. A model partner may ignore it.
``deliver_frame(frame)``
    Any other frame meant for the partner's seat. Besides, the consumer forwards here every client
    frame whose ``type`` is in the partner's ``client_frame_types`` (a model partner declares
    ``regenerate`` and ``edit``; a human partner declares none, so nothing a worker sends is
    relayed raw to the other worker). The consumer has checked that the sender holds the other
    seat; a refusal raises ``platform_core.errors.Refused`` and becomes an ``error`` frame.
``observe_session(frame)``
    The ``session`` frame the consumer's own seat just received (on connect and on every change).
    A human partner gets its own copy and ignores it; a model partner uses it to notice that it
    owes a reply (the chat started without a greeting, or the worker came back while it was due).

How a partner answers: a human through the consumer of its own seat; a model through
``roleplay.live.human_machine.live_model_turn_append`` (its own ``client_msg_id`` makes a retried reply
idempotent; the turn's ``author_model`` is the session's model version), then
``seat_send(session_id, seat, frame)`` with the committed ``turn`` frame for the human's seat.
While generating, it may stream partial text with ``seat_send(..., {"type": "stream",
"speaker": "character", "text": partial, ...})``; the consumer forwards such frames unchanged, and
the final ``turn`` frame replaces the streamed text on the client.

Everything a seat receives arrives as channel-layer messages of type ``live.frame`` on the seat's
group (``seat_group``), so several ASGI processes (and Celery workers) can serve one session.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.utils.module_loading import import_string

SEATS = ("character", "player")


def other_seat(seat: str) -> str:
    return "player" if seat == "character" else "character"


def seat_group(session_id: int, seat: str) -> str:
    return f"live.s{session_id}.{seat}"


def worker_group(user_id: int) -> str:
    """The waiting room of one worker: match found, queue updates."""
    return f"live.w{user_id}"


async def seat_send(session_id: int, seat: str, frame: dict, *, then: tuple[dict, ...] = ()) -> None:
    """``frame`` (and the frames ``then``, in order, in the same channel-layer message) to a seat."""
    layer = get_channel_layer()
    if layer is not None:
        event = {"type": "live.frame", "frame": frame}
        if then:
            event["then"] = list(then)
        await layer.group_send(seat_group(session_id, seat), event)


def seats_send_sync(session_id: int, frame: dict, seats: tuple[str, ...] = SEATS) -> None:
    """From synchronous code (services after commit, Celery): send ``frame`` to each seat."""
    layer = get_channel_layer()
    if layer is None:
        return
    for seat in seats:
        async_to_sync(layer.group_send)(seat_group(session_id, seat), {"type": "live.frame", "frame": frame})


def workers_send_sync(frames: list[tuple[int, dict]]) -> None:
    """From synchronous code: each (worker id, frame) to that worker's waiting room, all in one hop
    to the event loop (a matchmaker pass tells a thousand workers at once)."""
    layer = get_channel_layer()
    if layer is None or not frames:
        return

    async def send_all() -> None:
        await asyncio.gather(
            *(
                layer.group_send(worker_group(user_id), {"type": "live.frame", "frame": frame})
                for user_id, frame in frames
            )
        )

    async_to_sync(send_all)()


class Partner(ABC):
    """Whoever sits in ``seat`` of session ``session_id``; see the module docstring."""

    # Extra client frame types the consumer routes to ``deliver_frame`` (see the module docstring).
    client_frame_types: frozenset[str] = frozenset()

    def __init__(self, *, session_id: int, seat: str) -> None:
        self.session_id = session_id
        self.seat = seat

    @abstractmethod
    async def deliver_turn(self, frame: dict, session: dict | None = None) -> None: ...

    @abstractmethod
    async def deliver_typing(self) -> None: ...

    @abstractmethod
    async def deliver_frame(self, frame: dict) -> None: ...

    async def observe_session(self, frame: dict) -> None:  # noqa: B027 - optional hook
        """The other seat's ``session`` frame; a human partner has its own copy."""

    async def close(self) -> None:  # noqa: B027 - optional hook, most partners hold nothing
        """The consumer holding this partner disconnected; release what the partner holds."""


class HumanPartner(Partner):
    """A crowdworker in the seat, reached through the channel layer group of that seat."""

    async def deliver_turn(self, frame: dict, session: dict | None = None) -> None:
        await seat_send(self.session_id, self.seat, frame, then=(session,) if session else ())

    async def deliver_typing(self) -> None:
        await seat_send(self.session_id, self.seat, {"type": "typing", "side": other_seat(self.seat)})

    async def deliver_frame(self, frame: dict) -> None:
        await seat_send(self.session_id, self.seat, frame)


def partner_for(*, session_id: int, seat: str, is_model: bool = False) -> Partner:
    """The partner occupying ``seat``: a human, or the configured model partner class."""
    if is_model:
        if not settings.LIVE_MODEL_PARTNER_CLASS:
            raise RuntimeError("LIVE_MODEL_PARTNER_CLASS is not set, so no model can take a seat.")
        partner_class = import_string(settings.LIVE_MODEL_PARTNER_CLASS)
        return partner_class(session_id=session_id, seat=seat)
    return HumanPartner(session_id=session_id, seat=seat)
