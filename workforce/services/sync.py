"""Opens and submits units for the work done in the other apps, from the events they store.

Live sessions and annotation tasks already record who worked and when (joins, turns, claims,
submissions); this sync turns them into units without those apps knowing about pay. It is
idempotent (one unit per worker and subject) and runs every minute from Celery beat, and when
the review queue opens. Evaluation sessions and batches call ``unit_open``/``unit_submit`` directly.
"""

from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from workforce.models import UnitKind, UnitState, WorkUnit
from workforce.services.units import active_seconds_from_events, unit_open, unit_return, unit_submit

LIVE_SIDE_KINDS = {"character": UnitKind.LIVE_CHARACTER, "player": UnitKind.LIVE_PLAYER}
ANNOTATION_KINDS = (
    UnitKind.REWRITE_REVIEW,
    UnitKind.DIALOGUE_REVIEW,
    UnitKind.EXTRACTION,
    UnitKind.PROMPT_WRITING,
    UnitKind.PROMPT_VARIANTS,
)
OPEN_LIVE_STATUSES = ("topic", "active", "rating")


def units_sync(*, lookback: timedelta | None = timedelta(days=2)) -> int:
    """Bring units up to date with work that changed within ``lookback`` (None: all of it)."""
    return live_units_sync(lookback=lookback) + annotation_units_sync(lookback=lookback)


def live_units_sync(*, lookback: timedelta | None) -> int:
    LiveSession = apps.get_model("roleplay", "LiveSession")
    # A session opened for other work (an evaluation's) is that work's unit, not a live-play side.
    sessions = LiveSession.objects.filter(dialogue__isnull=False, ended_by_owner=False)
    if lookback is not None:
        sessions = sessions.filter(Q(status__in=OPEN_LIVE_STATUSES) | Q(ended_at__gte=timezone.now() - lookback))
    changed = 0
    for session in sessions.select_related("dialogue"):
        for side, kind in LIVE_SIDE_KINDS.items():
            worker_id = session.worker_id_for(side)
            if worker_id is not None:
                changed += _live_side_sync(session, side, kind, worker_id)
    return changed


def _live_side_sync(session, side: str, kind: str, worker_id: int) -> int:
    unit = unit_open(worker=session.player_worker if side == "player" else session.character_worker,
                     kind=kind, subject_id=session.pk, started_at=session.started_at or session.created_at)
    if unit.state != UnitState.IN_PROGRESS or session.status in OPEN_LIVE_STATUSES:
        return 0
    turns = list(session.dialogue.turns.values_list("speaker", "created_at"))
    times = [session.started_at or session.created_at] + [at for _speaker, at in turns]
    if session.ended_at:
        times.append(session.ended_at)
    active = active_seconds_from_events(times, gap_cap_s=settings.WORKFORCE_ACTIVE_GAP_CAP_S)
    wrote = any(speaker == side for speaker, _at in turns)
    if session.status == "finished" or (session.abandoned_by_id != worker_id and wrote):
        unit_submit(unit=unit, active_seconds=active, submitted_at=session.ended_at)
    else:
        unit_return(unit=unit, active_seconds=active)
    return 1


def annotation_units_sync(*, lookback: timedelta | None) -> int:
    AnnotationTask = apps.get_model("annotation", "AnnotationTask")
    tasks = AnnotationTask.objects.filter(assignee__isnull=False, status__in=("claimed", "submitted"))
    if lookback is not None:
        since = timezone.now() - lookback
        tasks = tasks.filter(Q(status="claimed") | Q(submitted_at__gte=since))
    cap = settings.ANNOTATION_CLAIM_TIMEOUT_MINUTES * 60
    changed = 0
    for task in tasks.select_related("assignee"):
        unit = unit_open(worker=task.assignee, kind=task.kind, subject_id=task.pk, started_at=task.claimed_at)
        if task.status == "submitted" and unit.state == UnitState.IN_PROGRESS:
            start = task.claimed_at or task.submitted_at
            unit_submit(unit=unit, active_seconds=min((task.submitted_at - start).total_seconds(), cap),
                        submitted_at=task.submitted_at)
            changed += 1
    # A claim that lapsed or was released: the worker gave the task back.
    open_units = WorkUnit.objects.filter(kind__in=ANNOTATION_KINDS, state=UnitState.IN_PROGRESS)
    current = {
        (task_id, assignee_id)
        for task_id, assignee_id in AnnotationTask.objects.filter(
            pk__in=open_units.values("subject_id"), status__in=("claimed", "submitted")
        ).values_list("pk", "assignee_id")
    }
    for unit in open_units:
        if (unit.subject_id, unit.worker_id) not in current:
            unit_return(unit=unit)
            changed += 1
    return changed


def unit_subject(unit: WorkUnit):
    """The work itself (a live session, an annotation task), or None for kinds stored elsewhere."""
    if unit.kind in LIVE_SIDE_KINDS.values():
        return apps.get_model("roleplay", "LiveSession").objects.filter(pk=unit.subject_id).first()
    if unit.kind in ANNOTATION_KINDS:
        return apps.get_model("annotation", "AnnotationTask").objects.filter(pk=unit.subject_id).first()
    return None
