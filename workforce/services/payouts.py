"""Payout batches: build (take every payable row up to a cut-off once), export, pay or cancel."""

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection, transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from platform_core.models import User
from platform_core.services import audit_record
from workforce.models import (
    PAID_UNIT_STATES,
    ExternalPlatform,
    LedgerEntry,
    PayoutBatch,
    PayoutLine,
    PayoutState,
    PayoutTotal,
    WorkerExternalId,
)
from workforce.services.errors import WorkforceError
from workforce.services.ledger import currency_parse

CENT = Decimal("0.01")
FORMATS = ("prolific", "csv")


@dataclass
class PayoutBuildResult:
    batch: PayoutBatch | None
    missing_external_id: list[User]


def _cutoff_end(cutoff: date) -> datetime:
    return timezone.make_aware(datetime.combine(cutoff + timedelta(days=1), time.min), timezone.get_fixed_timezone(0))


def _payable_sql(*, prolific_only: bool) -> str:
    """Rows of ``currency`` created before the cut-off, not in any batch, whose unit (if any) is paid."""
    paid_states = ", ".join(f"'{state}'" for state in PAID_UNIT_STATES)
    sql = (
        "FROM workforce_ledgerentry e LEFT JOIN workforce_workunit u ON u.id = e.unit_id "
        "WHERE e.currency = %s AND e.created_at < %s "
        f"AND (e.unit_id IS NULL OR u.state IN ({paid_states})) "
        "AND NOT EXISTS (SELECT 1 FROM workforce_payoutline l WHERE l.entry_id = e.id)"
    )
    if prolific_only:
        sql += (
            " AND e.worker_id IN (SELECT x.worker_id FROM workforce_workerexternalid x "
            f"WHERE x.platform = '{ExternalPlatform.PROLIFIC}')"
        )
    return sql


