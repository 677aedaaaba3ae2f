"""Migration 0005 turns batch lines into ranges of account positions and keeps every row and batch."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("workforce", "0004_qualifications_are_profile_flags")]
AFTER = [("workforce", "0005_payout_ranges")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def _old_shape(apps) -> dict:
    """Two workers; a batch holding a later row of one and a row of the other; a cancelled batch;
    rows outside any batch, and a bonus on a unit still in progress."""
    User = apps.get_model("platform_core", "User")
    WorkUnit = apps.get_model("workforce", "WorkUnit")
    Entry = apps.get_model("workforce", "LedgerEntry")
    Batch = apps.get_model("workforce", "PayoutBatch")
    Line = apps.get_model("workforce", "PayoutLine")
    Total = apps.get_model("workforce", "PayoutTotal")
    one, two = User.objects.create(username="one"), User.objects.create(username="two")
    start = timezone.now() - timedelta(days=5)
    approved = WorkUnit.objects.create(worker=one, kind="live_player", subject_id=1, state="approved",
                                       started_at=start, submitted_at=start, reviewed_at=start + timedelta(days=1))
    open_unit = WorkUnit.objects.create(worker=one, kind="live_player", subject_id=2, started_at=start)

    def row(worker, key, amount, days, **extra):
        return Entry.objects.create(worker=worker, kind=extra.pop("kind", "waiting"), amount=Decimal(amount),
                                    currency="GBP", idempotency_key=key, created_at=start + timedelta(days=days),
                                    **extra)

    rows = {
        "early": row(one, "early", "1.00", 0),
        "piece": row(one, "piece", "1.50", 0, kind="piece_rate", unit=approved),
        "open_bonus": row(one, "open-bonus", "0.50", 2, kind="bonus", unit=open_unit),
        "other": row(two, "other", "2.00", 1),
        "late": row(one, "late", "0.25", 3),
    }
    cancelled = Batch.objects.create(currency="GBP", cutoff=start.date(), state="cancelled", total=1, row_count=1,
                                     worker_count=1)
    Total.objects.create(batch=cancelled, worker=one, amount=Decimal("1.00"), row_count=1)
    batch = Batch.objects.create(currency="GBP", cutoff=start.date(), state="exported", total=Decimal("3.50"),
                                 row_count=2, worker_count=2)
    for key, worker in (("piece", one), ("other", two)):
        Line.objects.create(entry_id=rows[key].pk, batch_id=batch.pk)
        Total.objects.create(batch=batch, worker=worker, amount=rows[key].amount, row_count=1)
    return {"rows": {k: r.pk for k, r in rows.items()}, "batch": batch.pk, "cancelled": cancelled.pk,
            "workers": (one.pk, two.pk)}


@pytest.mark.django_db(transaction=True)
def test_batch_lines_become_ranges_and_the_rest_waits_in_order():
    from workforce.models import LedgerAccount, LedgerEntry, PayoutCursor, PayoutTotal
    from workforce.services.payouts import payout_build

    made = _old_shape(_migrate(BEFORE))
    one, two = made["workers"]
    try:
        _migrate(AFTER)
        seq = dict(LedgerEntry.objects.values_list("idempotency_key", "seq"))
        # the batched row first, then the rest in the order they became payable; the open unit's bonus waits
        assert seq == {"piece": 1, "early": 2, "late": 3, "open-bonus": None, "other": 1}
        piece = LedgerEntry.objects.get(idempotency_key="piece")
        assert piece.payable_at == piece.unit.reviewed_at
        ranges = {(t.batch_id, t.worker_id): (t.seq_from, t.seq_to, t.live, t.currency)
                  for t in PayoutTotal.objects.all()}
        assert ranges == {(made["batch"], one): (0, 1, True, "GBP"), (made["batch"], two): (0, 1, True, "GBP"),
                          (made["cancelled"], one): (0, 0, False, "GBP")}
        running = dict(LedgerEntry.objects.values_list("idempotency_key", "running_total"))
        assert running == {"piece": Decimal("1.50"), "early": Decimal("2.50"), "late": Decimal("2.75"),
                           "open-bonus": None, "other": Decimal("2.00")}
        assert set(PayoutCursor.objects.values_list("worker_id", "paid_through", "paid_total")) == {
            (one, 1, Decimal("1.50")), (two, 1, Decimal("2.00"))}
        assert set(LedgerAccount.objects.values_list("worker_id", "last_seq", "total")) == {
            (one, 3, Decimal("2.75")), (two, 1, Decimal("2.00"))}
        later = payout_build(cutoff=timezone.localdate() + timedelta(days=1), currency="GBP").batch
        assert (later.total, later.row_count, later.worker_count) == (Decimal("1.25"), 2, 1)
        lines = _migrate(BEFORE).get_model("workforce", "PayoutLine").objects  # and back: the lines again
        assert set(lines.values_list("entry_id", "batch_id")) == {
            (made["rows"]["piece"], made["batch"]), (made["rows"]["other"], made["batch"]),
            (made["rows"]["early"], later.pk), (made["rows"]["late"], later.pk)}
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
