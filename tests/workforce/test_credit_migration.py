"""The move of roleplay.CreditEntry into the workforce ledger keeps every row."""

from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("roleplay", "0004_live_session_model_seat"), ("workforce", "0001_initial")]
AFTER = [("roleplay", "0005_credit_entries_moved_to_workforce"), ("workforce", "0002_move_roleplay_credit_entries")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_credit_entries_become_ledger_rows_with_the_live_chats_keys(settings):
    settings.WORKFORCE_CURRENCY = "EUR"
    old = _migrate(BEFORE)
    User = old.get_model("platform_core", "User")
    CreditEntry = old.get_model("roleplay", "CreditEntry")
    MatchQueueEntry = old.get_model("roleplay", "MatchQueueEntry")
    worker = User.objects.create(username="credited")
    entry = MatchQueueEntry.objects.create(worker=worker, side="character", status="done", joined_at=timezone.now())
    CreditEntry.objects.create(worker=worker, kind="waiting", seconds=90, amount=Decimal("0.0750"), queue_entry=entry)
    CreditEntry.objects.create(worker=worker, kind="stranded", amount=Decimal("0.5000"))
    try:
        new = _migrate(AFTER)
        rows = new.get_model("workforce", "LedgerEntry").objects.order_by("kind")
        assert [(r.kind, r.amount, r.seconds, r.currency, r.worker_id) for r in rows] == [
            ("stranded", Decimal("0.5000"), 0, "EUR", worker.pk),
            ("waiting", Decimal("0.0750"), 90, "EUR", worker.pk),
        ]
        assert rows.get(kind="waiting").idempotency_key == f"live:waiting:queue_entry:{entry.pk}"
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
