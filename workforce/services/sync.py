"""Opens and submits units for the work done in the other apps, from the events they store.

Live sessions, annotation tasks and evaluation sessions already record who worked and when
(joins, turns, claims, submissions, judgments); this sync turns them into units without those apps
knowing about pay. It is idempotent (one unit per worker and subject) and runs every minute from
Celery beat, and when the review queue opens.
"""

from datetime import datetime, timedelta

from django.apps import apps
from django.conf import settings
from django.db.models import Exists, OuterRef, Q
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
# An evaluation assignment is a pointwise session (a live chat, then ratings) or a pairwise batch
# (one choice per turn); either is one unit of its evaluator.
EVALUATION_MODE_KINDS = {"pointwise": UnitKind.EVALUATION_SESSION, "pairwise": UnitKind.EVALUATION_BATCH}
EVALUATION_KINDS = tuple(EVALUATION_MODE_KINDS.values())


def units_sync(*, lookback: timedelta | None = timedelta(days=2)) -> int:
    """Bring units up to date with work that changed within ``lookback`` (None: all of it)."""
    return (
        live_units_sync(lookback=lookback)
        + annotation_units_sync(lookback=lookback)
        + evaluation_units_sync(lookback=lookback)
    )


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


def evaluation_units_sync(*, lookback: timedelta | None) -> int:
    """One unit per evaluation assignment (a pointwise session or a pairwise batch): in progress while
    the assignment is active, submitted with it, returned when it is abandoned (by the evaluator, or
    dropped idle) or gone (its campaign deleted). Only units in progress are read again, so a minute's
    sync costs a query per new assignment and per unit whose assignment just ended."""
    Assignment = apps.get_model("evaluation", "Assignment")
    has_unit = WorkUnit.objects.filter(kind__in=EVALUATION_KINDS, subject_id=OuterRef("pk"),
                                       worker_id=OuterRef("evaluator_id"))
    new = Assignment.objects.filter(~Exists(has_unit))
    if lookback is not None:
        since = timezone.now() - lookback
        new = new.filter(Q(status="active") | Q(created_at__gte=since) | Q(submitted_at__gte=since))
    for assignment in new.select_related("evaluator"):
        unit_open(worker=assignment.evaluator, kind=EVALUATION_MODE_KINDS[assignment.mode],
                  subject_id=assignment.pk, started_at=assignment.created_at)
    changed = 0
    open_units = list(WorkUnit.objects.filter(kind__in=EVALUATION_KINDS, state=UnitState.IN_PROGRESS))
    by_pk = Assignment.objects.in_bulk([unit.subject_id for unit in open_units])
    for unit in open_units:
        assignment = by_pk.get(unit.subject_id)
        if assignment is None:
            unit_return(unit=unit)
            changed += 1
        elif assignment.status != "active":
            changed += _evaluation_unit_settle(unit, assignment)
    return changed


def _evaluation_unit_settle(unit: WorkUnit, assignment) -> int:
    """Submit (the assignment was submitted) or return (abandoned) an open unit; 1: it changed."""
    active = active_seconds_from_events(
        _evaluation_event_times(assignment), gap_cap_s=settings.WORKFORCE_ACTIVE_GAP_CAP_S
    )
    if assignment.status == "submitted":
        unit_submit(unit=unit, active_seconds=active, submitted_at=assignment.submitted_at)
    else:
        unit_return(unit=unit, active_seconds=active)
    return 1


def _evaluation_event_times(assignment) -> list[datetime]:
    """When the evaluator worked: the start, every chat turn, every error label, every pair shown and
    judged, and the submission."""
    times = [assignment.created_at]
    if assignment.dialogue_id is not None:
        Turn = apps.get_model("roleplay", "Turn")
        times += Turn.objects.filter(dialogue_id=assignment.dialogue_id).values_list("created_at", flat=True)
    times += assignment.error_labels.values_list("created_at", flat=True)
    for shown_at, judged_at in assignment.pairwise_judgments.values_list("shown_at", "judged_at"):
        times += [at for at in (shown_at, judged_at) if at is not None]
    if assignment.submitted_at is not None:
        times.append(assignment.submitted_at)
    return times


def unit_subject(unit: WorkUnit):
    """The work itself (a live session, an annotation task, an evaluation assignment), or None for
    a subject that no longer exists."""
    if unit.kind in LIVE_SIDE_KINDS.values():
        return apps.get_model("roleplay", "LiveSession").objects.filter(pk=unit.subject_id).first()
    if unit.kind in ANNOTATION_KINDS:
        return apps.get_model("annotation", "AnnotationTask").objects.filter(pk=unit.subject_id).first()
    if unit.kind in EVALUATION_KINDS:
        return apps.get_model("evaluation", "Assignment").objects.filter(pk=unit.subject_id).first()
    return None
