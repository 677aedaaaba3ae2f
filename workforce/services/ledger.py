"""Ledger writes. Every row is created through ``ledger_credit``: one idempotency rule for all, and
one posting rule (a row is numbered into its account when it is payable, see models.ledger)."""

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from itertools import groupby

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from platform_core.models import User
from workforce.currencies import currency_is_known
from workforce.models import (
    PAID_UNIT_STATES,
    SIGNED_ENTRY_KINDS,
    EntryKind,
    LedgerEntry,
    PieceRate,
    UnitState,
    WorkUnit,
)
from workforce.services.errors import LedgerConflict, WorkforceError

UNREVIEWED_UNIT_STATES = (UnitState.IN_PROGRESS, UnitState.SUBMITTED)
MAX_AMOUNT = Decimal("100000")
AMOUNT_PLACES = Decimal("0.0001")


def amount_parse(value: object, *, signed: bool = False, field: str = "amount") -> Decimal:
    """A Decimal from user or code input, or a WorkforceError naming ``field``."""
    if isinstance(value, float):
        value = repr(value)
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise WorkforceError(_("The amount must be a number, like 1.50."), field=field) from None
    if not amount.is_finite():
        raise WorkforceError(_("The amount must be a number, like 1.50."), field=field)
    if abs(amount) > MAX_AMOUNT:
        raise WorkforceError(_("The amount is too large."), field=field)
    if amount != amount.quantize(AMOUNT_PLACES):
        raise WorkforceError(_("The amount has more than four decimal places."), field=field)
    if not signed and amount < 0:
        raise WorkforceError(_("The amount cannot be negative."), field=field)
    return amount


def currency_parse(value: str | None) -> str:
    code = (value or settings.WORKFORCE_CURRENCY).strip().upper()
    if not currency_is_known(code):
        raise WorkforceError(_("%(code)s is not an ISO 4217 currency code.") % {"code": code}, field="currency")
    return code


def _entry_validated(
    *,
    worker_id: int,
    kind: str,
    amount: object,
    idempotency_key: str,
    currency: str | None = None,
    unit: WorkUnit | None = None,
    reverses: LedgerEntry | None = None,
    reason: str = "",
    seconds: int = 0,
    actor: User | None = None,
    created_at: datetime | None = None,
) -> LedgerEntry:
    """The unsaved row, every field checked (a ``WorkforceError`` naming the field otherwise)."""
    if kind not in EntryKind.values:
        raise WorkforceError(_("Unknown ledger kind %(kind)s.") % {"kind": kind}, field="kind")
    value = amount_parse(amount, signed=kind in SIGNED_ENTRY_KINDS)
    code = currency_parse(currency)
    key = idempotency_key.strip()
    if not key or len(key) > 200:
        raise WorkforceError(_("Every ledger row needs an idempotency key of at most 200 characters."), field="key")
    if len(reason) > 500:
        raise WorkforceError(_("The reason is longer than 500 characters."), field="reason")
    return LedgerEntry(
        worker_id=worker_id,
        kind=kind,
        amount=value,
        currency=code,
        unit=unit,
        reverses=reverses,
        reason=reason,
        seconds=seconds,
        created_by=actor if actor is not None and actor.is_authenticated else None,
        created_at=created_at or timezone.now(),
        idempotency_key=key,
    )


def _same_payment(existing: LedgerEntry, wanted: LedgerEntry) -> bool:
    return (
        existing.worker_id == wanted.worker_id
        and existing.kind == wanted.kind
        and existing.amount == wanted.amount
        and existing.currency == wanted.currency
        and existing.unit_id == wanted.unit_id
    )


