"""Leaving human partners: the 24-hour count and the automatic soft block."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from platform_core.models import BlockStatus, WorkerProfile
from platform_core.services import worker_block
from roleplay.models import LiveSession


def abandonments_recent(*, worker_id: int, now: datetime | None = None) -> int:
    since = (now or timezone.now()) - timedelta(hours=24)
    # Leaving a model strands nobody: only human pairings count.
    return LiveSession.objects.filter(
        abandoned_by_id=worker_id, ended_at__gte=since, model_version__isnull=True
    ).count()


def abandonment_count(worker_id: int, now: datetime) -> None:
    threshold = settings.LIVE_ABANDON_THRESHOLD
    if threshold <= 0 or abandonments_recent(worker_id=worker_id, now=now) < threshold:
        return
    profile = WorkerProfile.objects.select_for_update().filter(user_id=worker_id).first()
    if profile is not None and profile.block_status == BlockStatus.ACTIVE:
        worker_block(
            profile=profile,
            status=BlockStatus.SOFT_BLOCKED,
            reason=f"Left {threshold} or more live sessions within 24 hours (automatic).",
            actor=None,
        )
