"""Work-unit lifecycle: opened while the work happens, submitted when it ends."""

import itertools
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from platform_core.models import User
from workforce.models import UNIT_TRANSITIONS, UnitKind, UnitState, WorkUnit
from workforce.services.errors import WorkforceError


def unit_transition_check(*, unit: WorkUnit, to: str) -> None:
    """One rule for every state change: refuse anything UNIT_TRANSITIONS does not list."""
    if to not in UNIT_TRANSITIONS[unit.state]:
        if unit.state == UnitState.IN_PROGRESS and to != UnitState.SUBMITTED:
            raise WorkforceError(_("This unit is still in progress: it can be reviewed once submitted."),
                                 field="unit", code="in_progress")
        raise WorkforceError(
            _("A unit that is %(state)s cannot become %(to)s.")
            % {"state": unit.get_state_display(), "to": UnitState(to).label},
            field="unit",
            code="bad_transition",
        )


def unit_open(*, worker: User, kind: str, subject_id: int, started_at: datetime | None = None) -> WorkUnit:
    """The worker's unit for this subject, created in progress the first time (idempotent)."""
    if kind not in UnitKind.values:
        raise WorkforceError(_("Unknown task kind %(kind)s.") % {"kind": kind}, field="kind")
    unit, _created = WorkUnit.objects.get_or_create(
        worker=worker, kind=kind, subject_id=subject_id, defaults={"started_at": started_at or timezone.now()}
    )
    return unit


@transaction.atomic
def unit_submit(*, unit: WorkUnit, active_seconds: int, submitted_at: datetime | None = None) -> WorkUnit:
    unit = WorkUnit.objects.select_for_update().get(pk=unit.pk)
    if unit.state == UnitState.SUBMITTED:
        return unit
    unit_transition_check(unit=unit, to=UnitState.SUBMITTED)
    unit.state = UnitState.SUBMITTED
    unit.submitted_at = submitted_at or timezone.now()
    unit.active_seconds = max(0, int(active_seconds))
    unit.save(update_fields=["state", "submitted_at", "active_seconds"])
    return unit


@transaction.atomic
def unit_return(*, unit: WorkUnit, active_seconds: int = 0) -> WorkUnit:
    """The worker gave the work back (left a session, let a claim lapse): nothing is paid for it."""
    unit = WorkUnit.objects.select_for_update().get(pk=unit.pk)
    if unit.state == UnitState.RETURNED:
        return unit
    unit_transition_check(unit=unit, to=UnitState.RETURNED)
    unit.state = UnitState.RETURNED
    unit.active_seconds = max(0, int(active_seconds))
    unit.save(update_fields=["state", "active_seconds"])
    return unit


def active_seconds_from_events(times: list[datetime], *, gap_cap_s: int) -> int:
    """Working time from event timestamps: the sum of gaps, each capped (a long silence is a break)."""
    ordered = sorted(times)
    total = 0.0
    for before, after in itertools.pairwise(ordered):
        total += min((after - before).total_seconds(), gap_cap_s)
    return int(total)
