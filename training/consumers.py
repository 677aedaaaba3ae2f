"""The human–machine chat over WebSocket: the worker plays the player, ``ModelPartner`` the character.

It speaks the live role-play protocol (docs/chat-protocol.md: ``hello``/``replayed``, ``message``
→ ``ack`` + ``turn``, ``stream``, ``error`` with a code, ``finish``) plus two frames of its own:
``regenerate`` (a new try at the model's last reply) and ``edit`` (``seq``, ``text``: the worker's
correction of a model reply; the original text is kept). Every read and write is a service.
"""

from __future__ import annotations

from channels.db import database_sync_to_async
from django.utils.translation import gettext as _

from platform_core.permissions import websocket_allows
from platform_core.roles import Role
from roleplay.frames import FrameHandler, JsonFrameConsumer
from training import human_machine as hm
from training.partner import ModelPartner

CHAT_ROLES = (Role.CROWDWORKER, Role.RESEARCHER)
CLOSE_FORBIDDEN = 4403


class HumanMachineChatConsumer(JsonFrameConsumer):
    # The model partner lives in this consumer's process and answers through ``send_frame``: no
    # other process ever writes to this socket, so it takes no channel-layer channel (one Redis
    # connection less per chat, and no blocking read to keep alive while the model is idle).
    channel_layer_alias = "__no_channel_layer__"
    partner: ModelPartner | None = None
    dialogue_id: int | None = None

    async def connect(self) -> None:
        if not await database_sync_to_async(websocket_allows)(self.scope, CHAT_ROLES):
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.user = self.scope["user"]
        await self.accept()
        dialogue_id = int(self.scope["url_route"]["kwargs"]["dialogue_id"])
        try:
            frame = await database_sync_to_async(hm.hm_session_frame)(dialogue_id=dialogue_id, worker=self.user)
        except hm.ChatRefused as refused:
            await self.send_error(refused.code, refused.message)
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.dialogue_id = dialogue_id
        self.partner = ModelPartner(
            session_id=dialogue_id, seat="character", send=self.send_frame, dialogue_id=dialogue_id
        )
        await self.send_json({"type": "welcome", "session_id": dialogue_id, "you": "player"})
        await self.send_json(frame)
        if frame["open"] and frame["next_speaker"] == "character" and frame["turns"] > 0:
            await self.partner.deliver_turn({"speaker": "player"})  # a reply lost to a disconnect

    async def disconnect(self, code: int) -> None:
        if self.partner is not None:
            await self.partner.close()

    async def send_frame(self, frame: dict) -> None:
        try:
            await self.send_json(frame)
        except Exception:  # the socket closed while the model was answering; the turn is stored anyway
            pass

    def ready_for_frames(self) -> bool:
        return self.dialogue_id is not None

    def frame_handlers(self) -> dict[str, FrameHandler]:
        return {
            "message": self._on_message,
            "hello": self._on_hello,
            "regenerate": self._on_regenerate,
            "edit": self._on_edit,
            "finish": self._on_finish,
            "typing": self._on_typing,
            "ping": self._on_ping,
        }

    async def _on_message(self, content: dict) -> None:
        if self.partner.busy:
            raise hm.ChatRefused("not_your_turn", _("Wait for the character's reply."))
        result = await database_sync_to_async(hm.hm_message_send)(
            dialogue_id=self.dialogue_id,
            worker=self.user,
            client_msg_id=content.get("client_msg_id"),
            text=content.get("text"),
        )
        turn = result.turn
        await self.send_json(
            {"type": "ack", "client_msg_id": str(turn.client_msg_id), "seq": turn.seq, "duplicate": not result.created}
        )
        if result.created:
            frame = hm.turn_frame(turn)
            await self.send_json(frame)
            await self.partner.deliver_turn(frame)

    async def _on_hello(self, content: dict) -> None:
        frames = await database_sync_to_async(hm.hm_turns_since)(
            dialogue_id=self.dialogue_id, worker=self.user, last_seq=content.get("last_seq", 0)
        )
        for frame in frames:
            await self.send_json(frame)
        last = frames[-1]["seq"] if frames else content.get("last_seq", 0)
        await self.send_json({"type": "replayed", "count": len(frames), "last_seq": last})

    async def _on_regenerate(self, content: dict) -> None:
        # Ownership and state are checked by the plan inside the partner; refuse early if not ours.
        await database_sync_to_async(hm.hm_reply_plan)(dialogue_id=self.dialogue_id, regenerate=True, worker=self.user)
        await self.partner.regenerate()

    async def _on_edit(self, content: dict) -> None:
        if self.partner.busy:
            raise hm.ChatRefused("model_busy", _("The character is still answering."))
        turn = await database_sync_to_async(hm.hm_turn_edit)(
            dialogue_id=self.dialogue_id, worker=self.user, seq=content.get("seq"), text=content.get("text")
        )
        await self.send_json(hm.turn_frame(turn))

    async def _on_finish(self, content: dict) -> None:
        if self.partner.busy:
            raise hm.ChatRefused("model_busy", _("The character is still answering."))
        await database_sync_to_async(hm.hm_finish)(
            dialogue_id=self.dialogue_id, worker=self.user, rating=content.get("rating")
        )
        frame = await database_sync_to_async(hm.hm_session_frame)(dialogue_id=self.dialogue_id, worker=self.user)
        await self.send_json(frame)

    async def _on_typing(self, content: dict) -> None:
        await self.partner.deliver_typing()

    async def _on_ping(self, content: dict) -> None:
        await self.send_json({"type": "pong"})