def _lock_builds() -> None:
    """One batch build at a time (PostgreSQL); SQLite serialises writers by itself."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('workforce.payout_build'))")


def workers_missing_external_id(*, currency: str, cutoff: date) -> list[User]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT e.worker_id " + _payable_sql(prolific_only=False)
            + " AND e.worker_id NOT IN (SELECT x.worker_id FROM workforce_workerexternalid x WHERE x.platform = %s)",
            [currency, _cutoff_end(cutoff), ExternalPlatform.PROLIFIC],
        )
        ids = [row[0] for row in cursor.fetchall()]
    return list(User.objects.filter(pk__in=ids).order_by("username"))


def _lines_insert(*, batch: PayoutBatch, currency: str, cutoff: date, prolific: bool) -> list[dict]:
    """Insert the batch's lines and return per-worker sums of what went in.

    On PostgreSQL one statement does both from one snapshot: the payable rows are read once, the
    lines inserted from them and the sums taken from them. Elsewhere (SQLite) the sums are read back.
    """
    payable = _payable_sql(prolific_only=prolific)
    params = [currency, _cutoff_end(cutoff)]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"WITH payable AS MATERIALIZED (SELECT e.id, e.worker_id, e.amount {payable}), "
                "ins AS (INSERT INTO workforce_payoutline (entry_id, batch_id) SELECT id, %s FROM payable) "
                "SELECT worker_id, sum(amount), count(*) FROM payable GROUP BY worker_id ORDER BY worker_id",
                [*params, batch.pk],
            )
            return [{"entry__worker_id": w, "amount": a, "rows": n} for w, a, n in cursor.fetchall()]
        cursor.execute(f"INSERT INTO workforce_payoutline (entry_id, batch_id) SELECT e.id, %s {payable}",
                       [batch.pk, *params])
    return list(
        PayoutLine.objects.filter(batch=batch)
        .values("entry__worker_id")
        .annotate(amount=Sum("entry__amount"), rows=Count("entry_id"))
        .order_by("entry__worker_id")
    )


def payout_build(*, cutoff: date, platform: str = ExternalPlatform.GENERIC, currency: str | None = None,
                 actor: User | None = None) -> PayoutBuildResult:
    """Take every payable row up to ``cutoff`` into a new draft batch; None when nothing is left.

    Rows enter a batch in one INSERT … SELECT; the line's primary key is the ledger row, so a
    row can never be in two batches even if two builds ran at once. A worker whose rows sum to
    zero or less is left out (the rows wait for the next batch). For Prolific, workers without a
    participant id are left out and reported.
    """
    if platform not in ExternalPlatform.values:
        raise WorkforceError(_("Unknown platform."), field="platform")
    code = currency_parse(currency)
    prolific = platform == ExternalPlatform.PROLIFIC
    missing = workers_missing_external_id(currency=code, cutoff=cutoff) if prolific else []
    with transaction.atomic():
        _lock_builds()
        batch = PayoutBatch.objects.create(currency=code, cutoff=cutoff, platform=platform, created_by=actor)
        sums = _lines_insert(batch=batch, currency=code, cutoff=cutoff, prolific=prolific)
        owed = [s for s in sums if s["amount"] > 0]
        not_owed = [s["entry__worker_id"] for s in sums if s["amount"] <= 0]
        if not_owed:
            PayoutLine.objects.filter(batch=batch, entry__worker_id__in=not_owed).delete()
        if not owed:
            transaction.set_rollback(True)
            return PayoutBuildResult(None, missing)
        PayoutTotal.objects.bulk_create(
            PayoutTotal(batch=batch, worker_id=s["entry__worker_id"], amount=s["amount"].quantize(Decimal("0.0001")),
                        row_count=s["rows"])
            for s in owed
        )
        batch.total = sum((s["amount"] for s in owed), Decimal("0"))
        batch.row_count = sum(s["rows"] for s in owed)
        batch.worker_count = len(owed)
        batch.save(update_fields=["total", "row_count", "worker_count"])
        audit_record(actor=actor, action="workforce.payout.build", target=batch,
                     details={"cutoff": cutoff.isoformat(), "total": str(batch.total), "rows": batch.row_count})
    return PayoutBuildResult(batch, missing)


def payout_render(*, batch: PayoutBatch, fmt: str) -> bytes:
    """The file for ``batch``: the same bytes on every export (sorted, no timestamps)."""
    if fmt not in FORMATS:
        raise WorkforceError(_("Unknown format; use prolific or csv."), field="format")
    if batch.state == PayoutState.CANCELLED:
        raise WorkforceError(_("A cancelled batch cannot be exported."), field="batch")
    external = dict(
        WorkerExternalId.objects.filter(platform=ExternalPlatform.PROLIFIC).filter(
            worker_id__in=batch.totals.values("worker_id")
        ).values_list("worker_id", "external_id")
    )
    totals = list(batch.totals.select_related("worker"))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if fmt == "prolific":
        for total in sorted(totals, key=lambda t: external.get(t.worker_id, "")):
            amount = total.amount.quantize(CENT, rounding=ROUND_HALF_UP)
            if total.worker_id in external and amount > 0:
                writer.writerow([external[total.worker_id], f"{amount:.2f}"])
    else:
        writer.writerow(["worker", "external_id", "currency", "amount", "rows"])
        for total in sorted(totals, key=lambda t: t.worker.username):
            amount = total.amount.quantize(CENT, rounding=ROUND_HALF_UP)
            writer.writerow([total.worker.username, external.get(total.worker_id, ""), batch.currency,
                             f"{amount:.2f}", total.row_count])
    return out.getvalue().encode("utf-8")


def payout_export(*, batch: PayoutBatch, fmt: str, actor: User | None = None) -> bytes:
    data = payout_render(batch=batch, fmt=fmt)
    with transaction.atomic():
        locked = PayoutBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.state == PayoutState.DRAFT:
            locked.state = PayoutState.EXPORTED
            locked.exported_at = timezone.now()
            locked.save(update_fields=["state", "exported_at"])
        audit_record(actor=actor, action="workforce.payout.export", target=locked, details={"format": fmt})
    batch.refresh_from_db()
    return data


@transaction.atomic
def payout_mark_paid(*, batch: PayoutBatch, actor: User | None) -> PayoutBatch:
    batch = PayoutBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.state == PayoutState.PAID:
        return batch
    if batch.state != PayoutState.EXPORTED:
        raise WorkforceError(_("Only an exported batch can be marked paid."), field="batch")
    batch.state, batch.paid_at = PayoutState.PAID, timezone.now()
    batch.save(update_fields=["state", "paid_at"])
    audit_record(actor=actor, action="workforce.payout.paid", target=batch, details={"total": str(batch.total)})
    return batch


@transaction.atomic
def payout_cancel(*, batch: PayoutBatch, reason: str, actor: User | None) -> PayoutBatch:
    """Cancel a batch that was not paid: its rows are released for a later batch."""
    batch = PayoutBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.state == PayoutState.CANCELLED:
        return batch
    if batch.state == PayoutState.PAID:
        raise WorkforceError(_("A paid batch cannot be cancelled; reverse rows instead."), field="batch")
    if not reason.strip():
        raise WorkforceError(_("Cancelling a batch needs a reason."), field="reason")
    released, _detail = PayoutLine.objects.filter(batch=batch).delete()
    batch.state, batch.cancelled_at = PayoutState.CANCELLED, timezone.now()
    batch.save(update_fields=["state", "cancelled_at"])
    audit_record(actor=actor, action="workforce.payout.cancel", target=batch,
                 details={"reason": reason, "released_rows": released})
    return batch


def entries_paid(*, worker: User):
    """The worker's rows in a paid batch."""
    return LedgerEntry.objects.filter(worker=worker, payout_line__batch__state=PayoutState.PAID)
