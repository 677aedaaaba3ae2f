"""Payout batches: build (take every payable row up to a cut-off once), export, pay or cancel.

A batch takes, per worker, a range of the worker's account positions: from the payout cursor to
the newest row payable by the cut-off (see workforce.models.payouts). Building one is a single
aggregate over the rows past each cursor; nothing is written per row.
"""

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from platform_core.models import User
from platform_core.services import audit_record
from workforce.models import (
    ExternalPlatform,
    PayoutBatch,
    PayoutCursor,
    PayoutState,
    PayoutTotal,
    WorkerExternalId,
)
from workforce.services.errors import WorkforceError
from workforce.services.ledger import currency_parse, decimal_from_db

CENT = Decimal("0.01")
FORMATS = ("prolific", "csv")

# Per account of the currency: what lies past its payout cursor, up to the newest row, or up to
# just before the first row past the cursor that became payable after the cut-off (that row and
# every later one wait for a later batch, so that a batch's rows stay one range of positions).
# Amounts are differences of running totals (see workforce.models.ledger): no row is summed, and
# only the accounts, the cursors and the rows payable after the cut-off are read.
_TAILS_SQL = """
SELECT a.worker_id, COALESCE(c.paid_through, 0), COALESCE(c.paid_total, 0),
       COALESCE(h.seq - 1, a.last_seq), COALESCE(h.total_before, a.total)
FROM workforce_ledgeraccount a
LEFT JOIN workforce_payoutcursor c ON c.worker_id = a.worker_id AND c.currency = a.currency
LEFT JOIN (
    SELECT first.worker_id, first.seq, r.running_total - r.amount AS total_before
    FROM (
        SELECT l.worker_id, min(l.seq) AS seq
        FROM workforce_ledgerentry l
        LEFT JOIN workforce_payoutcursor lc ON lc.worker_id = l.worker_id AND lc.currency = l.currency
        WHERE l.currency = %(currency)s AND l.payable_at >= %(end)s AND l.seq > COALESCE(lc.paid_through, 0)
        GROUP BY l.worker_id
    ) AS first
    JOIN workforce_ledgerentry r ON r.worker_id = first.worker_id AND r.currency = %(currency)s AND r.seq = first.seq
) AS h ON h.worker_id = a.worker_id
WHERE a.currency = %(currency)s AND COALESCE(h.seq - 1, a.last_seq) > COALESCE(c.paid_through, 0)
ORDER BY a.worker_id
"""


@dataclass(frozen=True)
class AccountTail:
    """What a batch would take from one worker: positions after ``seq_from`` up to ``seq_to``."""

    worker_id: int
    seq_from: int
    seq_to: int
    total_to: Decimal  # the account's running total through seq_to
    amount: Decimal

    @property
    def rows(self) -> int:
        return self.seq_to - self.seq_from  # positions have no gaps


@dataclass
class PayoutBuildResult:
    batch: PayoutBatch | None
    missing_external_id: list[User]


def _cutoff_end(cutoff: date) -> datetime:
    return timezone.make_aware(datetime.combine(cutoff + timedelta(days=1), time.min), timezone.get_fixed_timezone(0))


def _lock_builds() -> None:
    """One build or cancellation at a time (PostgreSQL); SQLite serialises writers by itself."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('workforce.payout_build'))")


def account_tails(*, currency: str, cutoff: date) -> list[AccountTail]:
    """Every worker's rows in ``currency`` that no live batch holds, payable by the end of ``cutoff``."""
    with connection.cursor() as cursor:
        cursor.execute(_TAILS_SQL, {"currency": currency, "end": _cutoff_end(cutoff)})
        rows = cursor.fetchall()
    tails = []
    for worker_id, seq_from, total_from, seq_to, total_to in rows:
        total_to = decimal_from_db(total_to)
        tails.append(AccountTail(worker_id, seq_from, seq_to, total_to, total_to - decimal_from_db(total_from)))
    return tails


def _prolific_split(tails: list[AccountTail]) -> tuple[list[AccountTail], list[User]]:
    """The tails of workers with a Prolific participant id, and the workers without one."""
    with_id = set(
        WorkerExternalId.objects.filter(platform=ExternalPlatform.PROLIFIC).values_list("worker_id", flat=True)
    )
    missing = [t.worker_id for t in tails if t.worker_id not in with_id]
    return [t for t in tails if t.worker_id in with_id], list(User.objects.filter(pk__in=missing).order_by("username"))


def _insert_many(sql: str, rows: list[tuple], *, upsert: str = "", per_statement: int = 1000) -> None:
    """``sql`` (an INSERT up to VALUES) for many rows, a thousand per statement (within both
    databases' limits on parameters): one statement costs far less than one per row."""
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            part = rows[start:start + per_statement]
            values = ", ".join(["(" + ", ".join(["%s"] * len(part[0])) + ")"] * len(part))
            cursor.execute(f"{sql} VALUES {values} {upsert}", [value for row in part for value in row])


def _ranges_record(*, batch: PayoutBatch, tails: list[AccountTail]) -> None:
    """A live total per worker with the range it takes, and the worker's payout cursor moved past it."""
    _insert_many(
        "INSERT INTO workforce_payouttotal (batch_id, worker_id, currency, amount, row_count, seq_from, seq_to, live)",
        [(batch.pk, t.worker_id, batch.currency, t.amount.quantize(Decimal("0.0001")), t.rows, t.seq_from, t.seq_to,
          True) for t in tails],
    )
    _insert_many(
        "INSERT INTO workforce_payoutcursor (worker_id, currency, paid_through, paid_total)",
        [(t.worker_id, batch.currency, t.seq_to, t.total_to) for t in tails],
        upsert="ON CONFLICT (worker_id, currency) DO UPDATE "
               "SET paid_through = excluded.paid_through, paid_total = excluded.paid_total",
    )


