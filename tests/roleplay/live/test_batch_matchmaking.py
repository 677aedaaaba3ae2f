"""The batch matchmaker: one pass pairs the whole queue by every rule, and passes never overlap."""

import asyncio
import random
import threading
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.db import connection, connections
from django.utils import timezone

from platform_core.models import BlockStatus
from platform_core.services import worker_block
from roleplay.live import matchmaking, queue, quotas
from roleplay.live.partners import worker_group
from roleplay.models import (
    CharacterCategory,
    Language,
    LiveSession,
    MatchQueueEntry,
    PlayerPersona,
    QueueEntryStatus,
)
from tests.concurrency import run_together
from tests.factories import CharacterFactory, PlayerPersonaFactory
from tests.roleplay.live_helpers import make_worker
from workforce.models import LedgerEntry

requires_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent passes need PostgreSQL (set DATABASE_URL)"
)


def queued(*, side: str, character: bool = False, player: bool = False, languages=("en",), waited_s: int = 0):
    worker = make_worker(character=character, player=player, profile__languages=list(languages))
    entry = queue.queue_join(worker=worker, side=side)
    if waited_s:
        MatchQueueEntry.objects.filter(pk=entry.pk).update(joined_at=timezone.now() - timedelta(seconds=waited_s))
    return worker


def seats(session: LiveSession) -> tuple[int, int]:
    return session.character_worker_id, session.player_worker_id


@pytest.mark.django_db
def test_one_pass_pairs_each_worker_with_the_earliest_compatible_one_in_queue_order():
    CharacterFactory()
    char_a = queued(side="character", character=True)
    char_b = queued(side="character", character=True)  # two character seats cannot pair
    anyone = queued(side="any", character=True, player=True)
    player = queued(side="player", player=True)
    sessions = matchmaking.matchmaker_run()
    # char_a takes the earliest entry that fits (anyone, as the player); char_b the next (player).
    assert [seats(s) for s in sessions] == [(char_a.pk, anyone.pk), (char_b.pk, player.pk)]
    assert set(MatchQueueEntry.objects.values_list("status", flat=True)) == {QueueEntryStatus.MATCHED}


@pytest.mark.django_db
def test_a_worker_takes_only_a_seat_they_asked_for_and_are_still_qualified_for():
    CharacterFactory()
    wants_player = queued(side="player", character=True, player=True)
    queued(side="player", character=True, player=True)  # both could play the character, neither asked to
    no_longer_qualified = queued(side="character", character=True)
    no_longer_qualified.profile.can_play_character = False
    no_longer_qualified.profile.save()
    assert matchmaking.matchmaker_run() == []
    character = queued(side="character", character=True)
    (session,) = matchmaking.matchmaker_run()
    assert seats(session) == (character.pk, wants_player.pk)


@pytest.mark.django_db
def test_soft_blocked_workers_are_never_paired_together_and_blocked_ones_leave_the_queue_in_the_pass():
    CharacterFactory()
    soft_char = queued(side="character", character=True)
    soft_player = queued(side="player", player=True)
    blocked = queued(side="player", player=True)
    active_player = queued(side="player", player=True)
    active_char = queued(side="character", character=True)
    for worker in (soft_char, soft_player):
        worker_block(profile=worker.profile, status=BlockStatus.SOFT_BLOCKED, reason="test", actor=None)
    worker_block(profile=blocked.profile, status=BlockStatus.BLOCKED, reason="test", actor=None)
    sessions = matchmaking.matchmaker_run()
    assert sorted(seats(s) for s in sessions) == sorted(
        [(soft_char.pk, active_player.pk), (active_char.pk, soft_player.pk)]
    )
    assert MatchQueueEntry.objects.get(worker=blocked).status == QueueEntryStatus.LEFT


