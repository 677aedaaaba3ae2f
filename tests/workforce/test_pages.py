from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from platform_core.models import AuditEvent, BlockStatus
from tests.factories import TEST_PASSWORD
from workforce.models import EntryKind, LedgerEntry, PayoutBatch, UnitKind, UnitState, WorkerExternalId, WorkUnit
from workforce.services.ledger import ledger_credit

from .conftest import finished_live_session

pytestmark = pytest.mark.django_db


def _login(client, user):
    client.login(username=user.username, password=TEST_PASSWORD)
    return client


def test_workers_see_only_their_own_units_and_money(client, worker, make_user, submitted_unit):
    other = make_user("crowdworker")
    submitted_unit(subject_id=1)
    submitted_unit(subject_id=2, who=other)
    ledger_credit(worker=other, kind=EntryKind.BONUS, amount="7.77", idempotency_key="o", currency="GBP")
    _login(client, worker)
    units = client.get("/api/workforce/me/units/").json()["results"]
    assert [u["subject_id"] for u in units] == [1]
    earnings = client.get("/api/workforce/me/earnings/").json()
    assert earnings["approved"] == "0"
    assert b"7.77" not in client.get(reverse("workforce:earnings")).content
    assert client.get(reverse("workforce:review")).status_code == 403  # signed in, wrong role
    assert client.post(f"/api/workforce/units/{WorkUnit.objects.get(worker=other).pk}/review/",
                       {"decision": "approved"}).status_code == 403


def test_admin_reviews_from_the_queue_and_bad_input_changes_nothing(client, admin_user, make_user, rate):
    a, b = make_user("crowdworker"), make_user("crowdworker")
    session = finished_live_session(a, b)
    _login(client, admin_user)
    queue = client.get(reverse("workforce:review"))
    assert queue.status_code == 200 and b"Live role-play" in queue.content
    player_unit = WorkUnit.objects.get(subject_id=session.pk, kind=UnitKind.LIVE_PLAYER)
    url = reverse("workforce:review-unit", kwargs={"pk": player_unit.pk})
    page = client.get(url)
    assert b"line 1" in page.content  # the transcript
    refused = client.post(url, {"decision": "rejected", "message": "no reason category"})
    assert refused.status_code == 400 and b"reason_category" in refused.content
    refused = client.post(url, {"decision": "approved", "bonus": "-3"})
    assert refused.status_code == 400
    player_unit.refresh_from_db()
    assert player_unit.state == UnitState.SUBMITTED and not LedgerEntry.objects.exists()
    client.post(url, {"decision": "approved", "bonus": "0.40", "bonus_key": "k", "message": "good"})
    character_unit = WorkUnit.objects.get(subject_id=session.pk, kind=UnitKind.LIVE_CHARACTER)
    client.post(reverse("workforce:review-unit", kwargs={"pk": character_unit.pk}),
                {"decision": "rejected", "reason_category": "out_of_character", "message": "broke character"})
    states = dict(WorkUnit.objects.values_list("kind", "state"))
    assert states == {UnitKind.LIVE_PLAYER: UnitState.APPROVED, UnitKind.LIVE_CHARACTER: UnitState.REJECTED}
    assert sorted(LedgerEntry.objects.filter(worker=b).values_list("kind", flat=True)) == ["bonus", "piece_rate"]
    assert not LedgerEntry.objects.filter(worker=a).exists()


def test_bulk_review(client, admin_user, submitted_unit):
    units = [submitted_unit(subject_id=i) for i in range(3)]
    _login(client, admin_user)
    client.post(reverse("workforce:review-bulk"), {"unit": [u.pk for u in units[:2]], "decision": "approved"})
    assert list(WorkUnit.objects.order_by("subject_id").values_list("state", flat=True)) == [
        UnitState.APPROVED, UnitState.APPROVED, UnitState.SUBMITTED]


