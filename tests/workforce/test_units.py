from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import override_settings
from django.utils import timezone

from platform_core.models import AuditEvent, BlockStatus
from roleplay.models import LiveSession
from workforce.models import EntryKind, LedgerEntry, UnitKind, UnitState, WorkUnit
from workforce.services.errors import WorkforceError
from workforce.services.qualifications import qualifications_held
from workforce.services.review import (
    ReviewDecision,
    review_decision_parse,
    unit_bonus,
    unit_review,
    units_auto_approve,
)
from workforce.services.sync import units_sync
from workforce.services.units import active_seconds_from_events, unit_open, unit_submit

from .conftest import finished_live_session

pytestmark = pytest.mark.django_db


def test_an_in_progress_unit_cannot_be_approved_and_nothing_is_paid(worker, rate):
    unit = unit_open(worker=worker, kind=UnitKind.LIVE_PLAYER, subject_id=1)
    with pytest.raises(WorkforceError) as error:
        unit_review(unit_id=unit.pk, review=ReviewDecision(UnitState.APPROVED), reviewer=None)
    assert error.value.code == "in_progress"
    unit.refresh_from_db()
    assert unit.state == UnitState.IN_PROGRESS
    assert not LedgerEntry.objects.exists()


def test_approval_pays_the_piece_rate_and_is_audited(submitted_unit, admin_user):
    unit = submitted_unit()
    unit_review(unit_id=unit.pk, review=ReviewDecision(UnitState.APPROVED, message="thanks"), reviewer=admin_user)
    row = LedgerEntry.objects.get()
    assert (row.kind, row.amount, row.currency, row.unit_id) == (EntryKind.PIECE_RATE, Decimal("1.50"), "GBP", unit.pk)
    assert AuditEvent.objects.filter(action="workforce.unit.approved", target_id=str(unit.pk)).exists()


def test_a_reviewed_unit_cannot_be_reviewed_otherwise(submitted_unit, admin_user):
    unit = submitted_unit()
    unit_review(unit_id=unit.pk, review=ReviewDecision(UnitState.APPROVED), reviewer=admin_user)
    with pytest.raises(WorkforceError):
        unit_review(unit_id=unit.pk, review=ReviewDecision(UnitState.REJECTED, "quality"), reviewer=admin_user)
    assert WorkUnit.objects.get().state == UnitState.APPROVED


def test_rejection_needs_a_reason_category():
    with pytest.raises(WorkforceError) as error:
        review_decision_parse(decision="rejected")
    assert error.value.field == "reason_category"


def test_rejection_reverses_a_bonus_given_in_progress(worker, rate, admin_user):
    unit = unit_open(worker=worker, kind=UnitKind.LIVE_PLAYER, subject_id=2)
    unit_bonus(unit=unit, amount="1.00", reason="early bonus", actor=admin_user, idempotency_key="b1")
    unit_submit(unit=unit, active_seconds=30)
    review = review_decision_parse(decision="rejected", reason_category="quality", message="too short")
    unit_review(unit_id=unit.pk, review=review, reviewer=admin_user)
    assert sum(e.amount for e in LedgerEntry.objects.all()) == 0
    assert LedgerEntry.objects.filter(kind=EntryKind.PIECE_RATE).count() == 0
    unit.refresh_from_db()
    assert (unit.reason_category, unit.review_message) == ("quality", "too short")


def test_soft_rejection_pays_but_takes_the_qualification_away(submitted_unit, worker, admin_user):
    unit = submitted_unit()
    review = review_decision_parse(decision="soft_rejected", reason_category="off_task", message="not again")
    unit_review(unit_id=unit.pk, review=review, reviewer=admin_user)
    assert LedgerEntry.objects.filter(kind=EntryKind.PIECE_RATE).count() == 1
    assert "play_player" not in qualifications_held(worker=worker)
    assert AuditEvent.objects.filter(action="workforce.qualification.revoke").exists()


def test_review_with_bonus_and_block(submitted_unit, worker, admin_user):
    unit = submitted_unit()
    review = review_decision_parse(decision="approved", bonus="0.50", bonus_key="form-9", message="nice",
                                   block="soft_blocked", block_reason="too fast")
    unit_review(unit_id=unit.pk, review=review, reviewer=admin_user)
    assert sorted(LedgerEntry.objects.values_list("kind", flat=True)) == ["bonus", "piece_rate"]
    worker.profile.refresh_from_db()
    assert worker.profile.block_status == BlockStatus.SOFT_BLOCKED
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"workforce.unit.approved", "workforce.bonus", "worker.soft_blocked"} <= actions


@pytest.mark.parametrize("bonus", ["-1", "x"])
def test_bad_bonus_is_refused_before_anything_is_stored(bonus):
    with pytest.raises(WorkforceError) as error:
        review_decision_parse(decision="approved", bonus=bonus)
    assert error.value.field == "bonus"


@override_settings(WORKFORCE_AUTO_APPROVE_DAYS=3)
def test_units_not_reviewed_in_time_are_approved_automatically(worker, rate):
    old = unit_submit(unit=unit_open(worker=worker, kind=UnitKind.LIVE_PLAYER, subject_id=1), active_seconds=1,
                      submitted_at=timezone.now() - timedelta(days=4))
    recent = unit_submit(unit=unit_open(worker=worker, kind=UnitKind.LIVE_PLAYER, subject_id=2), active_seconds=1,
                         submitted_at=timezone.now() - timedelta(days=1))
    assert units_auto_approve() == 1
    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.state == UnitState.APPROVED and old.auto_approved
    assert recent.state == UnitState.SUBMITTED
    assert LedgerEntry.objects.filter(unit=old).count() == 1


