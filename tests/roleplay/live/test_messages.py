"""``live_message_send``, the live chat's hot path (raw SQL), called directly: storage, resends, refusals."""

import uuid

import pytest
from django.db import connection
from django.db.utils import IntegrityError
from django.test.utils import CaptureQueriesContext

from platform_core.errors import Refused
from roleplay.live import message_sql as live_message_sql
from roleplay.live import messages, sessions
from roleplay.models import Dialogue, DialogueStatus, LiveSession, LiveSessionStatus, Turn
from tests.concurrency import run_together
from tests.factories import CharacterFactory, PlayerPersonaFactory
from tests.roleplay.live_helpers import CHARACTER_IDENTITY, make_worker, pair


def active_session() -> tuple[LiveSession, object, object]:
    """A chatting session: both seats connected, topic agreed, the greeting stored as turn 1."""
    CharacterFactory(identity=CHARACTER_IDENTITY, greeting="Ahoy! Mind the fog.")
    PlayerPersonaFactory()
    character_worker, player_worker = make_worker(character=True), make_worker(player=True)
    session = pair(character_worker, player_worker)
    sessions.live_session_connect(session_id=session.pk, worker=character_worker, channel_name="c")
    sessions.live_session_connect(session_id=session.pk, worker=player_worker, channel_name="p")
    sessions.live_topic_propose(session_id=session.pk, worker=player_worker, topic="fog", kind="chit_chat")
    sessions.live_topic_accept(session_id=session.pk, worker=character_worker)
    session.refresh_from_db()
    assert session.status == LiveSessionStatus.ACTIVE
    return session, character_worker, player_worker


def stored(session: LiveSession) -> list[tuple[int, str, str]]:
    return list(Turn.objects.filter(dialogue_id=session.dialogue_id).values_list("seq", "speaker", "text"))


@pytest.mark.django_db
def test_message_is_stored_with_the_next_seq_and_stamps_the_sessions_activity(settings):
    session, _, player = active_session()
    before = LiveSession.objects.get(pk=session.pk).last_activity_at
    sent = messages.live_message_send(
        session_id=session.pk, worker=player, client_msg_id=uuid.uuid4(), text=" Hi there "
    )
    turn = sent.result.turn
    assert sent.result.created and (turn.seq, turn.speaker, turn.text) == (2, "player", "Hi there")
    assert stored(session)[-1] == (2, "player", "Hi there")
    stored_turn = Turn.objects.get(dialogue_id=session.dialogue_id, seq=2)
    assert (stored_turn.author_user_id, stored_turn.created_at) == (player.pk, turn.created_at)
    after = LiveSession.objects.get(pk=session.pk).last_activity_at
    assert after > before
    assert sent.deadline == pytest.approx(after.timestamp() + settings.LIVE_IDLE_TIMEOUT_S, abs=0.001)


@pytest.mark.django_db
def test_resend_returns_the_stored_turn_and_changes_nothing():
    session, _, player = active_session()
    msg_id = uuid.uuid4()
    first = messages.live_message_send(session_id=session.pk, worker=player, client_msg_id=msg_id, text="Once")
    stamped = LiveSession.objects.get(pk=session.pk).last_activity_at
    # A resend may even carry other text (a client bug): the stored turn stands.
    again = messages.live_message_send(session_id=session.pk, worker=player, client_msg_id=str(msg_id), text="")
    assert (again.result.created, again.result.turn.seq, again.result.turn.text) == (False, 2, "Once")
    assert first.result.turn.seq == 2
    assert [seq for seq, _, _ in stored(session)] == [1, 2]
    assert LiveSession.objects.get(pk=session.pk).last_activity_at == stamped


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("writer", "text", "code"),
    [("character", "My turn again?", "not_your_turn"), ("player", "   ", "empty"), ("player", "x" * 501, "too_long")],
)
def test_refused_message_stores_nothing_and_leaves_the_activity_stamp(writer, text, code):
    session, character, player = active_session()
    stamped = LiveSession.objects.get(pk=session.pk).last_activity_at
    worker = character if writer == "character" else player
    with pytest.raises(Refused) as refused:
        messages.live_message_send(session_id=session.pk, worker=worker, client_msg_id=uuid.uuid4(), text=text)
    assert refused.value.code == code
    assert [seq for seq, _, _ in stored(session)] == [1]
    assert LiveSession.objects.get(pk=session.pk).last_activity_at == stamped


@pytest.mark.django_db
def test_worker_outside_the_session_and_unknown_sessions_are_refused():
    session, _, _ = active_session()
    stranger = make_worker(player=True)
    for session_id in (session.pk, session.pk + 1000):
        with pytest.raises(Refused) as refused:
            messages.live_message_send(session_id=session_id, worker=stranger, client_msg_id=uuid.uuid4(), text="Hi")
        assert refused.value.code == "not_your_session"
    assert [seq for seq, _, _ in stored(session)] == [1]


