import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from platform_core.asgi import application
from platform_core.progress import progress_publish
from platform_core.roles import Role
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db(transaction=True)]


def _signed_in_cookie(user) -> bytes:
    from django.test import Client

    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


async def _communicator(path: str, user, origin: bytes = b"http://localhost") -> WebsocketCommunicator:
    cookie = await sync_to_async(_signed_in_cookie)(user)
    return WebsocketCommunicator(application, path, headers=[(b"origin", origin), (b"cookie", cookie)])


async def test_signed_in_user_receives_progress_for_the_topic_they_watch():
    user = await sync_to_async(UserFactory)(roles=[Role.RESEARCHER])
    communicator = await _communicator("/ws/progress/export-7/", user)
    connected, _ = await communicator.connect()
    assert connected
    await sync_to_async(progress_publish)(topic="export-8", percent=10)
    await sync_to_async(progress_publish)(topic="export-7", percent=42.25, message="writing train split")
    assert await communicator.receive_json_from(timeout=3) == {
        "type": "progress",
        "topic": "export-7",
        "percent": 42.2,
        "message": "writing train split",
    }
    assert await communicator.receive_nothing(timeout=0.3)
    await communicator.disconnect()


async def test_a_progress_frame_relays_the_detail_the_page_shows():
    user = await sync_to_async(UserFactory)(roles=[Role.RESEARCHER])
    communicator = await _communicator("/ws/progress/training-3/", user)
    connected, _ = await communicator.connect()
    assert connected
    detail = {"status": "running", "current_step": 4, "log_tail": "step 4\n"}
    await sync_to_async(progress_publish)(topic="training-3", percent=40, message="step 4/10", detail=detail)
    frame = await communicator.receive_json_from(timeout=3)
    assert (frame["message"], frame["detail"]) == ("step 4/10", detail)
    await communicator.disconnect()


async def test_anonymous_visitor_cannot_watch_progress():
    communicator = WebsocketCommunicator(
        application, "/ws/progress/export-7/", headers=[(b"origin", b"http://localhost")]
    )
    connected, code = await communicator.connect()
    assert not connected and code == 4403


async def test_foreign_origin_is_refused():
    user = await sync_to_async(UserFactory)(roles=[Role.ADMIN])
    communicator = await _communicator("/ws/progress/x/", user, origin=b"http://evil.example")
    connected, _ = await communicator.connect()
    assert not connected
