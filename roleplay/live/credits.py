"""The credit ledger's writes for live role-play: waiting time and being stranded by a partner.

Each credit is an append-only ``CreditEntry`` written at most once per queue entry or session.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.conf import settings

from roleplay.models import CreditEntry, CreditKind, LiveSession, MatchQueueEntry


def credit_waiting(entry: MatchQueueEntry, now: datetime) -> CreditEntry | None:
    seconds = max(0, int((now - entry.joined_at).total_seconds()))
    if seconds == 0 or CreditEntry.objects.filter(queue_entry=entry, kind=CreditKind.WAITING).exists():
        return None
    amount = (Decimal(str(settings.LIVE_CREDIT_PER_WAIT_MINUTE)) * seconds / 60).quantize(Decimal("0.0001"))
    return CreditEntry.objects.create(
        worker_id=entry.worker_id, kind=CreditKind.WAITING, seconds=seconds, amount=amount, queue_entry=entry
    )


def credit_stranded(session: LiveSession, worker_id: int) -> None:
    if not CreditEntry.objects.filter(session=session, worker_id=worker_id, kind=CreditKind.STRANDED).exists():
        CreditEntry.objects.create(
            worker_id=worker_id,
            kind=CreditKind.STRANDED,
            amount=Decimal(str(settings.LIVE_CREDIT_STRANDED)).quantize(Decimal("0.0001")),
            session=session,
        )
