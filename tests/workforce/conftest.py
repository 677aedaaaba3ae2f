from datetime import date
from decimal import Decimal

import pytest

from platform_core.roles import Role
from workforce.models import UnitKind
from workforce.services.ledger import piece_rate_set
from workforce.services.units import unit_open, unit_submit


@pytest.fixture
def worker(make_user):
    return make_user(Role.CROWDWORKER, profile__can_play_character=True, profile__can_play_player=True)


@pytest.fixture
def rate(db):
    return piece_rate_set(kind=UnitKind.LIVE_PLAYER, amount="1.50", effective_from=date(2020, 1, 1), currency="GBP")


@pytest.fixture
def submitted_unit(worker, rate):
    def make(subject_id: int = 1, kind: str = UnitKind.LIVE_PLAYER, who=None):
        unit = unit_open(worker=who or worker, kind=kind, subject_id=subject_id)
        return unit_submit(unit=unit, active_seconds=600)

    return make


ZERO = Decimal("0")


def finished_live_session(character_worker, player_worker, *, status="finished", abandoned_by=None, turns=4):
    """A live session as the live chat leaves it, built directly (no matchmaking needed)."""
    from datetime import timedelta

    from django.utils import timezone

    from roleplay.models import LiveSession, Turn
    from tests.factories import CharacterFactory, DialogueFactory, PlayerPersonaFactory

    start = timezone.now() - timedelta(minutes=30)
    character = CharacterFactory()
    dialogue = DialogueFactory(character=character, status="submitted")
    session = LiveSession.objects.create(
        character=character, player_persona=PlayerPersonaFactory(), character_worker=character_worker,
        player_worker=player_worker, dialogue=dialogue, status=status, join_deadline=start,
        started_at=start, ended_at=start + timedelta(minutes=turns), abandoned_by=abandoned_by,
    )
    for seq in range(1, turns + 1):
        turn = Turn.objects.create(dialogue=dialogue, seq=seq, speaker="character" if seq % 2 else "player",
                                   text=f"line {seq}")
        Turn.objects.filter(pk=turn.pk).update(created_at=start + timedelta(minutes=seq))
    return session
