"""Evaluators' work as workforce units: one unit per pointwise session and per pairwise batch,
opened, submitted or returned by the units sync from the stored assignment and its judgments, shown
on the review page and paid at its kind's piece rate on approval."""

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from evaluation import services
from evaluation.models import Assignment, ErrorLabel, Mode, PairwiseJudgment
from roleplay.models import Turn
from tests.evaluation.conftest import chat_pointwise, pairwise_turn
from tests.factories import TEST_PASSWORD
from workforce.models import EntryKind, LedgerEntry, UnitKind, UnitState, WorkUnit
from workforce.services.ledger import piece_rate_set
from workforce.services.sync import unit_subject, units_sync

pytestmark = pytest.mark.django_db


def _rated_session(campaign, evaluator) -> Assignment:
    """A pointwise session chatted to the minimum, with an error label on the model's reply, then rated."""
    assignment = services.assignment_next(campaign=campaign, evaluator=evaluator, mode=Mode.POINTWISE)
    chat_pointwise(assignment, evaluator, 3, reply="The tide is out, the crabs are busy.")
    services.error_label_set(assignment_id=assignment.pk, evaluator=evaluator, turn_seq=3, labels=["ooc"])
    ratings = {key: 4 for key in campaign.dimension_keys()}
    services.rating_submit(assignment_id=assignment.pk, evaluator=evaluator, ratings=ratings, comment="Felt real.")
    return Assignment.objects.get(pk=assignment.pk)


def _judged_batch(campaign, evaluator) -> Assignment:
    """A pairwise batch of two judged turns (the second with a reason), then finished."""
    assignment = services.assignment_next(campaign=campaign, evaluator=evaluator, mode=Mode.PAIRWISE)
    pairwise_turn(assignment, evaluator, "left", texts=("Waves first.", "Gulls first."))
    services.player_turn_append(assignment_id=assignment.pk, evaluator=evaluator, text="Which boat?")
    pair = services.pairwise_pair_store(
        assignment_id=assignment.pk,
        evaluator=evaluator,
        replies={assignment.contestant_id: "The red one.", assignment.opponent_id: "No idea."},
    )
    services.pairwise_judge(
        assignment_id=assignment.pk,
        evaluator=evaluator,
        turn_seq=pair.turn_seq,
        choice="both_bad",
        reason="Neither knows the harbour.",
    )
    services.pairwise_finish(assignment_id=assignment.pk, evaluator=evaluator)
    return Assignment.objects.get(pk=assignment.pk)


def _timeline(assignment: Assignment, *, step_s: int, submitted_after_s: int | None = None) -> None:
    """Put the session's events at known times: the start, then each turn ``step_s`` apart (a pair
    shown and judged at its turn's time, labels one step after the last turn), then the submission."""
    start = timezone.now() - timedelta(hours=1)
    Assignment.objects.filter(pk=assignment.pk).update(created_at=start)
    last = 0
    for turn in Turn.objects.filter(dialogue=assignment.dialogue).order_by("seq"):
        last = turn.seq * step_s
        Turn.objects.filter(pk=turn.pk).update(created_at=start + timedelta(seconds=last))
        PairwiseJudgment.objects.filter(assignment=assignment, turn_seq=turn.seq).update(
            shown_at=start + timedelta(seconds=last - 1), judged_at=start + timedelta(seconds=last)
        )
    ErrorLabel.objects.filter(assignment=assignment).update(created_at=start + timedelta(seconds=last + step_s))
    if submitted_after_s is not None:
        Assignment.objects.filter(pk=assignment.pk).update(submitted_at=start + timedelta(seconds=submitted_after_s))


def _units() -> list[tuple]:
    return list(
        WorkUnit.objects.order_by("pk").values_list(
            "pk", "worker_id", "kind", "subject_id", "state", "started_at", "submitted_at", "active_seconds"
        )
    )


