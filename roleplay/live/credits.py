"""Live role-play's credits, written to the workforce ledger: waiting time and being stranded.

Each credit is one append-only ``workforce.LedgerEntry`` whose idempotency key names the queue
entry or the session and worker, so a retried call never pays twice.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.conf import settings

from roleplay.models import LiveSession, MatchQueueEntry
from workforce.models import EntryKind, LedgerEntry
from workforce.services.ledger import ledger_credit, ledger_credit_many


def waiting_credit_key(queue_entry_id: int) -> str:
    return f"live:waiting:queue_entry:{queue_entry_id}"


def stranded_credit_key(session_id: int, worker_id: int) -> str:
    return f"live:stranded:session:{session_id}:worker:{worker_id}"


def _waiting_credit(entry: MatchQueueEntry, now: datetime) -> dict | None:
    """The ledger fields of the wait that ends ``now`` (None: under a second, nothing to pay)."""
    seconds = max(0, int((now - entry.joined_at).total_seconds()))
    if seconds == 0:
        return None
    amount = (Decimal(str(settings.LIVE_CREDIT_PER_WAIT_MINUTE)) * seconds / 60).quantize(Decimal("0.0001"))
    return {
        "kind": EntryKind.WAITING,
        "amount": amount,
        "seconds": seconds,
        "reason": "Waiting for a partner",
        "idempotency_key": waiting_credit_key(entry.pk),
    }


def credit_waiting(entry: MatchQueueEntry, now: datetime) -> LedgerEntry | None:
    credit = _waiting_credit(entry, now)
    if credit is None or LedgerEntry.objects.filter(idempotency_key=credit["idempotency_key"]).exists():
        return None
    row, _created = ledger_credit(worker=entry.worker, **credit)
    return row


def credits_waiting(entries: list[MatchQueueEntry], now: datetime) -> None:
    """``credit_waiting`` for many entries (a matchmaker pass), in three statements."""
    credits = {entry.pk: credit for entry in entries if (credit := _waiting_credit(entry, now))}
    keys = [credit["idempotency_key"] for credit in credits.values()]
    paid = set(LedgerEntry.objects.filter(idempotency_key__in=keys).values_list("idempotency_key", flat=True))
    ledger_credit_many(
        [
            {"worker_id": entry.worker_id, **credits[entry.pk]}
            for entry in entries
            if entry.pk in credits and credits[entry.pk]["idempotency_key"] not in paid
        ]
    )


def credit_stranded(session: LiveSession, worker_id: int) -> None:
    from platform_core.models import User

    ledger_credit(
        worker=User.objects.get(pk=worker_id),
        kind=EntryKind.STRANDED,
        amount=Decimal(str(settings.LIVE_CREDIT_STRANDED)).quantize(Decimal("0.0001")),
        reason=f"Partner left live session {session.pk}",
        idempotency_key=stranded_credit_key(session.pk, worker_id),
    )
