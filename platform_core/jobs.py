"""One lifecycle for every background job: claim, heartbeat, liveness.

A job row (an export build, a training job, a synthesis batch) is claimed by ONE conditional
UPDATE: of two deliveries of its task, only the one whose UPDATE matched runs it. The worker
that runs it is recorded as ``host:pid`` and refreshes ``heartbeat_at`` while it works. A running
job is *stale* (its worker is gone, another delivery may take it over) when its worker ran on
this host and that process no longer exists, or, for a worker on another host (or none
recorded), when its heartbeat (before the first one, its start) is older than ``stale_after``.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
from collections.abc import Iterable
from typing import Any, TypeVar

from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

JOB_RUNNING = "running"


class Job(models.Model):
    """What every background job row holds besides its own ``status`` (whose value while it
    runs is ``"running"``) and its work. ``CLAIMABLE_STATUSES``: the statuses a worker may take
    the job from; a running job may be taken over only when it is stale."""

    CLAIMABLE_STATUSES: tuple[str, ...] = ()

    worker = models.CharField(_("worker"), max_length=200, blank=True, help_text="host:pid of the worker running it")
    started_at = models.DateTimeField(null=True, blank=True)
    # Refreshed by the worker while it runs: a "running" job whose heartbeat stopped was killed.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


J = TypeVar("J", bound=Job)


def this_worker() -> str:
    """``host:pid`` of this process, as a claim records it."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _process_alive(worker: str) -> bool | None:
    """Whether ``worker`` (``host:pid``) still runs; ``None`` when it ran on another host (unknowable here)."""
    host, _sep, pid = worker.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return None
    if int(pid) == os.getpid():
        return False  # this very process: a previous call of ours that has returned
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def job_is_stale(job: Job, *, stale_after: dt.timedelta, now: dt.datetime | None = None) -> bool:
    """Running, but its worker is gone: on this host its process ended; elsewhere its heartbeat
    (before the first one, its start) is older than ``stale_after``."""
    if job.status != JOB_RUNNING:
        return False
    alive = _process_alive(job.worker) if job.worker else None
    if alive is not None:
        return not alive
    last = job.heartbeat_at or job.started_at
    return last is None or (now or timezone.now()) - last > stale_after


def _queryset(jobs: type[J] | models.QuerySet[J]) -> models.QuerySet[J]:
    return jobs if isinstance(jobs, models.QuerySet) else jobs._default_manager.all()


def job_claim(
    jobs: type[J] | models.QuerySet[J],
    job_id: int,
    *,
    stale_after: dt.timedelta,
    claimable: Iterable[str] | None = None,
    **fields: Any,
) -> J | None:
    """Take the job for this process by one conditional UPDATE; ``None`` when another worker has it.

    The job is claimable from ``claimable`` (default: the model's ``CLAIMABLE_STATUSES``), or when
    it runs but is stale (``job_is_stale``); a stale job is matched on the exact ``worker`` and
    ``heartbeat_at`` read, so of two claims racing for it one wins. The claim
    sets ``status`` to running, ``worker``, ``heartbeat_at``, ``started_at`` (kept if set; pass
    ``started_at`` in ``fields`` to restart the clock) and any other ``fields``.
    """
    queryset = _queryset(jobs)
    statuses = tuple(claimable if claimable is not None else queryset.model.CLAIMABLE_STATUSES)
    current = queryset.filter(pk=job_id).only("status", "worker", "heartbeat_at", "started_at").first()
    if current is None:
        return None
    condition = Q(status__in=statuses)
    if job_is_stale(current, stale_after=stale_after):
        # Taken over only as it was seen stale: a heartbeat or a claim since then makes this match nothing.
        condition |= Q(status=JOB_RUNNING, worker=current.worker, heartbeat_at=current.heartbeat_at)
    now = timezone.now()
    updates: dict[str, Any] = {"started_at": Coalesce(F("started_at"), now), **fields}
    claimed = queryset.filter(condition, pk=job_id).update(
        status=JOB_RUNNING, worker=this_worker(), heartbeat_at=now, **updates
    )
    return queryset.get(pk=job_id) if claimed else None


def job_heartbeat(jobs: type[J] | models.QuerySet[J], job_id: int, **fields: Any) -> dt.datetime:
    """Say the job's worker is alive (and write ``fields`` with it); returns the heartbeat's time."""
    now = timezone.now()
    _queryset(jobs).filter(pk=job_id).update(heartbeat_at=now, **fields)
    return now