def ledger_credit(
    *,
    worker: User,
    kind: str,
    amount: object,
    idempotency_key: str,
    currency: str | None = None,
    unit: WorkUnit | None = None,
    reverses: LedgerEntry | None = None,
    reason: str = "",
    seconds: int = 0,
    actor: User | None = None,
    created_at: datetime | None = None,
) -> tuple[LedgerEntry, bool]:
    """Append one row, or return the row this key already names: ``(row, created)``.

    Safe under concurrency: two callers with one key race on the unique index; the loser reads
    the winner's committed row. A key reused for a different payment is refused. The row is posted
    at once unless it waits on a unit that is not paid (yet).
    """
    wanted = _entry_validated(
        worker_id=worker.pk,
        kind=kind,
        amount=amount,
        idempotency_key=idempotency_key,
        currency=currency,
        unit=unit,
        reverses=reverses,
        reason=reason,
        seconds=seconds,
        actor=actor,
        created_at=created_at,
    )
    wanted.worker = worker
    try:
        with transaction.atomic():
            if unit is None or _unit_is_paid(unit):
                [(wanted.seq, wanted.running_total)] = account_post(
                    worker_id=worker.pk, currency=wanted.currency, amounts=[wanted.amount]
                )
                wanted.payable_at = timezone.now()
            wanted.save(force_insert=True)
            return wanted, True
    except IntegrityError:
        existing = LedgerEntry.objects.filter(idempotency_key=wanted.idempotency_key).first()
        if existing is None:
            raise
    _conflicts_refuse([wanted], {existing.idempotency_key: existing})
    return existing, False


def ledger_credit_many(credits: list[dict]) -> list[LedgerEntry]:
    """``ledger_credit`` for many rows without a unit at once (a matchmaker pass credits a thousand
    waits): each dict holds ``worker_id`` and the fields ``ledger_credit`` takes.

    The same rules per row: every field checked, a key that names the same payment already adds
    nothing, a key naming a different payment is refused (``LedgerConflict``, nothing stored), and
    every new row is posted into its account. The accounts are locked in worker order, so two
    passes never wait on each other in a cycle. Returns the stored row of every key.
    """
    wanted = [_entry_validated(**credit) for credit in credits]
    if not wanted:
        return []
    keys = [entry.idempotency_key for entry in wanted]
    if len(set(keys)) != len(keys):
        raise WorkforceError(_("Two rows of one batch share an idempotency key."), field="key")
    if any(entry.unit_id is not None for entry in wanted):
        raise WorkforceError(_("Rows for a work unit are credited one at a time."), field="unit")
    try:
        with transaction.atomic():
            stored = LedgerEntry.objects.in_bulk(keys, field_name="idempotency_key")
            _conflicts_refuse(wanted, stored)
            new = sorted((e for e in wanted if e.idempotency_key not in stored), key=_account_order)
            _entries_post(new)
            # A key taken by a concurrent writer since the read above fails the insert and rolls
            # back the postings with it; the slow path below then resolves it row by row.
            LedgerEntry.objects.bulk_create(new)
    except IntegrityError:
        users = User.objects.in_bulk({entry.worker_id for entry in wanted})
        for _entry, credit in sorted(zip(wanted, credits, strict=True), key=lambda pair: _account_order(pair[0])):
            ledger_credit(worker=users[credit["worker_id"]], **{k: v for k, v in credit.items() if k != "worker_id"})
    stored = LedgerEntry.objects.in_bulk(keys, field_name="idempotency_key")
    return [stored[key] for key in keys]


def _account_order(entry: LedgerEntry) -> tuple[int, str]:
    """The order one transaction locks accounts in: by worker, then currency, in every writer."""
    return entry.worker_id, entry.currency


def _conflicts_refuse(wanted: list[LedgerEntry], stored: dict[str, LedgerEntry]) -> None:
    """Refuse a key that ``stored`` already holds for a different payment."""
    for entry in wanted:
        existing = stored.get(entry.idempotency_key)
        if existing is not None and not _same_payment(existing, entry):
            raise LedgerConflict(_("This idempotency key already names a different payment."), field="key")


def _entries_post(entries: list[LedgerEntry]) -> None:
    """Number ``entries`` (sorted by worker and currency) into their accounts, payable now."""
    now = timezone.now()
    for (worker_id, currency), group in groupby(entries, key=lambda e: (e.worker_id, e.currency)):
        group = list(group)
        placed = account_post(worker_id=worker_id, currency=currency, amounts=[e.amount for e in group])
        for entry, (seq, running_total) in zip(group, placed, strict=True):
            entry.seq, entry.running_total, entry.payable_at = seq, running_total, now


def decimal_from_db(value: Decimal | float | int) -> Decimal:
    """A money value read with plain SQL: SQLite hands back the float it stores (the nearest one to
    a 4-place decimal, which its shortest repr recovers); PostgreSQL a Decimal."""
    if isinstance(value, Decimal):
        return value
    return Decimal(repr(value)).quantize(AMOUNT_PLACES)


