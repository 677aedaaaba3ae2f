"""Matchmaking, character assignment, abandonment and credits (services, no WebSocket)."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from platform_core.models import BlockStatus
from platform_core.services import worker_block
from roleplay.live import abandonment, assignment, errors, matchmaking, queue, quotas, sessions
from roleplay.models import (
    CharacterCategory,
    Language,
    LiveSession,
    LiveSessionStatus,
    MatchQueueEntry,
    QueueEntryStatus,
)
from tests.factories import CharacterFactory, DialogueFactory
from tests.roleplay.live_helpers import make_worker, pair
from workforce.models import EntryKind, LedgerEntry

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def character():
    return CharacterFactory()


def test_matchmaker_pairs_one_character_side_with_one_player_side_worker():
    char_worker, player_worker = make_worker(character=True), make_worker(player=True)
    session = pair(char_worker, player_worker)
    assert (session.character_worker, session.player_worker) == (char_worker, player_worker)
    assert session.status == LiveSessionStatus.JOINING and session.dialogue is None
    statuses = set(MatchQueueEntry.objects.values_list("status", flat=True))
    assert statuses == {QueueEntryStatus.MATCHED}


def test_two_character_only_workers_are_not_paired():
    queue.queue_join(worker=make_worker(character=True), side="character")
    queue.queue_join(worker=make_worker(character=True, player=True), side="character")
    assert matchmaking.matchmaker_run() == []


def test_a_worker_is_never_paired_with_themselves_or_in_two_sessions():
    both = make_worker(character=True, player=True)
    entry = queue.queue_join(worker=both, side="any")
    assert queue.queue_join(worker=both, side="any").pk == entry.pk  # a second tab reuses the entry
    assert matchmaking.matchmaker_run() == []
    with pytest.raises(IntegrityError), transaction.atomic():
        MatchQueueEntry.objects.create(worker=both, side="player")
    other = make_worker(player=True)
    queue.queue_join(worker=other, side="player")
    (session,) = matchmaking.matchmaker_run()
    assert session.character_worker == both
    # Matched workers are busy: joining again returns the matched entry, no new pairing happens.
    assert queue.queue_join(worker=both, side="any").status == QueueEntryStatus.MATCHED
    third = make_worker(player=True)
    queue.queue_join(worker=third, side="player")
    assert matchmaking.matchmaker_run() == []


def test_either_side_workers_fill_the_seat_the_other_needs():
    anyone = make_worker(character=True, player=True)
    char_only = make_worker(character=True)
    queue.queue_join(worker=anyone, side="any")
    queue.queue_join(worker=char_only, side="character")
    (session,) = matchmaking.matchmaker_run()
    assert (session.character_worker, session.player_worker) == (char_only, anyone)


def test_two_soft_blocked_workers_are_never_paired_and_blocked_workers_cannot_queue():
    a, b = make_worker(character=True), make_worker(player=True)
    for worker in (a, b):
        worker_block(profile=worker.profile, status=BlockStatus.SOFT_BLOCKED, reason="test", actor=None)
    queue.queue_join(worker=a, side="character")
    queue.queue_join(worker=b, side="player")
    assert matchmaking.matchmaker_run() == []
    c = make_worker(player=True)
    queue.queue_join(worker=c, side="player")
    (session,) = matchmaking.matchmaker_run()
    assert session.player_worker == c  # a soft-blocked worker may still chat with an active one
    blocked = make_worker(player=True)
    worker_block(profile=blocked.profile, status=BlockStatus.BLOCKED, reason="test", actor=None)
    with pytest.raises(errors.LiveRefused) as refused:
        queue.queue_join(worker=blocked, side="player")
    assert refused.value.code == "blocked"


def test_character_assignment_takes_the_least_collected_character_under_its_category_quota(character):
    popular = character
    DialogueFactory(character=popular)
    fresh = CharacterFactory(category=CharacterCategory.DAILY_LIFE)
    assert assignment.character_pick(languages=None) == fresh
    celebrity = CharacterFactory(category=CharacterCategory.CELEBRITIES)
    DialogueFactory(character=fresh)
    assert assignment.character_pick(languages=None) == celebrity  # 0 collected beats 1
    quotas.category_quota_set(category=CharacterCategory.CELEBRITIES, target_dialogues=0, actor=None)
    assert assignment.character_pick(languages=None) in (popular, fresh)  # celebrities are full
    assert assignment.character_pick(languages={Language.ZH_HANS}) is None  # nobody speaks English then


def test_queue_position_counts_workers_ahead():
    first, second = make_worker(character=True), make_worker(character=True)
    queue.queue_join(worker=first, side="character")
    queue.queue_join(worker=second, side="character")
    assert queue.queue_status(worker=first)["position"] == 1
    status = queue.queue_status(worker=second)
    assert (status["position"], status["waiting_total"]) == (2, 2)


def test_waiting_time_is_credited_with_one_ledger_row_per_wait():
    char_worker, player_worker = make_worker(character=True), make_worker(player=True)
    entry = queue.queue_join(worker=char_worker, side="character")
    MatchQueueEntry.objects.filter(pk=entry.pk).update(joined_at=timezone.now() - timedelta(minutes=2))
    queue.queue_join(worker=player_worker, side="player")
    matchmaking.matchmaker_run()
    credit = LedgerEntry.objects.get(worker=char_worker, kind=EntryKind.WAITING)
    assert credit.seconds >= 120 and credit.amount > 0


def test_leaving_the_queue_ends_the_wait_and_a_disconnect_keeps_the_place_for_a_while(settings):
    worker = make_worker(character=True)
    queue.queue_join(worker=worker, side="character")
    queue.queue_leave(worker=worker, disconnected=True)
    assert MatchQueueEntry.objects.get(worker=worker).status == QueueEntryStatus.WAITING
    matchmaking.matchmaker_run(now=timezone.now() + timedelta(seconds=settings.LIVE_QUEUE_RECONNECT_GRACE_S + 1))
    assert MatchQueueEntry.objects.get(worker=worker).status == QueueEntryStatus.LEFT


def test_repeated_abandonments_soft_block_the_worker_automatically(settings):
    settings.LIVE_ABANDON_THRESHOLD = 2
    leaver = make_worker(player=True)
    for _ in range(2):
        session = pair(make_worker(character=True), leaver)
        now = timezone.now()
        sessions.live_session_connect(session_id=session.pk, worker=session.character_worker, channel_name="a")
        sessions.live_session_connect(session_id=session.pk, worker=leaver, channel_name="b")
        sessions.live_session_disconnect(session_id=session.pk, side="player", channel_name="b")
        ended = sessions.live_session_check(
            session_id=session.pk, now=now + timedelta(seconds=settings.LIVE_PARTNER_GRACE_S + 1)
        )
        assert ended.status == LiveSessionStatus.PARTNER_LEFT
    leaver.profile.refresh_from_db()
    assert leaver.profile.block_status == BlockStatus.SOFT_BLOCKED
    assert abandonment.abandonments_recent(worker_id=leaver.pk) == 2
    assert LedgerEntry.objects.filter(kind=EntryKind.STRANDED).count() == 2
    assert LiveSession.objects.filter(dialogue__status="rejected").count() == 2


def test_sweep_ends_an_orphaned_session_nobody_is_connected_to(settings):
    from django.core.management import call_command

    session = pair(make_worker(character=True), make_worker(player=True))
    LiveSession.objects.filter(pk=session.pk).update(join_deadline=timezone.now() - timedelta(seconds=1))
    call_command("live_sweep")
    session.refresh_from_db()
    assert session.status == LiveSessionStatus.EXPIRED
    # Neither worker opened the chat: both leave the queue (no requeue for no-shows).
    assert not MatchQueueEntry.objects.filter(status=QueueEntryStatus.WAITING).exists()
