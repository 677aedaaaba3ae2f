"""The waiting room's queue: join, leave, and where a worker stands."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from platform_core.models import BlockStatus, User, WorkerProfile
from roleplay.live.credits import credit_waiting
from roleplay.live.errors import LiveRefused
from roleplay.live.frames import match_frame, queue_frame
from roleplay.models import BUSY_QUEUE_STATUSES, LiveSession, LiveSide, MatchQueueEntry, QueueEntryStatus, Speaker
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
    """What the waiting room shows: position (1 = next), seconds waited, how many wait."""
    entry = MatchQueueEntry.objects.filter(worker=worker, status__in=BUSY_QUEUE_STATUSES).first()
    waiting = MatchQueueEntry.objects.filter(status=QueueEntryStatus.WAITING, disconnected_at__isnull=True)
    if entry is None:
        return queue_frame(status="idle", waiting_total=waiting.count())
    if entry.status == QueueEntryStatus.MATCHED:
        return match_frame(entry.session)
    ahead = waiting.filter(
        Q(priority__gt=entry.priority)
        | Q(priority=entry.priority, joined_at__lt=entry.joined_at)
        | Q(priority=entry.priority, joined_at=entry.joined_at, id__lt=entry.id)
    ).count()
    return queue_frame(
        status="waiting",
        waiting_total=waiting.count(),
        entry=entry,
        position=ahead + 1,
        waiting_s=round((timezone.now() - entry.joined_at).total_seconds(), 1),
    )
