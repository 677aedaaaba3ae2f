from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError
from django.utils import timezone

from tests.concurrency import requires_postgres, run_together
from workforce.models import AppendOnlyError, EntryKind, LedgerAccount, LedgerEntry, UnitKind, UnitState
from workforce.services.errors import LedgerConflict, WorkforceError
from workforce.services.ledger import ledger_credit, ledger_credit_many, ledger_reverse, piece_rate_set
from workforce.services.review import ReviewDecision, unit_bonus, unit_review
from workforce.services.units import unit_open

pytestmark = pytest.mark.django_db


def _credit(worker, key="k1", amount="0.50", **kwargs):
    return ledger_credit(worker=worker, kind=kwargs.pop("kind", EntryKind.WAITING), amount=amount,
                         idempotency_key=key, **kwargs)


def test_same_key_twice_creates_one_row(worker):
    first, created = _credit(worker)
    again, created_again = _credit(worker)
    assert created and not created_again
    assert first.pk == again.pk
    assert LedgerEntry.objects.count() == 1


def test_key_reused_for_a_different_amount_is_refused(worker):
    _credit(worker)
    with pytest.raises(LedgerConflict):
        _credit(worker, amount="0.60")
    assert LedgerEntry.objects.count() == 1


@pytest.mark.parametrize("amount", ["-1", "abc", "1e400", "NaN", "0.00001", ""])
def test_bad_amounts_are_refused_and_nothing_is_stored(worker, amount):
    with pytest.raises(WorkforceError) as error:
        _credit(worker, amount=amount)
    assert error.value.field == "amount"
    assert LedgerEntry.objects.count() == 0


def test_unknown_currency_is_refused(worker):
    with pytest.raises(WorkforceError) as error:
        _credit(worker, currency="XYZ")
    assert error.value.field == "currency"
    assert not LedgerEntry.objects.exists()


def test_amounts_are_decimal_with_a_currency(worker):
    entry, _ = _credit(worker, amount="0.1", currency="usd")
    entry.refresh_from_db()
    assert entry.amount == Decimal("0.1") and isinstance(entry.amount, Decimal)
    assert entry.currency == "USD"


def _many(worker, *rows):
    return ledger_credit_many(
        [{"worker_id": worker.pk, "kind": EntryKind.WAITING, "amount": amount, "idempotency_key": key} for key, amount in rows]
    )


def test_many_rows_at_once_follow_the_one_row_rule(worker):
    _credit(worker, key="old", amount="0.50")
    rows = _many(worker, ("old", "0.50"), ("new-1", "0.25"), ("new-2", "1.00"))
    assert [(r.idempotency_key, r.amount) for r in rows] == [
        ("old", Decimal("0.50")),
        ("new-1", Decimal("0.25")),
        ("new-2", Decimal("1.00")),
    ]
    assert LedgerEntry.objects.count() == 3  # the key already there added nothing


def test_a_batch_with_a_reused_key_for_another_payment_or_a_bad_row_stores_nothing(worker):
    _credit(worker, key="old", amount="0.50")
    with pytest.raises(LedgerConflict):
        _many(worker, ("fresh", "0.25"), ("old", "0.60"))
    with pytest.raises(WorkforceError) as error:
        _many(worker, ("fresh", "0.25"), ("bad", "-1"))
    assert error.value.field == "amount"
    with pytest.raises(WorkforceError) as error:
        _many(worker, ("twice", "0.25"), ("twice", "0.25"))
    assert error.value.field == "key"
    assert list(LedgerEntry.objects.values_list("idempotency_key", flat=True)) == ["old"]


def test_rows_are_never_edited_or_deleted(worker):
    entry, _ = _credit(worker)
    entry.amount = Decimal("9")
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        LedgerEntry.objects.filter(pk=entry.pk).update(amount=Decimal("9"))
    with pytest.raises(AppendOnlyError):
        LedgerEntry.objects.all().delete()
    assert LedgerEntry.objects.get().amount == Decimal("0.5")


def test_a_posted_row_keeps_its_position(worker):
    entry, _ = _credit(worker)
    assert (entry.seq, entry.running_total) == (1, Decimal("0.50")) and entry.payable_at is not None
    again = LedgerEntry.objects.filter(pk=entry.pk).post_once(seq=9, running_total=Decimal(9), payable_at=timezone.now())
    assert again == 0
    assert (LedgerEntry.objects.get().seq, LedgerEntry.objects.get().running_total) == (1, Decimal("0.50"))