def test_a_rated_pointwise_session_becomes_one_submitted_unit_of_its_evaluator(make_campaign, evaluator, settings):
    settings.WORKFORCE_ACTIVE_GAP_CAP_S = 300
    assignment = _rated_session(make_campaign(), evaluator)
    # start 0 s; turns at 60, 120, 180 s; the label at 240 s; rated at 30 min (a 26-minute silence counts 300 s)
    _timeline(assignment, step_s=60, submitted_after_s=30 * 60)
    assignment.refresh_from_db()
    units_sync()
    unit = WorkUnit.objects.get()  # the evaluation's live chat is not a live role-play unit as well
    assert (unit.worker, unit.kind, unit.subject_id) == (evaluator, UnitKind.EVALUATION_SESSION, assignment.pk)
    assert (unit.state, unit.started_at, unit.submitted_at) == (
        UnitState.SUBMITTED,
        assignment.created_at,
        assignment.submitted_at,
    )
    assert unit.active_seconds == 240 + 300
    assert unit_subject(unit) == assignment


def test_a_finished_pairwise_batch_becomes_one_submitted_unit_timed_by_its_judgments(
    make_campaign, evaluator, settings
):
    settings.WORKFORCE_ACTIVE_GAP_CAP_S = 300
    assignment = _judged_batch(make_campaign(), evaluator)
    # five turns (greeting, two messages, two chosen replies) 20 s apart, finished 20 s after the last
    _timeline(assignment, step_s=20, submitted_after_s=6 * 20)
    units_sync(lookback=None)
    unit = WorkUnit.objects.get()
    assert (unit.worker, unit.kind, unit.subject_id, unit.state) == (
        evaluator,
        UnitKind.EVALUATION_BATCH,
        assignment.pk,
        UnitState.SUBMITTED,
    )
    assert unit.active_seconds == 120
    assert unit_subject(unit) == assignment


def test_an_unfinished_session_stays_in_progress_and_an_abandoned_one_is_returned(make_campaign, evaluator):
    campaign = make_campaign()
    pointwise = services.assignment_next(campaign=campaign, evaluator=evaluator, mode=Mode.POINTWISE)
    chat_pointwise(pointwise, evaluator, 3)
    pairwise = services.assignment_next(campaign=campaign, evaluator=evaluator, mode=Mode.PAIRWISE)
    pairwise_turn(pairwise, evaluator, "tie")
    units_sync()
    states = dict(WorkUnit.objects.values_list("kind", "state"))
    assert states == {
        UnitKind.EVALUATION_SESSION: UnitState.IN_PROGRESS,
        UnitKind.EVALUATION_BATCH: UnitState.IN_PROGRESS,
    }
    assert not WorkUnit.objects.filter(submitted_at__isnull=False).exists()
    services.assignment_abandon(assignment=pointwise, evaluator=evaluator)
    units_sync()
    states = dict(WorkUnit.objects.values_list("kind", "state"))
    assert states == {UnitKind.EVALUATION_SESSION: UnitState.RETURNED, UnitKind.EVALUATION_BATCH: UnitState.IN_PROGRESS}


def test_a_unit_opened_before_the_lookback_is_still_settled_when_its_session_ends(make_campaign, evaluator):
    assignment = services.assignment_next(campaign=make_campaign(), evaluator=evaluator, mode=Mode.PAIRWISE)
    units_sync()
    pairwise_turn(assignment, evaluator, "left")
    services.pairwise_finish(assignment_id=assignment.pk, evaluator=evaluator)
    long_ago = timezone.now() - timedelta(days=30)
    Assignment.objects.filter(pk=assignment.pk).update(created_at=long_ago, submitted_at=long_ago)
    units_sync()
    assert WorkUnit.objects.get().state == UnitState.SUBMITTED


