"""Copy every roleplay.CreditEntry (waiting and stranded credits) into the workforce ledger.

Each row keeps its worker, kind, seconds, amount and time, in WORKFORCE_CURRENCY, with the
idempotency key the live chat now writes (so a credit already copied is never written again).
roleplay's next migration then drops the old table.
"""

from django.conf import settings
from django.db import migrations


def credit_key(entry) -> str:
    if entry.kind == "waiting" and entry.queue_entry_id:
        return f"live:waiting:queue_entry:{entry.queue_entry_id}"
    if entry.kind == "stranded" and entry.session_id:
        return f"live:stranded:session:{entry.session_id}:worker:{entry.worker_id}"
    return f"roleplay-credit:{entry.pk}"


def copy_credits(apps, schema_editor) -> None:
    CreditEntry = apps.get_model("roleplay", "CreditEntry")
    LedgerEntry = apps.get_model("workforce", "LedgerEntry")
    rows = []
    for entry in CreditEntry.objects.order_by("pk").iterator(chunk_size=2000):
        reason = "Waiting for a partner" if entry.kind == "waiting" else f"Partner left live session {entry.session_id}"
        rows.append(LedgerEntry(worker_id=entry.worker_id, kind=entry.kind, amount=entry.amount,
                                currency=settings.WORKFORCE_CURRENCY, seconds=entry.seconds, reason=reason,
                                idempotency_key=credit_key(entry), created_at=entry.created_at))
        if len(rows) >= 2000:
            LedgerEntry.objects.bulk_create(rows, ignore_conflicts=True)
            rows = []
    LedgerEntry.objects.bulk_create(rows, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [
        ("workforce", "0001_initial"),
        ("roleplay", "0004_live_session_model_seat"),
    ]

    operations = [migrations.RunPython(copy_credits, migrations.RunPython.noop)]
