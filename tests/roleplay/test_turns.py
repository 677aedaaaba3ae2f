import uuid

import pytest
from django.db import IntegrityError, transaction

from roleplay.models import DialogueStatus, Speaker, Turn
from roleplay.services import TurnRefused, dialogue_set_status, turn_append
from tests.factories import DialogueFactory, ModelVersionFactory, TurnFactory

pytestmark = pytest.mark.django_db


def test_turns_are_numbered_from_one_in_order():
    dialogue = DialogueFactory()
    seqs = [
        turn_append(dialogue_id=dialogue.pk, speaker=s, text=f"t{i}").turn.seq
        for i, s in enumerate([Speaker.CHARACTER, Speaker.PLAYER, Speaker.CHARACTER])
    ]
    assert seqs == [1, 2, 3]


def test_database_refuses_a_gap_in_sequence_numbers():
    dialogue = DialogueFactory()
    TurnFactory(dialogue=dialogue, seq=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        TurnFactory(dialogue=dialogue, seq=3)
    assert list(dialogue.turns.values_list("seq", flat=True)) == [1]


def test_database_refuses_a_first_turn_that_is_not_one():
    with pytest.raises(IntegrityError), transaction.atomic():
        TurnFactory(dialogue=DialogueFactory(), seq=2)


def test_database_refuses_a_duplicate_sequence_number():
    dialogue = DialogueFactory()
    TurnFactory(dialogue=dialogue, seq=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        TurnFactory(dialogue=dialogue, seq=1)


def test_stored_turn_cannot_be_renumbered():
    dialogue = DialogueFactory()
    TurnFactory(dialogue=dialogue, seq=1)
    turn = TurnFactory(dialogue=dialogue, seq=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        Turn.objects.filter(pk=turn.pk).update(seq=5)


def test_rewriting_text_keeps_sequence_and_original():
    turn = TurnFactory(seq=1, text="诚然，今日天气甚佳。")
    turn.original_text, turn.text = turn.text, "今天天气真好！"
    turn.save()
    turn.refresh_from_db()
    assert (turn.seq, turn.text, turn.original_text) == (1, "今天天气真好！", "诚然，今日天气甚佳。")


def test_repeated_client_message_id_is_stored_once():
    dialogue = DialogueFactory()
    message_id = uuid.uuid4()
    first = turn_append(dialogue_id=dialogue.pk, speaker=Speaker.PLAYER, text="hi", client_msg_id=message_id)
    again = turn_append(dialogue_id=dialogue.pk, speaker=Speaker.PLAYER, text="hi", client_msg_id=message_id)
    assert first.created and not again.created
    assert again.turn.pk == first.turn.pk
    assert dialogue.turns.count() == 1


def test_same_client_message_id_in_two_dialogues_is_two_turns():
    message_id = uuid.uuid4()
    for dialogue in (DialogueFactory(), DialogueFactory()):
        assert turn_append(dialogue_id=dialogue.pk, speaker=Speaker.PLAYER, text="hi", client_msg_id=message_id).created


@pytest.mark.parametrize("text", ["", "   ", "\n"])
def test_empty_message_is_refused_and_nothing_stored(text):
    dialogue = DialogueFactory()
    with pytest.raises(TurnRefused) as refused:
        turn_append(dialogue_id=dialogue.pk, speaker=Speaker.PLAYER, text=text)
    assert refused.value.code == "empty"
    assert dialogue.turns.count() == 0


def test_unknown_speaker_is_refused():
    with pytest.raises(TurnRefused) as refused:
        turn_append(dialogue_id=DialogueFactory().pk, speaker="narrator", text="Once upon a time")
    assert refused.value.code == "bad_speaker"


def test_submitted_dialogue_refuses_new_turns():
    dialogue = DialogueFactory()
    turn_append(dialogue_id=dialogue.pk, speaker=Speaker.CHARACTER, text="hello")
    dialogue_set_status(dialogue=dialogue, status=DialogueStatus.SUBMITTED)
    with pytest.raises(TurnRefused) as refused:
        turn_append(dialogue_id=dialogue.pk, speaker=Speaker.PLAYER, text="too late")
    assert refused.value.code == "dialogue_closed"
    assert dialogue.turns.count() == 1


def test_turn_has_one_author_at_most():
    dialogue = DialogueFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        TurnFactory(
            dialogue=dialogue,
            seq=1,
            author_user=dialogue.player_persona.author or _user(),
            author_model=ModelVersionFactory(),
        )


def _user():
    from tests.factories import UserFactory

    return UserFactory()


def test_human_machine_dialogue_must_name_its_model():
    with pytest.raises(IntegrityError), transaction.atomic():
        DialogueFactory(source="human_machine", model_version=None)
