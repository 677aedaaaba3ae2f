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
from workforce.services.ledger import ledger_credit


def waiting_credit_key(queue_entry_id: int) -> str:
    return f"live:waiting:queue_entry:{queue_entry_id}"


def stranded_credit_key(session_id: int, worker_id: int) -> str:
    return f"live:stranded:session:{session_id}:worker:{worker_id}"


def credit_waiting(entry: MatchQueueEntry, now: datetime) -> LedgerEntry | None:
    seconds = max(0, int((now - entry.joined_at).total_seconds()))
    if seconds == 0 or LedgerEntry.objects.filter(idempotency_key=waiting_credit_key(entry.pk)).exists():
        return None
    amount = (Decimal(str(settings.LIVE_CREDIT_PER_WAIT_MINUTE)) * seconds / 60).quantize(Decimal("0.0001"))
    row, _created = ledger_credit(worker=entry.worker, kind=EntryKind.WAITING, amount=amount, seconds=seconds,
                                  reason="Waiting for a partner", idempotency_key=waiting_credit_key(entry.pk))
    return row


def credit_stranded(session: LiveSession, worker_id: int) -> None:
    from platform_core.models import User

    ledger_credit(worker=User.objects.get(pk=worker_id), kind=EntryKind.STRANDED,
                  amount=Decimal(str(settings.LIVE_CREDIT_STRANDED)).quantize(Decimal("0.0001")),
                  reason=f"Partner left live session {session.pk}",
                  idempotency_key=stranded_credit_key(session.pk, worker_id))
