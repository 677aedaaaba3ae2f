"""Fair pay: median time and effective hourly rate per task kind, and top-ups to the minimum."""

import statistics
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from platform_core.models import User
from platform_core.services import audit_record
from workforce.models import PAID_UNIT_STATES, EntryKind, LedgerEntry, UnitKind, WorkUnit
from workforce.services.ledger import amount_parse, ledger_credit, piece_rate_for

PLACES = Decimal("0.0001")
PAY_KINDS = (EntryKind.PIECE_RATE, EntryKind.TOP_UP)


@dataclass(frozen=True)
class KindPay:
    kind: str
    label: str
    units: int
    median_seconds: int
    pay_per_unit: Decimal  # the median a paid unit earned (piece rate and top-ups)
    hourly: Decimal | None
    below_minimum: bool
    topup_per_unit: Decimal


def minimum_hourly() -> Decimal:
    return amount_parse(settings.WORKFORCE_MIN_HOURLY)


def _unit_pay(unit_ids: list[int]) -> dict[int, Decimal]:
    rows = (LedgerEntry.objects.filter(unit_id__in=unit_ids, kind__in=PAY_KINDS)
            .values("unit_id").annotate(total=Sum("amount")))
    return {row["unit_id"]: row["total"] for row in rows}


def fair_pay_report() -> list[KindPay]:
    minimum = minimum_hourly()
    report = []
    for kind in UnitKind:
        units = list(WorkUnit.objects.filter(kind=kind, state__in=PAID_UNIT_STATES).values_list("pk", "active_seconds"))
        if not units:
            continue
        median_s = int(statistics.median(s for _pk, s in units))
        paid = _unit_pay([pk for pk, _s in units])
        rate = piece_rate_for(kind=kind, on=timezone.localdate())
        per_unit = Decimal(statistics.median(paid.get(pk, Decimal(0)) for pk, _s in units)) if paid else (
            rate.amount if rate else Decimal(0))
        hourly = (per_unit * 3600 / median_s).quantize(Decimal("0.01"), ROUND_HALF_UP) if median_s else None
        target = (minimum * median_s / 3600).quantize(PLACES, ROUND_HALF_UP)
        report.append(KindPay(kind, kind.label, len(units), median_s, per_unit.quantize(PLACES), hourly,
                              hourly is not None and hourly < minimum, max(Decimal(0), target - per_unit)))
    return report


def fair_pay_top_up(*, kind: str, actor: User | None) -> int:
    """Top every paid unit of ``kind`` up to the minimum hourly rate at the kind's median time.

    One row per unit (idempotency key ``topup:unit:<id>``): running it twice pays nothing more.
    Returns how many rows were added.
    """
    minimum = minimum_hourly()
    # In worker order, the order ledger_credit_many locks accounts in: a top-up and a matchmaker
    # pass crediting the same workers never each hold an account the other waits for.
    units = list(
        WorkUnit.objects.filter(kind=kind, state__in=PAID_UNIT_STATES).select_related("worker").order_by("worker_id", "pk")
    )
    if not units:
        return 0
    median_s = int(statistics.median(u.active_seconds for u in units))
    target = (minimum * median_s / 3600).quantize(PLACES, ROUND_HALF_UP)
    paid = _unit_pay([u.pk for u in units])
    added = 0
    with transaction.atomic():
        for unit in units:
            missing = target - paid.get(unit.pk, Decimal(0))
            if missing <= 0:
                continue
            _row, created = ledger_credit(
                worker=unit.worker, kind=EntryKind.TOP_UP, amount=missing, unit=unit, actor=actor,
                reason=f"Top-up to {minimum}/h at the median time of {median_s} s", idempotency_key=f"topup:unit:{unit.pk}",
            )
            added += created
        audit_record(actor=actor, action="workforce.fair_pay.top_up", target=None,
                     details={"kind": kind, "rows": added, "median_seconds": median_s, "minimum_hourly": str(minimum)})
    return added