def test_active_time_caps_long_silences():
    start = timezone.now()
    times = [start, start + timedelta(seconds=60), start + timedelta(hours=2)]
    assert active_seconds_from_events(times, gap_cap_s=300) == 360


def test_sync_makes_one_unit_per_side_of_a_finished_session(make_user):
    a, b = make_user("crowdworker"), make_user("crowdworker")
    session = finished_live_session(a, b, turns=4)
    units_sync(lookback=None)
    units_sync(lookback=None)
    units = {u.kind: u for u in WorkUnit.objects.filter(subject_id=session.pk)}
    assert set(units) == {UnitKind.LIVE_CHARACTER, UnitKind.LIVE_PLAYER}
    assert units[UnitKind.LIVE_CHARACTER].worker == a and units[UnitKind.LIVE_PLAYER].worker == b
    assert all(u.state == UnitState.SUBMITTED for u in units.values())
    assert units[UnitKind.LIVE_PLAYER].active_seconds == 4 * 60


def test_sync_returns_the_unit_of_whoever_abandoned(make_user):
    a, b = make_user("crowdworker"), make_user("crowdworker")
    session = finished_live_session(a, b, status="partner_left", abandoned_by=b)
    units_sync(lookback=None)
    states = dict(WorkUnit.objects.filter(subject_id=session.pk).values_list("worker_id", "state"))
    assert states == {a.pk: UnitState.SUBMITTED, b.pk: UnitState.RETURNED}


def test_sync_opens_units_for_a_session_in_progress(make_user):
    a, b = make_user("crowdworker"), make_user("crowdworker")
    session = finished_live_session(a, b)
    LiveSession.objects.filter(pk=session.pk).update(status="active", ended_at=None)
    units_sync()
    assert set(WorkUnit.objects.values_list("state", flat=True)) == {UnitState.IN_PROGRESS}


def test_sync_follows_an_annotation_task_from_claim_to_submission_or_release(make_user):
    from annotation.models import AnnotationTask
    from tests.factories import CharacterFactory

    annotator, other = make_user("annotator"), make_user("annotator")
    now = timezone.now()
    kept = AnnotationTask.objects.create(kind="prompt_writing", character=CharacterFactory(), status="claimed",
                                         assignee=annotator, claimed_at=now, claim_expires_at=now + timedelta(hours=1))
    lapsed = AnnotationTask.objects.create(kind="prompt_writing", character=CharacterFactory(), status="claimed",
                                           assignee=other, claimed_at=now, claim_expires_at=now + timedelta(hours=1))
    units_sync()
    assert WorkUnit.objects.filter(state=UnitState.IN_PROGRESS).count() == 2
    AnnotationTask.objects.filter(pk=kept.pk).update(status="submitted", submitted_at=now + timedelta(minutes=5))
    AnnotationTask.objects.filter(pk=lapsed.pk).update(status="open", assignee=None, claim_expires_at=None)
    units_sync()
    states = dict(WorkUnit.objects.values_list("worker_id", "state"))
    assert states == {annotator.pk: UnitState.SUBMITTED, other.pk: UnitState.RETURNED}
    assert WorkUnit.objects.get(worker=annotator).active_seconds == 300


def test_rate_limits_refuse_new_work_with_a_clear_message(worker, settings):
    from annotation.services.task_queue import TaskRefused, task_claim_next
    from roleplay.live.errors import LiveRefused
    from roleplay.live.queue import queue_join

    settings.WORKFORCE_MAX_PENDING = 2
    for subject in range(2):
        unit_open(worker=worker, kind=UnitKind.LIVE_PLAYER, subject_id=subject)
    with pytest.raises(LiveRefused) as refused:
        queue_join(worker=worker, side="player")
    assert refused.value.code == "pending_limit" and "in progress" in refused.value.message
    worker.profile.can_write_prompts = True
    worker.profile.save()
    with pytest.raises(TaskRefused) as refused:
        task_claim_next(user=worker, kind="prompt_writing")
    assert refused.value.code == "pending_limit"
    settings.WORKFORCE_MAX_PENDING, settings.WORKFORCE_TASKS_PER_MINUTE = 20, 2
    with pytest.raises(LiveRefused) as refused:
        queue_join(worker=worker, side="player")
    assert refused.value.code == "rate_limited"


def test_a_claimed_annotation_task_is_a_unit_at_once(make_user):
    from annotation.services.task_queue import task_claim_next
    from tests.factories import CharacterFactory

    annotator = make_user("crowdworker", profile__can_write_prompts=True)
    from annotation.models import AnnotationTask

    AnnotationTask.objects.create(kind="prompt_writing", character=CharacterFactory())
    task = task_claim_next(user=annotator, kind="prompt_writing")
    unit = WorkUnit.objects.get(worker=annotator)
    assert (unit.kind, unit.subject_id, unit.state) == ("prompt_writing", task.pk, UnitState.IN_PROGRESS)