def account_post(*, worker_id: int, currency: str, amounts: list[Decimal]) -> list[tuple[int, Decimal]]:
    """The positions and running totals of new rows of ``amounts`` in the worker's account.

    The upsert locks the account row until the caller's transaction ends, so postings to one
    account commit in the order of their numbers and the totals add up (see ``LedgerAccount``); a
    rollback gives the numbers back with the lock. The caller must post one row per amount.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO workforce_ledgeraccount (worker_id, currency, last_seq, total) VALUES (%s, %s, 0, 0) "
            "ON CONFLICT (worker_id, currency) DO UPDATE SET last_seq = workforce_ledgeraccount.last_seq "
            "RETURNING last_seq, total",
            [worker_id, currency],
        )
        last, total = cursor.fetchone()
        total = decimal_from_db(total)
        placed = []
        for amount in amounts:
            last, total = last + 1, total + amount
            placed.append((last, total))
        cursor.execute(
            "UPDATE workforce_ledgeraccount SET last_seq = %s, total = %s WHERE worker_id = %s AND currency = %s",
            [last, total, worker_id, currency],
        )
    return placed


def _unit_is_paid(unit: WorkUnit) -> bool:
    """Whether rows for ``unit`` are payable now. An unreviewed unit stays locked until the caller's
    transaction ends: its review (which posts the unit's waiting rows under the same lock) then
    either came first and is seen here, or comes after this row has committed and posts it."""
    state = WorkUnit.objects.filter(pk=unit.pk).values_list("state", flat=True).get()
    if state in UNREVIEWED_UNIT_STATES:
        state = WorkUnit.objects.select_for_update().filter(pk=unit.pk).values_list("state", flat=True).get()
    return state in PAID_UNIT_STATES


def ledger_post_unit_rows(*, unit: WorkUnit) -> int:
    """Post the rows that waited on ``unit`` (bonuses given before its review) now that it is paid.
    Called in the review's transaction with the unit locked; returns how many rows were posted."""
    waiting: dict[str, list[tuple[int, Decimal]]] = {}
    for pk, currency, amount in LedgerEntry.objects.filter(unit=unit, seq__isnull=True).order_by("pk").values_list(
        "pk", "currency", "amount"
    ):
        waiting.setdefault(currency, []).append((pk, amount))
    for currency, rows in sorted(waiting.items()):
        placed = account_post(worker_id=unit.worker_id, currency=currency, amounts=[amount for _pk, amount in rows])
        now = timezone.now()
        for (pk, _amount), (seq, running_total) in zip(rows, placed, strict=True):
            if LedgerEntry.objects.filter(pk=pk).post_once(seq=seq, running_total=running_total, payable_at=now) != 1:
                raise RuntimeError(f"Ledger row {pk} was posted twice; positions must not skip.")
    return sum(len(rows) for rows in waiting.values())


def ledger_reverse(*, entry: LedgerEntry, reason: str, actor: User | None = None) -> LedgerEntry:
    """Undo ``entry`` with a row of the opposite amount; reversing twice returns the first reversal."""
    if entry.kind == EntryKind.REVERSAL:
        raise WorkforceError(_("A reversal cannot itself be reversed; add an adjustment instead."))
    if not reason.strip():
        raise WorkforceError(_("A reversal needs a reason."), field="reason")
    row, _created = ledger_credit(
        worker=entry.worker,
        kind=EntryKind.REVERSAL,
        amount=-entry.amount,
        currency=entry.currency,
        unit=entry.unit,
        reverses=entry,
        reason=reason,
        actor=actor,
        idempotency_key=f"reversal:{entry.pk}",
    )
    return row


def piece_rate_for(*, kind: str, on: date) -> PieceRate | None:
    """The rate in force for ``kind`` on day ``on``: the newest one that started by then."""
    return PieceRate.objects.filter(kind=kind, effective_from__lte=on).order_by("-effective_from").first()


def piece_rate_set(*, kind: str, amount: object, effective_from: date, currency: str | None = None,
                   actor: User | None = None) -> PieceRate:
    from workforce.models import UnitKind

    if kind not in UnitKind.values:
        raise WorkforceError(_("Unknown task kind %(kind)s.") % {"kind": kind}, field="kind")
    rate, _created = PieceRate.objects.update_or_create(
        kind=kind,
        effective_from=effective_from,
        defaults={"amount": amount_parse(amount), "currency": currency_parse(currency), "created_by": actor},
    )
    return rate