def test_rows_are_posted_per_account_when_they_become_payable(worker, rate, admin_user):
    from workforce.services.units import unit_submit

    waiting, _ = _credit(worker, key="wait")
    kept = unit_open(worker=worker, kind=UnitKind.LIVE_PLAYER, subject_id=1)
    dropped = unit_open(worker=worker, kind=UnitKind.LIVE_PLAYER, subject_id=2)
    early = unit_bonus(unit=kept, amount="0.40", reason="r", actor=admin_user, idempotency_key="kept")
    lost = unit_bonus(unit=dropped, amount="0.60", reason="r", actor=admin_user, idempotency_key="dropped")
    assert (early.seq, lost.seq) == (None, None)
    for unit in (kept, dropped):
        unit_submit(unit=unit, active_seconds=60)
    unit_review(unit_id=dropped.pk, review=ReviewDecision(UnitState.REJECTED, "quality"), reviewer=admin_user)
    unit_review(unit_id=kept.pk, review=ReviewDecision(UnitState.APPROVED), reviewer=admin_user)
    posted = list(LedgerEntry.objects.filter(seq__isnull=False).order_by("seq").values_list(
        "pk", "kind", "seq", "running_total"))
    piece = LedgerEntry.objects.get(kind=EntryKind.PIECE_RATE)
    assert posted == [(waiting.pk, "waiting", 1, Decimal("0.50")), (early.pk, "bonus", 2, Decimal("0.90")),
                      (piece.pk, "piece_rate", 3, Decimal("2.40"))]
    assert (LedgerAccount.objects.get().last_seq, LedgerAccount.objects.get().total) == (3, Decimal("2.40"))
    assert set(LedgerEntry.objects.filter(seq__isnull=True).values_list("unit_id", "kind")) == {
        (dropped.pk, "bonus"), (dropped.pk, "reversal")}  # never payable


def test_a_correction_is_a_reversing_row_made_once(worker):
    entry, _ = _credit(worker, amount="2.00")
    reversal = ledger_reverse(entry=entry, reason="paid by mistake")
    again = ledger_reverse(entry=entry, reason="paid by mistake")
    assert reversal.pk == again.pk
    assert reversal.amount == Decimal("-2.00") and reversal.reverses_id == entry.pk
    assert sum(e.amount for e in LedgerEntry.objects.all()) == 0