def test_api_review_refuses_an_in_progress_unit(client, admin_user, worker):
    from workforce.services.units import unit_open

    unit = unit_open(worker=worker, kind=UnitKind.LIVE_PLAYER, subject_id=5)
    _login(client, admin_user)
    response = client.post(f"/api/workforce/units/{unit.pk}/review/", {"decision": "approved"})
    assert response.status_code == 400 and response.json()["code"] == "in_progress"
    bonus = client.post(f"/api/workforce/units/{unit.pk}/bonus/",
                        {"amount": "abc", "reason": "x", "idempotency_key": "1"})
    assert bonus.status_code == 400 and "amount" in bonus.json()
    assert not LedgerEntry.objects.exists()
    ok = client.post(f"/api/workforce/units/{unit.pk}/bonus/", {"amount": "1", "reason": "x", "idempotency_key": "1"})
    again = client.post(f"/api/workforce/units/{unit.pk}/bonus/", {"amount": "1", "reason": "x", "idempotency_key": "1"})
    assert ok.status_code == again.status_code == 201 and ok.json()["id"] == again.json()["id"]


def test_payout_page_builds_exports_byte_identical_and_marks_paid(client, admin_user, worker):
    WorkerExternalId.objects.create(worker=worker, platform="prolific", external_id="PPP")
    ledger_credit(worker=worker, kind=EntryKind.WAITING, amount="1.234", idempotency_key="w", currency="GBP")
    _login(client, admin_user)
    cutoff = (timezone.localdate() + timedelta(days=1)).isoformat()
    client.post(reverse("workforce:payouts"), {"action": "build", "cutoff": cutoff, "platform": "prolific",
                                               "currency": "GBP"})
    batch = PayoutBatch.objects.get()
    url = reverse("workforce:payout-download", kwargs={"pk": batch.pk, "fmt": "prolific"})
    first, second = client.get(url).content, client.get(url).content
    assert first == second == b"PPP,1.23\n"
    client.post(reverse("workforce:payouts"), {"action": "paid", "batch": batch.pk})
    batch.refresh_from_db()
    assert batch.state == "paid"
    assert AuditEvent.objects.filter(action__startswith="workforce.payout").count() == 4
    _login(client, worker)
    page = client.get(reverse("workforce:earnings")).content.decode()
    assert "1.23 GBP" in page


def test_bad_cutoff_is_refused(client, admin_user):
    _login(client, admin_user)
    response = client.post(reverse("workforce:payouts"), {"action": "build", "cutoff": "yesterday"})
    assert response.status_code == 400 and not PayoutBatch.objects.exists()


def test_fair_pay_top_up_is_one_action_and_only_once(client, admin_user, submitted_unit, settings):
    settings.WORKFORCE_MIN_HOURLY = "12.00"
    from workforce.services.review import ReviewDecision, unit_review

    for subject in range(3):
        unit_review(unit_id=submitted_unit(subject_id=subject).pk, review=ReviewDecision(UnitState.APPROVED),
                    reviewer=admin_user)
    _login(client, admin_user)
    page = client.get(reverse("workforce:fair-pay")).content.decode()
    assert "9.00" in page  # 1.50 per 600 s = 9.00/h, below 12.00
    client.post(reverse("workforce:fair-pay"), {"kind": UnitKind.LIVE_PLAYER})
    client.post(reverse("workforce:fair-pay"), {"kind": UnitKind.LIVE_PLAYER})
    topups = LedgerEntry.objects.filter(kind=EntryKind.TOP_UP)
    assert topups.count() == 3 and {t.amount for t in topups} == {Decimal("0.5")}
    assert AuditEvent.objects.filter(action="workforce.fair_pay.top_up").exists()


def test_admin_manages_a_worker(client, admin_user, worker):
    _login(client, admin_user)
    url = reverse("workforce:worker-detail", kwargs={"pk": worker.pk})
    assert client.get(url).status_code == 200
    client.post(url, {"action": "block", "status": "blocked", "reason": "spam"})
    client.post(url, {"action": "qualification", "qualification": "evaluate", "held": "1", "reason": "trusted"})
    client.post(url, {"action": "message", "reason": "Please slow down."})
    refused = client.post(url, {"action": "bonus", "amount": "1", "reason": "", "form_key": "f"})
    assert refused.status_code == 400
    worker.profile.refresh_from_db()
    assert worker.profile.block_status == BlockStatus.BLOCKED
    _login(client, worker)
    page = client.get(reverse("workforce:qualifications")).content.decode()
    assert "spam" in page and "evaluate" in page and "Please slow down." in page
