"""Per-worker rate limits: how many units a worker may start a minute and hold claimed at once."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from platform_core.models import User
from workforce.models import UnitState, WorkUnit
from workforce.services.errors import WorkforceError


def work_limit_check(*, worker: User) -> None:
    """Raise a WorkforceError with a clear message when the worker should wait before new work."""
    recent = WorkUnit.objects.filter(worker=worker, started_at__gte=timezone.now() - timedelta(minutes=1)).count()
    if recent >= settings.WORKFORCE_TASKS_PER_MINUTE:
        raise WorkforceError(
            _("You have started %(n)d tasks in the last minute; please wait a minute before the next.")
            % {"n": recent}, code="rate_limited")
    pending = WorkUnit.objects.filter(worker=worker, state=UnitState.IN_PROGRESS).count()
    if pending >= settings.WORKFORCE_MAX_PENDING:
        raise WorkforceError(
            _("You have %(n)d tasks in progress (the limit is %(max)d); submit or release one first.")
            % {"n": pending, "max": settings.WORKFORCE_MAX_PENDING}, code="pending_limit")