def payout_build(*, cutoff: date, platform: str = ExternalPlatform.GENERIC, currency: str | None = None,
                 actor: User | None = None) -> PayoutBuildResult:
    """Take every payable row up to ``cutoff`` into a new draft batch; None when nothing is left.

    Per worker the batch records the range of positions it takes and moves the worker's payout
    cursor past it. Live ranges of one account cannot overlap (database constraints), so a row
    can never be in two batches, even if two builds ran at once. A worker whose rows sum to zero
    or less is left out (the rows wait for the next batch). For Prolific, workers owed money but
    without a participant id are left out and reported.
    """
    if platform not in ExternalPlatform.values:
        raise WorkforceError(_("Unknown platform."), field="platform")
    code = currency_parse(currency)
    with transaction.atomic():
        _lock_builds()
        owed = [t for t in account_tails(currency=code, cutoff=cutoff) if t.amount > 0]
        missing: list[User] = []
        if platform == ExternalPlatform.PROLIFIC:
            owed, missing = _prolific_split(owed)
        if not owed:
            return PayoutBuildResult(None, missing)
        batch = PayoutBatch.objects.create(
            currency=code, cutoff=cutoff, platform=platform, created_by=actor, worker_count=len(owed),
            total=sum((t.amount for t in owed), Decimal("0")), row_count=sum(t.rows for t in owed),
        )
        _ranges_record(batch=batch, tails=owed)
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
    totals = list(batch.totals.values_list("worker_id", "worker__username", "amount", "row_count"))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if fmt == "prolific":
        for worker_id, _username, amount, _rows in sorted(totals, key=lambda t: external.get(t[0], "")):
            cents = amount.quantize(CENT, rounding=ROUND_HALF_UP)
            if worker_id in external and cents > 0:
                writer.writerow([external[worker_id], f"{cents:.2f}"])
    else:
        writer.writerow(["worker", "external_id", "currency", "amount", "rows"])
        for worker_id, username, amount, rows in sorted(totals, key=lambda t: t[1]):
            cents = amount.quantize(CENT, rounding=ROUND_HALF_UP)
            writer.writerow([username, external.get(worker_id, ""), batch.currency, f"{cents:.2f}", rows])
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


def _later_batches(batch: PayoutBatch) -> list[int]:
    """Live batches that took rows of this batch's workers after this batch's ranges."""
    moved_on = PayoutTotal.objects.filter(batch=batch, live=True).exclude(
        Exists(PayoutCursor.objects.filter(worker_id=OuterRef("worker_id"), currency=batch.currency,
                                           paid_through=OuterRef("seq_to")))
    )
    earlier_here = PayoutTotal.objects.filter(batch=batch, worker_id=OuterRef("worker_id"), seq_to__lte=OuterRef("seq_from"))
    return list(
        PayoutTotal.objects.filter(live=True, currency=batch.currency, worker_id__in=moved_on.values("worker_id"))
        .exclude(batch=batch).filter(Exists(earlier_here))
        .order_by("batch_id").values_list("batch_id", flat=True).distinct()
    )


@transaction.atomic
def payout_cancel(*, batch: PayoutBatch, reason: str, actor: User | None) -> PayoutBatch:
    """Cancel a batch that was not paid: its rows are released for a later batch.

    The released rows go back behind each worker's payout cursor, so a batch can be cancelled only
    while it is its workers' newest live batch; a later one that pays the same workers is named in
    the refusal, to be cancelled first.
    """
    _lock_builds()
    batch = PayoutBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.state == PayoutState.CANCELLED:
        return batch
    if batch.state == PayoutState.PAID:
        raise WorkforceError(_("A paid batch cannot be cancelled; reverse rows instead."), field="batch")
    if not reason.strip():
        raise WorkforceError(_("Cancelling a batch needs a reason."), field="reason")
    later = _later_batches(batch)
    if later:
        raise WorkforceError(
            _("Later batches pay the same workers (%(ids)s): cancel those first.")
            % {"ids": ", ".join(f"#{pk}" for pk in later)},
            field="batch", code="later_batch",
        )
    totals = {t.worker_id: t for t in PayoutTotal.objects.filter(batch=batch, live=True)}
    cursors = list(PayoutCursor.objects.filter(currency=batch.currency,
                                               worker_id__in=batch.totals.filter(live=True).values("worker_id")))
    for cursor in cursors:  # back to where this batch's range started
        cursor.paid_through = totals[cursor.worker_id].seq_from
        cursor.paid_total -= totals[cursor.worker_id].amount
    PayoutCursor.objects.bulk_update(cursors, ["paid_through", "paid_total"])
    PayoutTotal.objects.filter(batch=batch, live=True).update(live=False)
    released = sum(t.row_count for t in totals.values())
    batch.state, batch.cancelled_at = PayoutState.CANCELLED, timezone.now()
    batch.save(update_fields=["state", "cancelled_at"])
    audit_record(actor=actor, action="workforce.payout.cancel", target=batch,
                 details={"reason": reason, "released_rows": released})
    return batch
