"""``ModelPartner``: the deployed model in the character's seat, behind the ``Partner`` interface.

roleplay's ``LiveChatConsumer`` serving the worker's (player's) seat of a model session holds one
(``LIVE_MODEL_PARTNER_CLASS``) and calls it after the worker's turn is committed. The partner then,
without blocking the consumer, builds the prompt (``roleplay.live.human_machine.hm_reply_plan``), streams
the reply from the model version's inference backend (generation runs in a worker thread, never in
the event loop), sending ``stream`` frames with the text so far, stores the finished reply as a
turn authored by the model version, and sends the committed ``turn`` frame. Every frame goes to the
worker's seat group over the channel layer, so a reply that outlives its socket (a refresh) reaches
the worker's next connection, whichever process serves it.

It also answers two client frames, which the consumer forwards because the partner declares them
in ``client_frame_types``: ``regenerate`` (a new try at the last reply) and ``edit`` (the worker's
correction of a reply; the model's text is kept).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
import weakref

from django.utils.translation import gettext as _

from platform_core.errors import Refused
from platform_core.websocket import db_call
from roleplay.live.frames import turn_frame
from roleplay.live.human_machine import ChatRefused, hm_model_reply_store, hm_reply_plan, hm_turn_edit
from roleplay.live.partners import Partner, other_seat, seat_send
from roleplay.message_checks import drop_unstorable
from training.inference import InferenceError, astream, backend_for

logger = logging.getLogger(__name__)

# The reply being generated for each session in this process. A worker who refreshes gets a new
# consumer and a new partner; this keeps the new partner from generating the same reply twice.
_replies: dict[int, asyncio.Task] = {}
# Sessions whose worker wrote again while a reply was being generated: answer once it is done.
_owed: set[int] = set()
# Replies already stored, still sending their last frames: the worker may regenerate or edit them,
# having seen their turn, before the task ends.
_stored: weakref.WeakSet[asyncio.Task] = weakref.WeakSet()


class ModelPartner(Partner):
    client_frame_types = frozenset({"regenerate", "edit"})

    @property
    def busy(self) -> bool:
        task = _replies.get(self.session_id)
        return (
            task is not None
            and not task.done()
            and task not in _stored
            and task.get_loop() is asyncio.get_running_loop()
        )

    async def _send(self, frame: dict) -> None:
        await seat_send(self.session_id, other_seat(self.seat), frame)

    async def deliver_turn(self, frame: dict, session: dict | None = None) -> None:
        if frame.get("speaker") == self.seat:
            return  # the model's own turn coming back
        if self.busy:
            _owed.add(self.session_id)  # e.g. the worker wrote while a regeneration ran
            return
        self._start(regenerate=False, quiet=False)

    async def deliver_typing(self) -> None:
        """A model does not wait for typing to stop."""

    async def observe_session(self, frame: dict) -> None:
        # The chat just started without a greeting, or the worker came back while a reply was due
        # (one lost with a crashed server): answer. ``quiet``: if the reply was stored meanwhile,
        # the plan refuses, and the worker need not hear about it.
        if frame.get("status") == "active" and frame.get("next_speaker") == self.seat and not self.busy:
            self._start(regenerate=False, quiet=True)

    async def deliver_frame(self, frame: dict) -> None:
        kind = frame.get("type")
        if kind == "regenerate":
            if self.busy:
                raise ChatRefused("model_busy", _("The character is still answering."))
            # Refuse at once (as an error frame to this request) what the plan would refuse later.
            await db_call(hm_reply_plan)(session_id=self.session_id, regenerate=True)
            self._start(regenerate=True, quiet=False)
        elif kind == "edit":
            if self.busy:
                raise ChatRefused("model_busy", _("The character is still answering."))
            turn = await db_call(hm_turn_edit)(session_id=self.session_id, seq=frame.get("seq"), text=frame.get("text"))
            await self._send(turn_frame(turn))

    def _start(self, *, regenerate: bool, quiet: bool) -> None:
        _replies[self.session_id] = asyncio.ensure_future(self._reply(regenerate=regenerate, quiet=quiet))

    async def _reply(self, *, regenerate: bool, quiet: bool) -> None:
        try:
            plan = await db_call(hm_reply_plan)(session_id=self.session_id, regenerate=regenerate)
            reply_id = uuid.uuid4()
            backend = backend_for(plan.model_version)
            text = ""
            async for raw_piece in astream(backend, plan.request):
                piece = drop_unstorable(raw_piece)  # the stream shows what the stored turn will hold
                if not piece:
                    continue
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
            turn, state = await db_call(hm_model_reply_store)(plan=plan, text=text, reply_id=reply_id)
            _stored.add(asyncio.current_task())
            await self._send({**turn_frame(turn), "reply_id": str(reply_id), "replaced": plan.replace_seq is not None})
            if state is not None:
                await self._send(state)
        except Refused as refused:
            if not quiet:
                await self._send({"type": "error", "code": refused.code, "message": refused.message})
        except InferenceError as error:
            # The backend's words stay in the log: an endpoint's error body may hold anything it
            # can reach, and the worker needs only to know that the reply failed.
            logger.warning("model reply failed in session %s: %s", self.session_id, error)
            await self._send(
                {"type": "error", "code": "model_unavailable", "message": _("The character could not answer.")}
            )
        except Exception:  # a task nobody awaits: log instead of losing the traceback
            logger.exception("model reply crashed in session %s", self.session_id)
            await self._send(
                {"type": "error", "code": "model_unavailable", "message": _("The character could not answer.")}
            )
        finally:
            # A reply started after this one was stored (a regeneration) answers what is owed itself.
            if _replies.get(self.session_id) is asyncio.current_task():
                del _replies[self.session_id]
                if self.session_id in _owed:
                    _owed.discard(self.session_id)
                    self._start(regenerate=False, quiet=True)

    async def wait(self) -> None:
        """Until the reply in progress for this session (if any) is stored and sent."""
        while (task := _replies.get(self.session_id)) is not None and not task.done():
            await asyncio.shield(task)

    async def close(self) -> None:
        # Let a reply in progress finish and be stored: the worker sees it on reconnecting.
        return None
