from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from platform_core.models import AuditEvent
from workforce.models import EntryKind, LedgerEntry, PayoutBatch, PayoutLine, PayoutState, UnitState, WorkerExternalId
from workforce.services.errors import WorkforceError
from workforce.services.ledger import ledger_credit, ledger_reverse
from workforce.services.payouts import payout_build, payout_cancel, payout_export, payout_mark_paid, payout_render
from workforce.services.review import ReviewDecision, unit_review

from .conftest import requires_postgres, run_together

pytestmark = pytest.mark.django_db
TOMORROW = timezone.localdate() + timedelta(days=1)


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

    _pay(worker, "late", created_at=timezone.now() + timedelta(days=3))
    unit = submitted_unit()
    unit_bonus(unit=unit, amount="0.30", reason="r", actor=admin_user, idempotency_key="u")
    assert payout_build(cutoff=TOMORROW, currency="GBP").batch is None
    unit_review(unit_id=unit.pk, review=ReviewDecision(UnitState.APPROVED), reviewer=admin_user)
    batch = payout_build(cutoff=TOMORROW, currency="GBP").batch
    assert batch.total == Decimal("1.80")


def test_the_database_refuses_a_row_in_two_batches(worker):
    entry = _pay(worker, "a")
    first = payout_build(cutoff=TOMORROW, currency="GBP").batch
    other = PayoutBatch.objects.create(currency="GBP", cutoff=TOMORROW)
    with pytest.raises(IntegrityError), transaction.atomic():
        PayoutLine.objects.create(entry=entry, batch=other)
    assert PayoutLine.objects.get(entry=entry).batch == first


def test_cancelling_releases_rows_and_paid_batches_stay(worker, admin_user):
    _pay(worker, "a")
    batch = payout_build(cutoff=TOMORROW, currency="GBP").batch
    payout_cancel(batch=batch, reason="wrong cut-off", actor=admin_user)
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
    assert LedgerEntry.objects.filter(kind=EntryKind.REVERSAL, payout_line__isnull=True).count() == 1


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


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_two_batches_built_at_once_never_share_a_row(worker, make_user):
    workers = [worker] + [make_user("crowdworker") for _ in range(3)]
    for index in range(200):
        _pay(workers[index % 4], f"row-{index}", "0.25")
    results = run_together(*[lambda: payout_build(cutoff=TOMORROW, currency="GBP")] * 4)
    assert all(not isinstance(r, Exception) for r in results), results
    batches = [r.batch for r in results if r.batch is not None]
    taken = [set(PayoutLine.objects.filter(batch=b).values_list("entry_id", flat=True)) for b in batches]
    assert sum(len(t) for t in taken) == 200
    assert len(set().union(*taken)) == 200
