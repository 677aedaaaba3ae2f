"""One turn-append rule: the ORM path, the live hot path (raw SQL) and the model seat refuse alike.

Each path writes as the character of a chatting session whose greeting is turn 1. Each must
refuse writing out of turn, store a repeated client message id once, and refuse once the
session has ended (while still acknowledging a resend of what it stored before).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

from platform_core.errors import Refused
from roleplay.live import human_machine, messages, sessions
from roleplay.models import LiveSession, LiveSessionStatus, Turn
from roleplay.services import TurnAppendResult, turn_append
from tests.factories import CharacterFactory, ModelVersionFactory, PlayerPersonaFactory
from tests.roleplay.live_helpers import make_worker, pair

pytestmark = pytest.mark.django_db


@dataclass
class Chat:
    session: LiveSession
    player: object
    write: Callable[[uuid.UUID, str], TurnAppendResult]  # the path under test, as the character


def _agree_topic(session: LiveSession, proposer, accepter) -> None:
    sessions.live_topic_propose(session_id=session.pk, worker=proposer, topic="fog", kind="chit_chat")
    if accepter is not None:
        sessions.live_topic_accept(session_id=session.pk, worker=accepter)


def _human_chat() -> tuple[LiveSession, object, object]:
    CharacterFactory(greeting="Ahoy! Mind the fog.")
    PlayerPersonaFactory()
    character_worker, player = make_worker(character=True), make_worker(player=True)
    session = pair(character_worker, player)
    sessions.live_session_connect(session_id=session.pk, worker=character_worker, channel_name="c")
    sessions.live_session_connect(session_id=session.pk, worker=player, channel_name="p")
    _agree_topic(session, player, character_worker)
    return session, character_worker, player


def orm_path() -> Chat:
    session, _character_worker, player = _human_chat()
    session.refresh_from_db()

    def write(msg_id: uuid.UUID, text: str) -> TurnAppendResult:
        return turn_append(
            dialogue_id=session.dialogue_id, speaker="character", text=text, client_msg_id=msg_id, turn_taking=True
        )

    return Chat(session, player, write)


def hot_path() -> Chat:
    session, character_worker, player = _human_chat()

    def write(msg_id: uuid.UUID, text: str) -> TurnAppendResult:
        return messages.live_message_send(
            session_id=session.pk, worker=character_worker, client_msg_id=msg_id, text=text
        ).result

    return Chat(session, player, write)


def model_path() -> Chat:
    character = CharacterFactory(greeting="Ahoy! Mind the fog.")
    player = make_worker(player=True)
    session = human_machine.live_model_session_start(
        worker=player, character=character, model_version=ModelVersionFactory(), persona=PlayerPersonaFactory()
    )
    sessions.live_session_connect(session_id=session.pk, worker=player, channel_name="p")
    _agree_topic(session, player, None)  # the model takes the proposed topic

    def write(msg_id: uuid.UUID, text: str) -> TurnAppendResult:
        return human_machine.live_model_turn_append(session_id=session.pk, text=text, client_msg_id=msg_id).result

    return Chat(session, player, write)


# The refusal code each path gives once the session has ended: the ORM path sees the dialogue closed.
PATHS = {
    "orm": (orm_path, "dialogue_closed"),
    "hot_path": (hot_path, "session_ended"),
    "model": (model_path, "session_ended"),
}


def _turns(session: LiveSession) -> list[tuple[int, str, str]]:
    session.refresh_from_db()
    return list(
        Turn.objects.filter(dialogue_id=session.dialogue_id).order_by("seq").values_list("seq", "speaker", "text")
    )


def _refused(write: Callable[[], object]) -> str:
    with pytest.raises(Refused) as refused:
        write()
    return refused.value.code


@pytest.mark.parametrize("path", PATHS)
def test_each_path_refuses_out_of_turn_stores_a_repeat_once_and_refuses_after_the_end(path):
    build, ended_code = PATHS[path]
    chat = build()
    assert LiveSession.objects.get(pk=chat.session.pk).status == LiveSessionStatus.ACTIVE
    assert _turns(chat.session) == [(1, "character", "Ahoy! Mind the fog.")]

    # Out of turn: the character spoke last (the greeting).
    assert _refused(lambda: chat.write(uuid.uuid4(), "Still foggy.")) == "not_your_turn"
    assert len(_turns(chat.session)) == 1

    messages.live_message_send(session_id=chat.session.pk, worker=chat.player, client_msg_id=uuid.uuid4(), text="Hi")
    reply_id = uuid.uuid4()
    first = chat.write(reply_id, "The lamp is lit.")
    assert first.created and (first.turn.seq, first.turn.speaker) == (3, "character")

    # The same client message id again (even with other text): the stored turn stands, nothing new.
    again = chat.write(reply_id, "Something else.")
    assert not again.created and again.turn.pk == first.turn.pk and again.turn.text == "The lamp is lit."
    assert _turns(chat.session)[-1] == (3, "character", "The lamp is lit.")
    assert len(_turns(chat.session)) == 3

    messages.live_message_send(session_id=chat.session.pk, worker=chat.player, client_msg_id=uuid.uuid4(), text="Bye")
    sessions.live_session_check(session_id=chat.session.pk, now=timezone.now() + timedelta(days=1))
    assert not LiveSession.objects.get(pk=chat.session.pk).is_open

    # Ended: a new turn is refused; a resend of a stored one is still acknowledged.
    assert _refused(lambda: chat.write(uuid.uuid4(), "Are you there?")) == ended_code
    assert len(_turns(chat.session)) == 4
    resent = chat.write(reply_id, "The lamp is lit.")
    assert not resent.created and resent.turn.pk == first.turn.pk


@pytest.mark.parametrize("path", PATHS)
def test_each_path_refuses_a_client_msg_id_the_other_seat_used(path):
    build, _ended_code = PATHS[path]
    chat = build()
    player_id = uuid.uuid4()
    messages.live_message_send(session_id=chat.session.pk, worker=chat.player, client_msg_id=player_id, text="Hi")
    assert _refused(lambda: chat.write(player_id, "The lamp is lit.")) == "client_msg_id_taken"
    assert [speaker for _seq, speaker, _text in _turns(chat.session)] == ["character", "player"]
