"""``ModelPartner``: the deployed model in the character's seat, behind roleplay's ``Partner`` interface.

A consumer serving the human's seat holds a partner for the other seat and calls
``deliver_turn(frame)`` after the human's turn is committed. The model partner then, without
blocking the consumer, builds the prompt (``training.human_machine.hm_reply_plan``), streams the
reply from the model version's inference backend (generation runs in a worker thread, never in
the event loop), sending ``stream`` frames with the text so far, stores the finished reply as a
turn authored by the model version, and sends the committed ``turn`` frame. ``regenerate()``
asks for a new try at the last reply.

Frames go to the human's seat through ``send``: by default roleplay's channel-layer seat group
(so it also works as ``LIVE_MODEL_PARTNER_CLASS = "training.partner.ModelPartner"`` in live
sessions, where ``session_id`` is a ``LiveSession`` id); the human–machine chat consumer passes
its own ``send_json`` and the dialogue id.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable

from channels.db import database_sync_to_async
from django.utils.translation import gettext as _

from roleplay.partners import Partner, other_seat, seat_send
from training.human_machine import ChatRefused, hm_model_reply_store, hm_reply_plan, turn_frame
from training.inference import InferenceError, astream, backend_for

logger = logging.getLogger(__name__)


def _live_session_dialogue_id(session_id: int) -> int | None:
    from roleplay.models import LiveSession

    return LiveSession.objects.filter(pk=session_id).values_list("dialogue_id", flat=True).first()


class ModelPartner(Partner):
    def __init__(
        self,
        *,
        session_id: int,
        seat: str,
        send: Callable[[dict], Awaitable[None]] | None = None,
        dialogue_id: int | None = None,
    ) -> None:
        super().__init__(session_id=session_id, seat=seat)
        self._send = send or (lambda frame: seat_send(session_id, other_seat(seat), frame))
        self.dialogue_id = dialogue_id
        self.task: asyncio.Task | None = None

    @property
    def busy(self) -> bool:
        return self.task is not None and not self.task.done()

    async def deliver_turn(self, frame: dict) -> None:
        if frame.get("speaker") == self.seat:
            return  # the model's own turn coming back
        self._start(regenerate=False)

    async def deliver_typing(self) -> None:
        """A model does not wait for typing to stop."""

    async def deliver_frame(self, frame: dict) -> None:
        """Session updates need no answer from the model."""

    async def regenerate(self) -> None:
        self._start(regenerate=True)

    def _start(self, *, regenerate: bool) -> None:
        if self.busy:
            raise ChatRefused("model_busy", _("The character is still answering."))
        self.task = asyncio.ensure_future(self._reply(regenerate=regenerate))

    async def wait(self) -> None:
        """Until the reply in progress (if any) is stored and sent."""
        if self.task is not None:
            await asyncio.shield(self.task)

    async def _reply(self, *, regenerate: bool) -> None:
        try:
            if self.dialogue_id is None:
                self.dialogue_id = await database_sync_to_async(_live_session_dialogue_id)(self.session_id)
            plan = await database_sync_to_async(hm_reply_plan)(dialogue_id=self.dialogue_id, regenerate=regenerate)
            reply_id = uuid.uuid4()
            backend = backend_for(plan.model_version)
            text = ""
            async for piece in astream(backend, plan.request):
                text += piece
                await self._send(
                    {
                        "type": "stream",
                        "speaker": self.seat,
                        "text": text,
                        "delta": piece,
                        "reply_id": str(reply_id),
                        "replace_seq": plan.replace_seq,
                    }
                )
            turn = await database_sync_to_async(hm_model_reply_store)(plan=plan, text=text, reply_id=reply_id)
            await self._send({**turn_frame(turn), "reply_id": str(reply_id), "replaced": plan.replace_seq is not None})
        except ChatRefused as refused:
            await self._send({"type": "error", "code": refused.code, "message": refused.message})
        except InferenceError as error:
            logger.warning("model reply failed in session %s: %s", self.session_id, error)
            await self._send({"type": "error", "code": "model_unavailable", "message": str(error)})

    async def close(self) -> None:
        # Let a reply in progress finish and be stored: the worker sees it on reconnecting.
        return None
