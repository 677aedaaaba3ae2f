"""Human–machine chat over WebSocket: streamed model replies, regenerate, edit, finish, and refusals."""

import uuid

import pytest
from asgiref.sync import async_to_sync
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.urls import reverse

from roleplay.models import DialogueSource, Turn
from tests.factories import CharacterFactory, ModelVersionFactory
from training.human_machine import ChatRefused, hm_dialogue_start
from training.models import DiscardedReply
from training.routing import websocket_urlpatterns
from training.services import model_version_deploy

# The consumer's database_sync_to_async closes "obsolete" connections; on PostgreSQL that would
# close the connection holding a test-wrapping transaction, so these tests commit for real.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def deployed(researcher, tiny_model_dir):
    version = ModelVersionFactory(
        base_model=str(tiny_model_dir),
        weights_path="",
        generation=2,
        generation_settings={"temperature": 1.0, "max_new_tokens": 6, "min_new_tokens": 6},
    )
    model_version_deploy(version=version, actor=researcher)
    return version


async def _open(user, dialogue_id):
    communicator = WebsocketCommunicator(URLRouter(websocket_urlpatterns), f"/ws/training/chat/{dialogue_id}/")
    communicator.scope["user"] = user
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def _until_model_turn(communicator) -> list[dict]:
    frames = []
    while True:
        frame = await communicator.receive_json_from(timeout=60)
        frames.append(frame)
        assert frame["type"] != "error", frame
        if frame["type"] == "turn" and frame["speaker"] == "character":
            return frames


def test_worker_regenerates_then_corrects_the_model_reply_and_both_texts_are_kept(crowdworker, deployed):
    dialogue = hm_dialogue_start(worker=crowdworker, character=CharacterFactory(greeting="Hello there."))
    assert dialogue.source == DialogueSource.HUMAN_MACHINE and dialogue.model_version == deployed
    greeting = Turn.objects.get(dialogue=dialogue, seq=1)
    assert greeting.author_model == deployed

    async def scenario():
        ws = await _open(crowdworker, dialogue.pk)
        assert [(await ws.receive_json_from())["type"] for _ in range(2)] == ["welcome", "session"]
        await ws.send_json_to({"type": "message", "client_msg_id": str(uuid.uuid4()), "text": "Is the lamp lit?"})
        first = (await _until_model_turn(ws))[-1]
        await ws.send_json_to({"type": "regenerate"})
        again = await _until_model_turn(ws)
        await ws.send_json_to({"type": "edit", "seq": first["seq"], "text": "Yes, it burns all night."})
        edited = await ws.receive_json_from(timeout=10)
        await ws.disconnect()
        return first, again, edited

    first, again, edited = async_to_sync(scenario)()
    assert first["seq"] == 3 and first["model"] is True
    streams = [f for f in again if f["type"] == "stream"]
    assert streams and all(f["replace_seq"] == 3 for f in streams)
    regenerated = again[-1]
    assert regenerated["seq"] == 3 and regenerated["replaced"] is True
    assert DiscardedReply.objects.get(dialogue=dialogue, seq=3).text == first["text"]
    assert edited["type"] == "turn" and edited["edited"] is True and edited["text"] == "Yes, it burns all night."

    turn = Turn.objects.get(dialogue=dialogue, seq=3)
    assert turn.text == "Yes, it burns all night."
    assert turn.original_text == regenerated["text"]  # the model's own reply, before the correction
    assert turn.author_model == deployed and turn.author_user is None
    assert Turn.objects.filter(dialogue=dialogue).count() == 3


def test_worker_cannot_open_another_workers_chat(crowdworker, make_user, deployed):
    dialogue = hm_dialogue_start(worker=crowdworker, character=CharacterFactory())
    other = make_user("crowdworker")

    async def scenario():
        ws = await _open(other, dialogue.pk)
        frame = await ws.receive_json_from()
        closed = await ws.receive_output()
        return frame, closed

    frame, closed = async_to_sync(scenario)()
    assert frame == {"type": "error", "code": "not_your_session", "message": frame["message"]}
    assert closed == {"type": "websocket.close", "code": 4403}


def test_annotator_is_refused_by_the_chat_socket(annotator, crowdworker, deployed):
    dialogue = hm_dialogue_start(worker=crowdworker, character=CharacterFactory())

    async def scenario():
        communicator = WebsocketCommunicator(URLRouter(websocket_urlpatterns), f"/ws/training/chat/{dialogue.pk}/")
        communicator.scope["user"] = annotator
        return await communicator.connect()

    connected, code = async_to_sync(scenario)()
    assert connected is False and code == 4403


def test_bad_frames_get_error_codes_and_store_nothing(crowdworker, deployed):
    dialogue = hm_dialogue_start(worker=crowdworker, character=CharacterFactory(greeting=""))

    async def scenario():
        ws = await _open(crowdworker, dialogue.pk)
        for _ in range(2):
            await ws.receive_json_from()
        answers = []
        for frame in (
            {"type": "message", "client_msg_id": "not-a-uuid", "text": "hi"},
            {"type": "message", "client_msg_id": str(uuid.uuid4()), "text": "   "},
            {"type": "regenerate"},
            {"type": "edit", "seq": 1, "text": "x"},
            {"type": "finish", "rating": 9},
            {"type": "dance"},
        ):
            await ws.send_json_to(frame)
            answers.append((await ws.receive_json_from())["code"])
        await ws.disconnect()
        return answers

    assert async_to_sync(scenario)() == [
        "bad_client_msg_id",
        "empty",
        "nothing_to_regenerate",
        "not_a_model_turn",
        "bad_rating",
        "bad_frame",
    ]
    assert not Turn.objects.filter(dialogue=dialogue).exists()


def test_no_chat_opens_while_no_model_is_deployed(client, crowdworker):
    with pytest.raises(ChatRefused) as refused:
        hm_dialogue_start(worker=crowdworker, character=CharacterFactory())
    assert refused.value.code == "no_model_deployed"
    client.force_login(crowdworker)
    assert b'data-testid="no-model"' in client.get(reverse("training:chat-start")).content


def test_chat_page_starts_a_dialogue_with_the_deployed_model(client, crowdworker, deployed):
    character = CharacterFactory()
    client.force_login(crowdworker)
    response = client.post(reverse("training:chat-start"), {"character": character.pk})
    dialogue = crowdworker.dialogues_as_player.get()
    assert response["Location"] == reverse("training:chat", args=[dialogue.pk])
    page = client.get(response["Location"]).content.decode()
    assert f"/ws/training/chat/{dialogue.pk}/" in page and deployed.name in page
