from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from platform_core.models import AuditEvent
from tests.concurrency import requires_postgres, run_together
from workforce.models import (
    EntryKind,
    LedgerEntry,
    PayoutBatch,
    PayoutCursor,
    PayoutState,
    PayoutTotal,
    UnitState,
    WorkerExternalId,
)
from workforce.selectors import worker_entries
from workforce.services.errors import WorkforceError
from workforce.services.ledger import ledger_credit, ledger_reverse
from workforce.services.payouts import payout_build, payout_cancel, payout_export, payout_mark_paid, payout_render
from workforce.services.review import ReviewDecision, unit_review

pytestmark = pytest.mark.django_db
TOMORROW = timezone.localdate() + timedelta(days=1)
YESTERDAY = timezone.localdate() - timedelta(days=1)


def _pay(worker, key, amount="1.00", **kwargs):
    return ledger_credit(worker=worker, kind=EntryKind.WAITING, amount=amount, currency="GBP",
                         idempotency_key=key, **kwargs)[0]


def _prolific(worker, pid):
    WorkerExternalId.objects.create(worker=worker, platform="prolific", external_id=pid)


def test_a_batch_takes_each_payable_row_once(worker, make_user):
    other = make_user("crowdworker")
    _pay(worker, "a", "1.25")
    _pay(worker, "b", "0.10")
    _pay(other, "c", "2.00")
    first = payout_build(cutoff=TOMORROW, currency="GBP").batch
    assert (first.row_count, first.worker_count, first.total) == (3, 2, Decimal("3.35"))
    assert payout_build(cutoff=TOMORROW, currency="GBP").batch is None
    _pay(worker, "d", "0.40")
    second = payout_build(cutoff=TOMORROW, currency="GBP").batch
    assert second.row_count == 1
    assert AuditEvent.objects.filter(action="workforce.payout.build").count() == 2


def test_rows_after_the_cutoff_and_of_unapproved_units_wait(worker, submitted_unit, admin_user):
    from workforce.services.review import unit_bonus

    _pay(worker, "today")
    assert payout_build(cutoff=YESTERDAY, currency="GBP").batch is None  # payable today, after the cut-off
    unit = submitted_unit()
    unit_bonus(unit=unit, amount="0.30", reason="r", actor=admin_user, idempotency_key="u")
    assert LedgerEntry.objects.get(kind=EntryKind.BONUS).seq is None  # waits on the unit
    assert payout_build(cutoff=TOMORROW, currency="GBP").batch.total == Decimal("1.00")
    unit_review(unit_id=unit.pk, review=ReviewDecision(UnitState.APPROVED), reviewer=admin_user)
    batch = payout_build(cutoff=TOMORROW, currency="GBP").batch
    assert (batch.total, batch.row_count) == (Decimal("1.80"), 2)


def test_a_row_payable_after_the_cutoff_holds_back_the_rows_behind_it(worker, monkeypatch):
    """A batch takes one range of a worker's positions: a row payable after the cut-off waits, and
    so do the rows numbered after it, even ones stamped earlier (by another clock)."""
    from workforce.services import ledger

    _pay(worker, "early", "1.00")
    later = timezone.now() + timedelta(days=3)
    monkeypatch.setattr(ledger.timezone, "now", lambda: later)
    _pay(worker, "late", "2.00")
    monkeypatch.undo()
    _pay(worker, "behind", "4.00")
    assert list(LedgerEntry.objects.order_by("seq").values_list("idempotency_key", flat=True)) == [
        "early", "late", "behind"]
    first = payout_build(cutoff=TOMORROW, currency="GBP").batch
    assert (first.total, first.row_count) == (Decimal("1.00"), 1)
    second = payout_build(cutoff=later.date(), currency="GBP").batch
    assert (second.total, second.row_count) == (Decimal("6.00"), 2)


