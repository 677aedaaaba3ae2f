"""The waiting room's queue: join, leave, and where a worker stands."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Collection
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from platform_core.models import BlockStatus, User, WorkerProfile
from roleplay.live.credits import credit_waiting
from roleplay.live.errors import LiveRefused
from roleplay.live.frames import match_frame, queue_frame
from roleplay.models import (
    BUSY_QUEUE_STATUSES,
    QUEUE_ORDER,
    LiveSession,
    LiveSide,
    MatchQueueEntry,
    QueueEntryStatus,
    Speaker,
)
from workforce.services.errors import WorkforceError
from workforce.services.limits import work_limit_check


def _allowed_side(profile: WorkerProfile, side: str) -> str:
    if profile.block_status == BlockStatus.BLOCKED:
        raise LiveRefused("blocked", _("Your account is blocked from live role-play."))
    can = {Speaker.CHARACTER: profile.can_play_character, Speaker.PLAYER: profile.can_play_player}
    if side not in LiveSide.values:
        raise LiveRefused("bad_side", _("Choose character, player or either."))
    if side == LiveSide.ANY:
        if all(can.values()):
            return LiveSide.ANY
        for name, allowed in can.items():
            if allowed:
                return name
        raise LiveRefused("not_qualified", _("You are not qualified for live role-play yet."))
    if not can[side]:
        raise LiveRefused("not_qualified", _("You are not qualified to play this side."))
    return side


def _stranded_priority(worker: User, now: datetime) -> int:
    """1 when the worker was stranded by a partner recently and has not been requeued since."""
    since = now - timedelta(seconds=settings.LIVE_STRANDED_PRIORITY_WINDOW_S)
    updated = LiveSession.objects.filter(stranded_worker=worker, stranded_requeued=False, ended_at__gte=since).update(
        stranded_requeued=True
    )
    return 1 if updated else 0


@transaction.atomic
def queue_join(*, worker: User, side: str) -> MatchQueueEntry:
    """Put ``worker`` in the queue for ``side`` (or return their busy entry: waiting or matched)."""
    profile = WorkerProfile.objects.get(user=worker)
    side = _allowed_side(profile, side)
    now = timezone.now()
    existing = MatchQueueEntry.objects.select_for_update().filter(worker=worker, status__in=BUSY_QUEUE_STATUSES).first()
    if existing is not None:
        if existing.status == QueueEntryStatus.WAITING:
            existing.side = side
            existing.disconnected_at = None
            existing.save(update_fields=["side", "disconnected_at"])
        return existing
    _work_limit(worker)
    try:
        with transaction.atomic():
            return MatchQueueEntry.objects.create(
                worker=worker, side=side, priority=_stranded_priority(worker, now), joined_at=now
            )
    except IntegrityError:
        # Another tab of the same worker joined at the same moment: theirs is the entry.
        return MatchQueueEntry.objects.get(worker=worker, status__in=BUSY_QUEUE_STATUSES)


def _work_limit(worker: User) -> None:
    """The workforce's per-worker limits (tasks a minute, work awaiting review), as a refusal."""
    try:
        work_limit_check(worker=worker)
    except WorkforceError as error:
        raise LiveRefused(error.code, error.message) from None


@transaction.atomic
def queue_leave(*, worker: User, disconnected: bool = False) -> MatchQueueEntry | None:
    """Leave the queue; a mere disconnect keeps the place for ``LIVE_QUEUE_RECONNECT_GRACE_S``."""
    entry = MatchQueueEntry.objects.select_for_update().filter(worker=worker, status=QueueEntryStatus.WAITING).first()
    if entry is None:
        return None
    now = timezone.now()
    if disconnected:
        entry.disconnected_at = now
        entry.save(update_fields=["disconnected_at"])
        return entry
    queue_entry_close(entry, QueueEntryStatus.LEFT, now)
    return entry


def queue_entry_close(entry: MatchQueueEntry, status: str, now: datetime) -> None:
    entry.status = status
    entry.closed_at = now
    entry.save(update_fields=["status", "closed_at"])
    credit_waiting(entry, now)


def queue_status(*, worker: User) -> dict:
    """What the waiting room shows ``worker``: see ``queue_statuses``."""
    return queue_statuses(worker_ids=[worker.pk])[worker.pk]


def queue_statuses(*, worker_ids: Collection[int]) -> dict[int, dict]:
    """What the waiting room shows each of ``worker_ids``: the ``match`` frame once matched, else a
    ``queue`` frame with the position (1 = next), the seconds waited and how many wait.

    Two queries whatever the number of workers: their busy entries, and the waiting queue's order.
    """
    entries = {
        entry.worker_id: entry
        for entry in MatchQueueEntry.objects.filter(worker_id__in=worker_ids, status__in=BUSY_QUEUE_STATUSES)
        .select_related("session")
        .order_by()
    }
    # The queue's order as sortable keys; a worker's position is the count of keys before theirs
    # (their own entry may be away, reconnecting: it keeps its place without being counted).
    waiting = [
        _order_key(*row)
        for row in MatchQueueEntry.objects.filter(status=QueueEntryStatus.WAITING, disconnected_at__isnull=True)
        .order_by(*QUEUE_ORDER)
        .values_list("priority", "joined_at", "id")
    ]
    now = timezone.now()
    statuses: dict[int, dict] = {}
    for worker_id in worker_ids:
        entry = entries.get(worker_id)
        if entry is None:
            statuses[worker_id] = queue_frame(status="idle", waiting_total=len(waiting))
        elif entry.status == QueueEntryStatus.MATCHED:
            statuses[worker_id] = match_frame(entry.session)
        else:
            statuses[worker_id] = queue_frame(
                status="waiting",
                waiting_total=len(waiting),
                entry=entry,
                position=bisect_left(waiting, _order_key(entry.priority, entry.joined_at, entry.pk)) + 1,
                waiting_s=round((now - entry.joined_at).total_seconds(), 1),
            )
    return statuses


def _order_key(priority: int, joined_at: datetime, entry_id: int) -> tuple[int, datetime, int]:
    """An entry's place in ``QUEUE_ORDER``, as a tuple that sorts the way that ordering does."""
    return -priority, joined_at, entry_id
