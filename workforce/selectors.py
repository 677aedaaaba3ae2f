"""Workforce reads shared by pages, the API and the admin tools."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from platform_core.models import User
from workforce.models import (
    PAID_UNIT_STATES,
    LedgerEntry,
    PayoutState,
    PayoutTotal,
    UnitState,
    WorkUnit,
)
from workforce.services.ledger import piece_rate_for

PAYABLE = Q(seq__isnull=False)  # posted: see workforce.models.ledger
UNREVIEWED = (UnitState.IN_PROGRESS, UnitState.SUBMITTED)


@dataclass
class Earnings:
    currency: str
    pending: Decimal = Decimal(0)
    approved: Decimal = Decimal(0)
    paid: Decimal = Decimal(0)
    per_day: list[tuple] = field(default_factory=list)
    hourly: Decimal | None = None
    paid_seconds: int = 0


def _sum(queryset) -> Decimal:
    return queryset.aggregate(total=Sum("amount"))["total"] or Decimal(0)


def covering_totals() -> QuerySet[PayoutTotal]:
    """The live batch totals whose range holds the outer ledger row: the one rule of batch membership."""
    return PayoutTotal.objects.filter(live=True, worker_id=OuterRef("worker_id"), currency=OuterRef("currency"),
                                      seq_from__lt=OuterRef("seq"), seq_to__gte=OuterRef("seq"))


def worker_entries(*, worker: User) -> QuerySet[LedgerEntry]:
    """The worker's rows, each with ``batch_state``: the state of the live batch holding it, if any."""
    return LedgerEntry.objects.filter(worker=worker).select_related("unit").annotate(
        batch_state=Subquery(covering_totals().values("batch__state")[:1])
    )


def worker_earnings(*, worker: User, currency: str) -> Earnings:
    """Pending (unreviewed work: bonuses on it and the piece rate it would earn), approved (payable,
    not yet paid), paid (in a paid batch); approved and paid money per day; effective hourly rate."""
    rows = LedgerEntry.objects.filter(worker=worker, currency=currency)
    in_paid_batch = Exists(covering_totals().filter(batch__state=PayoutState.PAID))
    earnings = Earnings(currency=currency)
    earnings.paid = _sum(rows.filter(in_paid_batch))
    earnings.approved = _sum(rows.filter(PAYABLE).exclude(in_paid_batch))
    earnings.pending = _sum(rows.filter(unit__state__in=UNREVIEWED))
    today = timezone.localdate()
    for unit in WorkUnit.objects.filter(worker=worker, state=UnitState.SUBMITTED):
        rate = piece_rate_for(kind=unit.kind, on=timezone.localdate(unit.submitted_at) if unit.submitted_at else today)
        if rate and rate.currency == currency:
            earnings.pending += rate.amount
    earnings.per_day = list(
        rows.filter(PAYABLE).annotate(day=TruncDate("created_at")).values("day").annotate(total=Sum("amount"))
        .order_by("-day").values_list("day", "total")[:60]
    )
    paid_units = WorkUnit.objects.filter(worker=worker, state__in=PAID_UNIT_STATES)
    seconds = paid_units.aggregate(s=Sum("active_seconds"))["s"] or 0
    if seconds:
        unit_money = _sum(rows.filter(unit__in=paid_units))
        earnings.hourly = (unit_money * 3600 / seconds).quantize(Decimal("0.01"))
        earnings.paid_seconds = seconds
    return earnings


def worker_units(*, worker: User) -> QuerySet[WorkUnit]:
    return WorkUnit.objects.filter(worker=worker).order_by("-started_at", "-id")


def review_queue(*, kind: str = "") -> QuerySet[WorkUnit]:
    units = WorkUnit.objects.filter(state=UnitState.SUBMITTED).select_related("worker__profile")
    if kind:
        units = units.filter(kind=kind)
    return units.order_by("submitted_at", "id")


def review_queue_counts() -> dict[str, int]:
    return dict(WorkUnit.objects.filter(state=UnitState.SUBMITTED).values_list("kind").annotate(n=Count("id")))


def worker_summary(*, worker: User) -> dict:
    """Per worker: units by kind and state, approval and abandon rates."""
    counts = list(WorkUnit.objects.filter(worker=worker).values("kind", "state").annotate(n=Count("id")))
    by_state: dict[str, int] = {}
    for row in counts:
        by_state[row["state"]] = by_state.get(row["state"], 0) + row["n"]
    reviewed = sum(by_state.get(s, 0) for s in (UnitState.APPROVED, UnitState.REJECTED, UnitState.SOFT_REJECTED))
    total = sum(by_state.values())
    return {
        "by_kind_state": counts,
        "by_state": by_state,
        "approval_rate": round(by_state.get(UnitState.APPROVED, 0) / reviewed, 3) if reviewed else None,
        "abandon_rate": round(by_state.get(UnitState.RETURNED, 0) / total, 3) if total else None,
        "total": total,
    }