def test_the_database_refuses_a_row_in_two_batches(worker):
    _pay(worker, "a")
    first = payout_build(cutoff=TOMORROW, currency="GBP").batch
    other = PayoutBatch.objects.create(currency="GBP", cutoff=TOMORROW)
    with pytest.raises(IntegrityError), transaction.atomic():
        PayoutTotal.objects.create(batch=other, worker=worker, currency="GBP", amount=1, row_count=1,
                                   seq_from=0, seq_to=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        PayoutTotal.objects.create(batch=other, worker=worker, currency="GBP", amount=0, row_count=0,
                                   seq_from=1, seq_to=1)
    assert PayoutTotal.objects.get(worker=worker).batch == first
    assert [e.batch_state for e in worker_entries(worker=worker)] == [PayoutState.DRAFT]


@requires_postgres
def test_on_postgresql_live_ranges_of_a_worker_never_overlap(worker):
    for key in "abc":
        _pay(worker, key)
    first = payout_build(cutoff=TOMORROW, currency="GBP").batch
    other = PayoutBatch.objects.create(currency="GBP", cutoff=TOMORROW)
    with pytest.raises(IntegrityError), transaction.atomic():
        PayoutTotal.objects.create(batch=other, worker=worker, currency="GBP", amount=1, row_count=2,
                                   seq_from=2, seq_to=4)
    payout_cancel(batch=first, reason="wrong cut-off", actor=None)
    PayoutTotal.objects.create(batch=other, worker=worker, currency="GBP", amount=1, row_count=2,
                               seq_from=2, seq_to=4)  # the cancelled range is free again


def test_cancelling_releases_rows_and_paid_batches_stay(worker, admin_user):
    _pay(worker, "a")
    batch = payout_build(cutoff=TOMORROW, currency="GBP").batch
    payout_cancel(batch=batch, reason="wrong cut-off", actor=admin_user)
    assert not PayoutTotal.objects.get(batch=batch).live
    assert PayoutCursor.objects.get(worker=worker).paid_through == 0
    again = payout_build(cutoff=TOMORROW, currency="GBP").batch
    assert again.row_count == 1
    payout_export(batch=again, fmt="csv")
    payout_mark_paid(batch=again, actor=admin_user)
    with pytest.raises(WorkforceError):
        payout_cancel(batch=again, reason="x", actor=admin_user)
    assert PayoutBatch.objects.get(pk=again.pk).state == PayoutState.PAID


def test_a_worker_owed_nothing_is_left_for_later(worker):
    entry = _pay(worker, "a", "1.00")
    first = payout_build(cutoff=TOMORROW, currency="GBP").batch
    assert first.total == Decimal("1.00")
    ledger_reverse(entry=entry, reason="not owed")
    assert payout_build(cutoff=TOMORROW, currency="GBP").batch is None
    assert [e.batch_state for e in worker_entries(worker=worker)] == [None, PayoutState.DRAFT]
    _pay(worker, "b", "2.50")
    later = payout_build(cutoff=TOMORROW, currency="GBP").batch
    assert (later.total, later.row_count) == (Decimal("1.50"), 2)  # the reversal waited for this one


def test_only_the_newest_batch_of_a_worker_can_be_cancelled(worker, make_user, admin_user):
    other = make_user("crowdworker")
    _pay(worker, "a", "1.00")
    _pay(other, "b", "2.00")
    first = payout_build(cutoff=TOMORROW, currency="GBP").batch
    _pay(worker, "c", "4.00")
    second = payout_build(cutoff=TOMORROW, currency="GBP").batch
    with pytest.raises(WorkforceError) as error:
        payout_cancel(batch=first, reason="x", actor=admin_user)
    assert error.value.code == "later_batch" and f"#{second.pk}" in error.value.message
    assert PayoutBatch.objects.get(pk=first.pk).state == PayoutState.DRAFT
    payout_cancel(batch=second, reason="x", actor=admin_user)
    payout_cancel(batch=first, reason="x", actor=admin_user)
    again = payout_build(cutoff=TOMORROW, currency="GBP").batch
    assert (again.total, again.row_count, again.worker_count) == (Decimal("7.00"), 3, 2)
    assert payout_build(cutoff=TOMORROW, currency="GBP").batch is None


def test_currencies_are_separate_accounts(worker):
    _pay(worker, "gbp", "1.00")
    ledger_credit(worker=worker, kind=EntryKind.WAITING, amount="3.00", currency="EUR", idempotency_key="eur")
    gbp = payout_build(cutoff=TOMORROW, currency="GBP").batch
    eur = payout_build(cutoff=TOMORROW, currency="EUR").batch
    assert (gbp.total, eur.total) == (Decimal("1.00"), Decimal("3.00"))
    assert sorted(LedgerEntry.objects.values_list("currency", "seq")) == [("EUR", 1), ("GBP", 1)]


def test_prolific_file_is_participant_amount_without_header_and_byte_identical(worker, make_user):
    other = make_user("crowdworker")
    _prolific(worker, "5f0b3a")
    _prolific(other, "60aa11")
    _pay(worker, "a", "1.005")
    _pay(worker, "b", "0.0001")
    _pay(other, "c", "3")
    batch = payout_build(cutoff=TOMORROW, platform="prolific", currency="GBP").batch
    data = payout_export(batch=batch, fmt="prolific")
    assert data == b"5f0b3a,1.01\n60aa11,3.00\n"
    assert payout_render(batch=batch, fmt="prolific") == data
    assert payout_export(batch=batch, fmt="prolific") == data
    generic = payout_render(batch=batch, fmt="csv").decode()
    assert generic.splitlines()[0] == "worker,external_id,currency,amount,rows"
    assert f"{worker.username},5f0b3a,GBP,1.01,2" in generic


def test_command_writes_once_then_an_empty_file_and_lists_workers_without_ids(worker, make_user, tmp_path, capsys):
    stranger = make_user("crowdworker")
    _prolific(worker, "PID1")
    _pay(worker, "a", "2.50")
    _pay(stranger, "b", "1.00")
    out = tmp_path / "bonus.csv"
    call_command("payout_export", cutoff=TOMORROW.isoformat(), format="prolific", out=str(out), currency="GBP")
    captured = capsys.readouterr()
    assert out.read_bytes() == b"PID1,2.50\n"
    assert stranger.username in captured.err and worker.username not in captured.err
    call_command("payout_export", cutoff=TOMORROW.isoformat(), format="prolific", out=str(out), currency="GBP")
    assert out.read_bytes() == b""
    assert "Nothing left to pay" in capsys.readouterr().out
    batch = PayoutBatch.objects.get()
    again = tmp_path / "again.csv"
    call_command("payout_export", cutoff=TOMORROW.isoformat(), format="prolific", out=str(again), batch=batch.pk)
    assert again.read_bytes() == b"PID1,2.50\n"


def _taken_positions(batches) -> list[set[tuple[int, int]]]:
    """Per batch, the (worker, position) pairs its live ranges hold."""
    return [{(t.worker_id, seq) for t in PayoutTotal.objects.filter(batch=batch, live=True)
             for seq in range(t.seq_from + 1, t.seq_to + 1)} for batch in batches]


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_two_batches_built_at_once_never_share_a_row(worker, make_user):
    workers = [worker] + [make_user("crowdworker") for _ in range(3)]
    for index in range(200):
        _pay(workers[index % 4], f"row-{index}", "0.25")
    results = run_together(*[lambda: payout_build(cutoff=TOMORROW, currency="GBP")] * 4)
    assert all(not isinstance(r, Exception) for r in results), results
    taken = _taken_positions([r.batch for r in results if r.batch is not None])
    assert sum(len(t) for t in taken) == 200
    assert len(set().union(*taken)) == 200
    assert sum(PayoutBatch.objects.values_list("total", flat=True)) == Decimal("50.00")


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_builds_while_rows_are_written_take_every_row_once(worker, make_user):
    """Positions commit in order, so a batch built while rows are being written never skips one."""
    workers = [worker, make_user("crowdworker")]

    def write(offset):
        def run():
            for index in range(40):
                _pay(workers[index % 2], f"w{offset}-{index}", "0.10")
        return run

    def build():
        return [payout_build(cutoff=TOMORROW, currency="GBP").batch for _ in range(8)]

    results = run_together(write(0), write(1), write(2), build, build)
    assert all(not isinstance(r, Exception) for r in results), results
    payout_build(cutoff=TOMORROW, currency="GBP")
    taken = _taken_positions(PayoutBatch.objects.all())
    assert sum(len(t) for t in taken) == len(set().union(*taken)) == 120
    assert set().union(*taken) == set(LedgerEntry.objects.values_list("worker_id", "seq"))
    assert sum(PayoutBatch.objects.values_list("total", flat=True)) == Decimal("12.00")
    for who in workers:  # each running total is the sum of the rows up to it
        totals = list(LedgerEntry.objects.filter(worker=who).order_by("seq").values_list("seq", "running_total"))
        assert totals == [(n, Decimal("0.10") * n) for n in range(1, 61)]