@pytest.mark.django_db
def test_characters_spread_by_least_collected_in_a_shared_language_and_stop_at_the_category_quota():
    daily = [CharacterFactory(category=CharacterCategory.DAILY_LIFE) for _ in range(2)]
    game = CharacterFactory(category=CharacterCategory.GAMES_VIDEOS)
    chinese = CharacterFactory(category=CharacterCategory.DAILY_LIFE, language=Language.ZH_HANS)
    quotas.category_quota_set(category=CharacterCategory.GAMES_VIDEOS, target_dialogues=1, actor=None)
    for _ in range(4):
        queued(side="character", character=True)
        queued(side="player", player=True)
    queued(side="character", character=True, languages=("zh-hans",))
    queued(side="player", player=True, languages=("zh-hans", "en"))
    queued(side="character", character=True, languages=("en",))
    queued(side="player", player=True, languages=("zh-hans",))  # no common language with the one before
    sessions = matchmaking.matchmaker_run()
    characters = [s.character_id for s in sessions]
    # Four English pairs: each of the three English characters once (lowest id first at equal
    # counts), then the games category is full (1 pending = its quota): a daily one again.
    assert characters[:4] == [daily[0].pk, daily[1].pk, game.pk, daily[0].pk]
    assert characters[4] == chinese.pk
    assert len(sessions) == 5
    assert MatchQueueEntry.objects.filter(status=QueueEntryStatus.WAITING).count() == 2


@pytest.mark.django_db
def test_personas_spread_by_least_used_and_one_is_made_for_a_language_without_any():
    CharacterFactory(language=Language.EN)
    used, fresh = PlayerPersonaFactory(), PlayerPersonaFactory()
    CharacterFactory(language=Language.ZH_HANS)
    for _ in range(3):
        queued(side="character", character=True, languages=("en",))
        queued(side="player", player=True, languages=("en",))
    sessions = matchmaking.matchmaker_run()
    assert [s.player_persona_id for s in sessions] == [used.pk, fresh.pk, used.pk]
    queued(side="character", character=True, languages=("zh-hans",))
    queued(side="player", player=True, languages=("zh-hans",))
    queued(side="character", character=True, languages=("zh-hans",))
    queued(side="player", player=True, languages=("zh-hans",))
    first, second = matchmaking.matchmaker_run()
    made = PlayerPersona.objects.get(pk=first.player_persona_id)
    assert made.language == Language.ZH_HANS and made.author is None
    assert second.player_persona_id == made.pk  # the only one of its language: made once, then reused


def waiting_crowd() -> list:
    CharacterFactory()
    return [
        queued(side="character", character=True, waited_s=90),
        queued(side="player", player=True, waited_s=30),
        queued(side="character", character=True, waited_s=60),
        queued(side="player", player=True, waited_s=60),
    ]


@pytest.mark.django_db(transaction=True)
async def test_every_matched_worker_is_credited_for_waiting_once_and_told_once():
    workers = await database_sync_to_async(waiting_crowd)()
    layer = get_channel_layer()
    inbox = {}
    for worker in workers:
        inbox[worker.pk] = await layer.new_channel()
        await layer.group_add(worker_group(worker.pk), inbox[worker.pk])
    sessions = await database_sync_to_async(matchmaking.matchmaker_run)()
    assert len(sessions) == 2
    for worker in workers:
        frame = (await asyncio.wait_for(layer.receive(inbox[worker.pk]), timeout=5))["frame"]
        session = next(s for s in sessions if worker.pk in seats(s))
        assert (frame["type"], frame["session_id"]) == ("match", session.pk)
    credits = await database_sync_to_async(lambda: dict(LedgerEntry.objects.values_list("worker_id", "seconds")))()
    assert set(credits) == {w.pk for w in workers} and credits[workers[0].pk] >= 90
    assert await database_sync_to_async(matchmaking.matchmaker_run)() == []
    assert await database_sync_to_async(LedgerEntry.objects.count)() == 4  # nothing paid twice
    for worker in workers:  # and nobody told twice
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(layer.receive(inbox[worker.pk]), timeout=0.2)


@pytest.mark.django_db
def test_a_random_crowd_is_paired_by_the_rules_and_no_pair_that_fits_is_left_waiting():
    rng = random.Random(17)
    CharacterFactory(language=Language.EN)
    CharacterFactory(language=Language.ZH_HANS, category=CharacterCategory.CELEBRITIES)
    crowd = []
    for _ in range(60):
        character, player = rng.random() < 0.6, rng.random() < 0.6
        if not (character or player):
            character = True
        side = rng.choice([s for s, ok in (("character", character), ("player", player), ("any", True)) if ok])
        # Everyone speaks both languages here (the language rule has its own test): then any
        # compatible pair has a character, and the pass must leave no such pair waiting.
        worker = queued(side=side, character=character, player=player, languages=("en", "zh-hans"))
        if rng.random() < 0.15:
            worker_block(profile=worker.profile, status=BlockStatus.SOFT_BLOCKED, reason="test", actor=None)
        crowd.append(worker)
    sessions = matchmaking.matchmaker_run()
    assert len(sessions) > 10
    in_sessions = [w for s in sessions for w in seats(s)]
    assert len(in_sessions) == len(set(in_sessions))  # nobody is in two sessions
    for session in sessions:
        rules_hold(session)
    left = list(MatchQueueEntry.objects.filter(status=QueueEntryStatus.WAITING).select_related("worker__profile"))
    for i, first in enumerate(left):
        for second in left[i + 1 :]:
            assert matchmaking._seats_for(first, second) is None, (first, second)


