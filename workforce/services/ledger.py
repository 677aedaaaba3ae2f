"""Ledger writes. Every row is created through ``ledger_credit``: one idempotency rule for all."""

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from platform_core.models import User
from workforce.currencies import currency_is_known
from workforce.models import SIGNED_ENTRY_KINDS, EntryKind, LedgerEntry, PieceRate, WorkUnit
from workforce.services.errors import LedgerConflict, WorkforceError

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
    the winner's committed row. A key reused for a different payment is refused.
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
            wanted.save(force_insert=True)
            return wanted, True
    except IntegrityError:
        existing = LedgerEntry.objects.filter(idempotency_key=wanted.idempotency_key).first()
        if existing is None:
            raise
    if not _same_payment(existing, wanted):
        raise LedgerConflict(_("This idempotency key already names a different payment."), field="key")
    return existing, False


def ledger_credit_many(credits: list[dict]) -> list[LedgerEntry]:
    """``ledger_credit`` for many rows at once, in two statements (a matchmaker pass credits a
    thousand waits): each dict holds ``worker_id`` and the fields ``ledger_credit`` takes.

    The same rule per row: every field checked, a key that names the same payment already adds
    nothing, a key naming a different payment is refused (``LedgerConflict``, nothing stored).
    Returns the stored row of every key.
    """
    wanted = [_entry_validated(**credit) for credit in credits]
    if not wanted:
        return []
    keys = [entry.idempotency_key for entry in wanted]
    if len(set(keys)) != len(keys):
        raise WorkforceError(_("Two rows of one batch share an idempotency key."), field="key")
    with transaction.atomic():
        LedgerEntry.objects.bulk_create(wanted, ignore_conflicts=True)
        stored = LedgerEntry.objects.in_bulk(keys, field_name="idempotency_key")
        for entry in wanted:
            existing = stored.get(entry.idempotency_key)
            if existing is None:
                raise IntegrityError(f"ledger row {entry.idempotency_key} was not stored")
            if not _same_payment(existing, entry):
                raise LedgerConflict(_("This idempotency key already names a different payment."), field="key")
    return [stored[key] for key in keys]


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