@pytest.mark.django_db
def test_dialogue_that_stopped_collecting_refuses_turns_while_the_session_is_open():
    session, _, player = active_session()
    Dialogue.objects.filter(pk=session.dialogue_id).update(status=DialogueStatus.SUBMITTED)
    with pytest.raises(Refused) as refused:
        messages.live_message_send(session_id=session.pk, worker=player, client_msg_id=uuid.uuid4(), text="Hello?")
    assert refused.value.code == "dialogue_closed"
    assert [seq for seq, _, _ in stored(session)] == [1]


@pytest.mark.django_db
def test_a_stale_read_is_caught_by_the_database_and_the_message_is_stored_on_the_retry(monkeypatch):
    session, _, player = active_session()
    real = live_message_sql.turns_for_message
    calls = []

    def stale_once(**kwargs):
        calls.append(kwargs)
        if len(calls) == 1:  # a read that missed the greeting: the insert would reuse seq 1
            return live_message_sql.MessageTurns(duplicate=None, recent=[(0, "character", "Ahoy!")])
        return real(**kwargs)

    monkeypatch.setattr(live_message_sql, "turns_for_message", stale_once)
    sent = messages.live_message_send(session_id=session.pk, worker=player, client_msg_id=uuid.uuid4(), text="Hello")
    assert len(calls) == 2 and sent.result.turn.seq == 2
    assert [seq for seq, _, _ in stored(session)] == [1, 2]


@pytest.mark.django_db
def test_a_read_that_stays_wrong_raises_instead_of_storing_a_gap(monkeypatch):
    session, _, player = active_session()
    monkeypatch.setattr(
        live_message_sql,
        "turns_for_message",
        lambda **kwargs: live_message_sql.MessageTurns(duplicate=None, recent=[(5, "character", "x")]),
    )
    with pytest.raises(IntegrityError):
        messages.live_message_send(session_id=session.pk, worker=player, client_msg_id=uuid.uuid4(), text="Hello")
    assert [seq for seq, _, _ in stored(session)] == [1]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent writers (PostgreSQL row locks)")
def test_the_same_message_sent_twice_at_once_is_stored_once():
    session, _, player = active_session()
    msg_id = uuid.uuid4()
    results = run_together(
        *[
            lambda: messages.live_message_send(
                session_id=session.pk, worker=player, client_msg_id=msg_id, text="At once"
            )
        ]
        * 4
    )
    assert all(isinstance(r, messages.LiveSendResult) for r in results), results
    assert sorted(r.result.created for r in results) == [False, False, False, True]
    assert {r.result.turn.seq for r in results} == {2}
    assert [seq for seq, _, _ in stored(session)] == [1, 2]


@pytest.mark.django_db
def test_characters_a_turn_cannot_hold_are_dropped_before_storing():
    # NUL is refused by PostgreSQL text columns and a lone surrogate cannot be encoded: neither may
    # turn a message (or a model's reply, which goes through the same ``storable_text``) into a crash.
    session, character, player = active_session()
    text = "Fog\x00 ahead\x07\ud800\n  keep\tclear "
    sent = messages.live_message_send(session_id=session.pk, worker=player, client_msg_id=uuid.uuid4(), text=text)
    assert sent.result.turn.text == "Fog ahead\n  keep\tclear"
    assert stored(session)[-1] == (2, "player", "Fog ahead\n  keep\tclear")
    with pytest.raises(Refused) as refused:
        messages.live_message_send(
            session_id=session.pk, worker=character, client_msg_id=uuid.uuid4(), text="\x00 \x01"
        )
    assert refused.value.code == "empty"


@pytest.mark.django_db
def test_a_message_takes_three_sql_statements_lock_read_insert():
    """As the consumer sends it: with the character profile it read on connecting."""
    session, _, player = active_session()
    profile = sessions.live_session_connect(session_id=session.pk, worker=player, channel_name="p").character_profile
    with CaptureQueriesContext(connection) as queries:
        sent = messages.live_message_send(
            session_id=session.pk, worker=player, client_msg_id=uuid.uuid4(), text="Hi", character_profile=profile
        )
    assert sent.result.created
    statements = [
        query["sql"]
        for query in queries.captured_queries
        if not query["sql"].upper().startswith(("SAVEPOINT", "RELEASE", "BEGIN", "COMMIT", "ROLLBACK"))
    ]
    assert [sql.split()[0].upper() for sql in statements] == ["UPDATE", "SELECT", "INSERT"]


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
def test_on_postgresql_the_message_statements_are_prepared_once_per_connection(settings):
    session, character, player = active_session()
    profile = sessions.live_session_connect(session_id=session.pk, worker=player, channel_name="p").character_profile
    for index in range(8):
        writer = player if index % 2 == 0 else character
        messages.live_message_send(
            session_id=session.pk,
            worker=writer,
            client_msg_id=uuid.uuid4(),
            text=f"Line {index}",
            character_profile=profile,
        )
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = " ".join(row[0] for row in cursor.fetchall())
    expected = 3 if settings.DATABASES["default"]["OPTIONS"].get("prepare_threshold") is not None else 0
    assert sum(verb in prepared for verb in ("UPDATE", "UNION ALL", "INSERT")) == expected
