"""The waiting room's periodic work: one tick per server process, for every waiting room it holds.

Every ``LIVE_QUEUE_TICK_S`` the tick runs one matchmaker pass (any process may) and reads the status
of every worker whose waiting room this process holds in one service call, then sends each room
its frame. A timer per socket instead ran a matchmaker pass and a status read per waiting worker
each period: work that grew with the queue it was there to drain, and under a crowd's arrivals
took the database time the queue needed to move.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from typing import Protocol

from django.conf import settings

from platform_core.websocket import db_call
from roleplay.live import matchmaking, queue

logger = logging.getLogger(__name__)


class WaitingRoom(Protocol):
    """A waiting-room socket as the tick sees it (``roleplay.consumers.LiveQueueConsumer``)."""

    worker_id: int

    async def status_show(self, status: dict) -> None:
        """Send ``status``; nothing when the socket has closed meanwhile."""


class WaitingRoomTick:
    """The tick of one event loop: runs while at least one waiting room is open."""

    def __init__(self) -> None:
        self.rooms: set[WaitingRoom] = set()
        self.task: asyncio.Task | None = None

    def add(self, room: WaitingRoom) -> None:
        self.rooms.add(room)
        if self.task is None or self.task.done():
            self.task = asyncio.ensure_future(self._run())

    def discard(self, room: WaitingRoom) -> None:
        self.rooms.discard(room)
        if not self.rooms and self.task is not None:
            self.task.cancel()
            self.task = None

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(settings.LIVE_QUEUE_TICK_S)
            await self.tick()

    async def tick(self) -> None:
        """One matchmaker pass, then every open room's status."""
        rooms = list(self.rooms)
        try:
            await db_call(matchmaking.matchmaker_run)()
            statuses = await db_call(queue.queue_statuses)(worker_ids={room.worker_id for room in rooms})
        except Exception:  # a failed tick must not end the waiting rooms; the next one retries
            logger.exception("waiting-room tick failed")
            return
        shown = await asyncio.gather(
            *(room.status_show(statuses[room.worker_id]) for room in rooms if room in self.rooms),
            return_exceptions=True,
        )
        for error in shown:
            if isinstance(error, Exception):
                logger.error("waiting-room status not sent", exc_info=error)


_ticks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, WaitingRoomTick] = weakref.WeakKeyDictionary()


def waiting_room_tick() -> WaitingRoomTick:
    """The tick of the running event loop (one per server process)."""
    loop = asyncio.get_running_loop()
    tick = _ticks.get(loop)
    if tick is None:
        tick = _ticks[loop] = WaitingRoomTick()
    return tick