def rules_hold(session: LiveSession) -> None:
    character_entry = MatchQueueEntry.objects.get(session=session, worker=session.character_worker)
    player_entry = MatchQueueEntry.objects.get(session=session, worker=session.player_worker)
    character_profile, player_profile = session.character_worker.profile, session.player_worker.profile
    assert session.character_worker_id != session.player_worker_id
    assert not (character_profile.block_status == player_profile.block_status == BlockStatus.SOFT_BLOCKED)
    assert character_entry.side in ("character", "any") and character_profile.can_play_character
    assert player_entry.side in ("player", "any") and player_profile.can_play_player
    assert session.character.language in set(character_profile.languages) & set(player_profile.languages)
    assert session.player_persona.language == session.character.language


def crowd_of(pairs: int) -> None:
    CharacterFactory()
    for _ in range(pairs):
        queued(side="character", character=True)
        queued(side="player", player=True)


def assert_each_worker_matched_once(pairs: int) -> None:
    sessions = list(LiveSession.objects.all())
    workers = [w for s in sessions for w in seats(s)]
    assert len(sessions) == pairs and len(workers) == len(set(workers)) == 2 * pairs
    matched = MatchQueueEntry.objects.filter(status=QueueEntryStatus.MATCHED)
    assert sorted(matched.values_list("worker_id", flat=True)) == sorted(workers)
    assert matched.values("session").distinct().count() == pairs


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_two_matchmakers_started_at_once_never_match_a_worker_twice():
    crowd_of(40)
    results = run_together(matchmaking.matchmaker_run, matchmaking.matchmaker_run)
    assert all(isinstance(r, list) for r in results), results
    assert sum(len(r) for r in results) == 40
    assert_each_worker_matched_once(40)


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_two_passes_without_the_gate_lock_disjoint_entries():
    """Below the gate, the row locks alone keep two overlapping passes from sharing a worker."""
    crowd_of(40)
    results = run_together(
        lambda: matchmaking._match_pass(timezone.now()), lambda: matchmaking._match_pass(timezone.now())
    )
    assert all(isinstance(r, tuple) for r in results), results
    made = sum(len(sessions) for sessions, _unpaired in results)
    # Each pass paired only the entries it locked; what they split between them, a later pass pairs.
    assert made + len(matchmaking.matchmaker_run()) == 40
    assert_each_worker_matched_once(40)


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_a_run_that_finds_the_gate_taken_leaves_the_queue_to_the_pass_holding_it():
    crowd_of(3)
    held, release = threading.Event(), threading.Event()

    def hold_gate():
        with matchmaking.matchmaker_gate() as got:
            held.set()
            release.wait(10)
        connections.close_all()
        return got

    holder = threading.Thread(target=hold_gate)
    holder.start()
    held.wait(10)
    assert matchmaking.matchmaker_run() == []
    assert MatchQueueEntry.objects.filter(status=QueueEntryStatus.WAITING).count() == 6
    release.set()
    holder.join()
    assert len(matchmaking.matchmaker_run()) == 3


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_workers_who_join_during_a_pass_are_paired_by_the_same_run(monkeypatch):
    crowd_of(2)
    plan = matchmaking._pairs_plan
    joined: list = []

    def plan_while_two_more_join(entries, now):
        if not joined:  # another process's workers join (and commit) while this pass runs
            thread = threading.Thread(target=lambda: (joined.append(crowd_of(1)), connections.close_all()))
            thread.start()
            thread.join()
        return plan(entries, now)

    monkeypatch.setattr(matchmaking, "_pairs_plan", plan_while_two_more_join)
    assert len(matchmaking.matchmaker_run()) == 3
    assert not MatchQueueEntry.objects.filter(status=QueueEntryStatus.WAITING).exists()