def test_sessions_older_than_the_lookback_become_units_only_through_the_backfill(make_campaign, evaluator):
    from django.core.management import call_command

    assignment = _judged_batch(make_campaign(), evaluator)
    long_ago = timezone.now() - timedelta(days=30)
    Assignment.objects.filter(pk=assignment.pk).update(created_at=long_ago, submitted_at=long_ago)
    units_sync()
    assert not WorkUnit.objects.exists()
    call_command("units_sync", "--all", stdout=io.StringIO())
    unit = WorkUnit.objects.get()
    assert (unit.subject_id, unit.state, unit.started_at) == (assignment.pk, UnitState.SUBMITTED, long_ago)


def test_running_the_sync_twice_changes_nothing(make_campaign, evaluator, second_evaluator):
    campaign = make_campaign()
    _rated_session(campaign, evaluator)
    _judged_batch(campaign, second_evaluator)
    services.assignment_next(campaign=campaign, evaluator=second_evaluator, mode=Mode.POINTWISE)
    assert units_sync(lookback=None) == 2  # two submitted; the open session's unit is only opened
    first = _units()
    assert units_sync(lookback=None) == 0
    assert units_sync() == 0
    assert _units() == first and len(first) == 3


def _login(client, user):
    client.login(username=user.username, password=TEST_PASSWORD)
    return client


def test_the_review_page_shows_a_pointwise_session_and_approving_it_pays_the_evaluation_rate(
    client, admin_user, make_campaign, evaluator
):
    piece_rate_set(kind=UnitKind.EVALUATION_SESSION, amount="2.00", effective_from=date(2020, 1, 1), currency="GBP")
    piece_rate_set(kind=UnitKind.EVALUATION_BATCH, amount="1.20", effective_from=date(2020, 1, 1), currency="GBP")
    assignment = _rated_session(make_campaign(), evaluator)
    _login(client, admin_user)
    queue = client.get(reverse("workforce:review"), {"kind": UnitKind.EVALUATION_SESSION})  # opening it syncs
    assert f"Evaluation session #{assignment.pk}</a>" in queue.content.decode()
    unit = WorkUnit.objects.get(subject_id=assignment.pk)
    page = client.get(reverse("workforce:review-unit", kwargs={"pk": unit.pk}))
    html = page.content.decode()
    assert page.status_code == 200
    assert "The tide is out, the crabs are busy." in html and "Tell me more, part 1." in html  # the transcript
    assert "Out of character" in html  # the label on the model's reply
    assert "Consistency" in html and "Felt real." in html  # the ratings and the comment
    client.post(reverse("workforce:review-unit", kwargs={"pk": unit.pk}), {"decision": "approved"})
    row = LedgerEntry.objects.get()
    assert (row.worker, row.kind, row.unit_id, row.amount, row.currency) == (
        evaluator,
        EntryKind.PIECE_RATE,
        unit.pk,
        Decimal("2.00"),
        "GBP",
    )
    assert row.seq == 1  # posted: payable at once


def test_the_review_page_shows_a_pairwise_batch_with_both_replies_and_the_choices(
    client, admin_user, make_campaign, evaluator
):
    assignment = _judged_batch(make_campaign(), evaluator)
    units_sync()
    unit = WorkUnit.objects.get(subject_id=assignment.pk)
    _login(client, admin_user)
    html = client.get(reverse("workforce:review-unit", kwargs={"pk": unit.pk})).content.decode()
    for text in ("Waves first.", "Gulls first.", "The red one.", "No idea.", "Which boat?"):
        assert text in html
    assert "Left is better" in html and "Both are bad" in html
    assert "Neither knows the harbour." in html
    piece_rate_set(kind=UnitKind.EVALUATION_BATCH, amount="1.20", effective_from=date(2020, 1, 1), currency="GBP")
    client.post(reverse("workforce:review-unit", kwargs={"pk": unit.pk}), {"decision": "approved"})
    client.post(reverse("workforce:review-unit", kwargs={"pk": unit.pk}), {"decision": "approved"})  # a double click
    row = LedgerEntry.objects.get()
    assert (row.worker, row.kind, row.unit_id, row.amount) == (
        evaluator,
        EntryKind.PIECE_RATE,
        unit.pk,
        Decimal("1.20"),
    )