def test_a_rate_change_never_rewrites_past_rows(worker, rate):
    unit = unit_open(worker=worker, kind=UnitKind.LIVE_PLAYER, subject_id=7)
    from workforce.services.units import unit_submit

    unit_submit(unit=unit, active_seconds=60, submitted_at=timezone.now() - timedelta(days=2))
    unit_review(unit_id=unit.pk, review=ReviewDecision(UnitState.APPROVED), reviewer=None)
    piece_rate_set(kind=UnitKind.LIVE_PLAYER, amount="3.00", effective_from=date.today() - timedelta(days=1))
    row = LedgerEntry.objects.get(kind=EntryKind.PIECE_RATE)
    assert row.amount == Decimal("1.50")
    later = unit_open(worker=worker, kind=UnitKind.LIVE_PLAYER, subject_id=8)
    unit_submit(unit=later, active_seconds=60)
    unit_review(unit_id=later.pk, review=ReviewDecision(UnitState.APPROVED), reviewer=None)
    amounts = sorted(LedgerEntry.objects.filter(kind=EntryKind.PIECE_RATE).values_list("amount", flat=True))
    assert amounts == [Decimal("1.50"), Decimal("3.00")]


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_unit_approved_twice_at_once_pays_once(submitted_unit, admin_user):
    unit = submitted_unit()
    review = ReviewDecision(UnitState.APPROVED)
    results = run_together(*[lambda: unit_review(unit_id=unit.pk, review=review, reviewer=admin_user)] * 4)
    assert all(not isinstance(r, Exception) for r in results), results
    assert LedgerEntry.objects.filter(unit=unit, kind=EntryKind.PIECE_RATE).count() == 1


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_bonus_during_an_in_progress_unit_is_paid_once(worker, rate, admin_user):
    from workforce.services.payouts import payout_build
    from workforce.services.units import unit_submit

    unit = unit_open(worker=worker, kind=UnitKind.LIVE_PLAYER, subject_id=3)

    def bonus():
        return unit_bonus(unit=unit, amount="0.75", reason="great", actor=admin_user, idempotency_key="form-1")

    results = run_together(bonus, bonus, bonus)
    assert all(isinstance(r, LedgerEntry) for r in results), results
    assert LedgerEntry.objects.filter(kind=EntryKind.BONUS).count() == 1
    cutoff = timezone.localdate() + timedelta(days=1)
    assert payout_build(cutoff=cutoff, currency="GBP").batch is None  # in progress: not payable yet
    unit_submit(unit=unit, active_seconds=60)
    unit_review(unit_id=unit.pk, review=ReviewDecision(UnitState.APPROVED), reviewer=admin_user)
    first = payout_build(cutoff=cutoff, currency="GBP").batch
    assert first.total == Decimal("2.25")
    assert payout_build(cutoff=cutoff, currency="GBP").batch is None


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_a_bonus_given_while_the_unit_is_approved_is_paid_once(submitted_unit, admin_user):
    from workforce.services.payouts import payout_build

    unit = submitted_unit()

    def approve():
        return unit_review(unit_id=unit.pk, review=ReviewDecision(UnitState.APPROVED), reviewer=admin_user)

    def bonus():
        return unit_bonus(unit=unit, amount="0.75", reason="great", actor=admin_user, idempotency_key="form-2")

    results = run_together(approve, bonus, bonus)
    assert all(not isinstance(r, Exception) for r in results), results
    assert list(LedgerEntry.objects.order_by("seq").values_list("kind", "seq")) in (
        [("piece_rate", 1), ("bonus", 2)], [("bonus", 1), ("piece_rate", 2)])
    batch = payout_build(cutoff=timezone.localdate() + timedelta(days=1), currency="GBP").batch
    assert (batch.total, batch.row_count) == (Decimal("2.25"), 2)


def test_a_top_up_posts_to_its_workers_accounts_in_worker_order(worker, make_user, submitted_unit, admin_user, settings):
    """The order ``ledger_credit_many`` locks accounts in, so that the two never wait on each other
    in a cycle; here the newer unit belongs to the later worker, which the units' own order puts first."""
    from platform_core.roles import Role
    from workforce.services.fair_pay import fair_pay_top_up

    settings.WORKFORCE_MIN_HOURLY = "12.00"
    later = make_user(Role.CROWDWORKER)
    assert later.pk > worker.pk
    for subject, who in enumerate((worker, later)):
        unit_review(unit_id=submitted_unit(subject_id=subject, who=who).pk, review=ReviewDecision(UnitState.APPROVED),
                    reviewer=admin_user)
    assert fair_pay_top_up(kind=UnitKind.LIVE_PLAYER, actor=admin_user) == 2
    posted = list(LedgerEntry.objects.filter(kind=EntryKind.TOP_UP).order_by("pk").values_list("worker_id", flat=True))
    assert posted == [worker.pk, later.pk]


def test_a_batch_that_falls_back_to_one_row_at_a_time_still_posts_in_worker_order(worker, make_user, monkeypatch):
    """When the bulk insert loses a key to a concurrent writer, the rows are credited one by one,
    and those lock accounts in the same worker order as the bulk path."""
    from platform_core.roles import Role

    later = make_user(Role.CROWDWORKER)
    assert later.pk > worker.pk
    bulk_create = LedgerEntry.objects.bulk_create

    def lost_a_key_once(entries, *args, **kwargs):
        monkeypatch.setattr(LedgerEntry.objects, "bulk_create", bulk_create)
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(LedgerEntry.objects, "bulk_create", lost_a_key_once)
    credits = [
        {"worker_id": who.pk, "kind": EntryKind.WAITING, "amount": "0.25", "idempotency_key": f"wait:{who.pk}"}
        for who in (later, worker)
    ]
    ledger_credit_many(credits)
    posted = list(LedgerEntry.objects.order_by("pk").values_list("worker_id", flat=True))
    assert posted == [worker.pk, later.pk]
