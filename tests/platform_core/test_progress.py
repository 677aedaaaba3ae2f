"""Progress over WebSocket: topics authorized like their objects, same-origin handshakes."""

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from annotation.models import LiteraryWork
from exports.services import export_build_create
from platform_core.asgi import application
from platform_core.progress import progress_publish
from platform_core.roles import Role
from tests.factories import ExportSpecFactory, SynthesisBatchFactory, UserFactory
from training.models import TrainingJob

pytestmark = [pytest.mark.django_db(transaction=True)]

SITE = [(b"host", b"localhost:8000")]


def _signed_in_cookie(user) -> bytes:
    from django.test import Client

    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


async def _communicator(path: str, user=None, origin: bytes = b"http://localhost:8000", headers=SITE):
    cookie = [(b"cookie", await sync_to_async(_signed_in_cookie)(user))] if user is not None else []
    return WebsocketCommunicator(application, path, headers=[*headers, (b"origin", origin), *cookie])


async def _connects(path: str, user=None, **kwargs) -> bool:
    communicator = await _communicator(path, user, **kwargs)
    connected, _ = await communicator.connect()
    if connected:
        await communicator.disconnect()
    return connected


def _subjects() -> dict[str, str]:
    """One object of each kind that reports progress, by kind: its topic."""
    build = export_build_create(spec=ExportSpecFactory(), enqueue=False)
    job = TrainingJob.objects.create(name="job", export_build=build, base_model="/models/tiny")
    work = LiteraryWork.objects.create(title="A novel", language="en")
    return {
        "export": build.progress_topic,
        "training": job.progress_topic,
        "synthesis": SynthesisBatchFactory().progress_topic,
        "work": f"work-{work.pk}",
    }


# Who may watch which topic: exactly those who may open the object's pages.
MATRIX = {
    Role.ADMIN: {"export": True, "training": True, "synthesis": True, "work": True},
    Role.RESEARCHER: {"export": True, "training": True, "synthesis": True, "work": True},
    Role.ANNOTATOR: {"export": False, "training": False, "synthesis": False, "work": True},
    Role.CROWDWORKER: {"export": False, "training": False, "synthesis": False, "work": False},
}


@pytest.mark.parametrize("role", list(MATRIX))
async def test_progress_topics_are_authorized_like_the_object_they_report_on(role):
    topics = await sync_to_async(_subjects)()
    user = await sync_to_async(UserFactory)(roles=[role])
    allowed = {kind: await _connects(f"/ws/progress/{topic}/", user) for kind, topic in topics.items()}
    assert allowed == MATRIX[role]


@pytest.mark.parametrize("topic", ["export-999999", "export-abc", "nothing-1", "export-", "export-1-2", "x"])
async def test_progress_topics_naming_no_object_are_refused_even_to_admins(topic):
    admin = await sync_to_async(UserFactory)(roles=[Role.ADMIN])
    assert not await _connects(f"/ws/progress/{topic}/", admin)


async def test_researcher_receives_progress_of_the_build_they_watch_and_nothing_else():
    topics = await sync_to_async(_subjects)()
    user = await sync_to_async(UserFactory)(roles=[Role.RESEARCHER])
    communicator = await _communicator(f"/ws/progress/{topics['export']}/", user)
    connected, _ = await communicator.connect()
    assert connected
    await sync_to_async(progress_publish)(topic=topics["training"], percent=10)
    await sync_to_async(progress_publish)(topic=topics["export"], percent=42.25, message="writing train split")
    assert await communicator.receive_json_from(timeout=3) == {
        "type": "progress",
        "topic": topics["export"],
        "percent": 42.2,
        "message": "writing train split",
    }
    assert await communicator.receive_nothing(timeout=0.3)
    await communicator.disconnect()


async def test_a_progress_frame_relays_the_detail_the_page_shows():
    topic = (await sync_to_async(_subjects)())["training"]
    user = await sync_to_async(UserFactory)(roles=[Role.RESEARCHER])
    communicator = await _communicator(f"/ws/progress/{topic}/", user)
    connected, _ = await communicator.connect()
    assert connected
    detail = {"status": "running", "current_step": 4, "log_tail": "step 4\n"}
    await sync_to_async(progress_publish)(topic=topic, percent=40, message="step 4/10", detail=detail)
    frame = await communicator.receive_json_from(timeout=3)
    assert (frame["message"], frame["detail"]) == ("step 4/10", detail)
    await communicator.disconnect()


async def test_anonymous_visitor_cannot_watch_progress():
    topics = await sync_to_async(_subjects)()
    assert not await _connects(f"/ws/progress/{topics['export']}/")


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        (b"http://localhost:8000", True),
        (b"http://LOCALHOST:8000", True),
        (b"http://localhost:8001", False),  # another port
        (b"https://localhost:8000", False),  # another scheme
        (b"http://localhost", False),  # the default port is another port
        (b"http://evil.example", False),
        (b"null", False),
        (b"", False),
    ],
)
async def test_only_the_sites_own_origin_opens_a_websocket(origin, allowed):
    topics = await sync_to_async(_subjects)()
    admin = await sync_to_async(UserFactory)(roles=[Role.ADMIN])
    assert await _connects(f"/ws/progress/{topics['export']}/", admin, origin=origin) is allowed


async def test_a_host_outside_allowed_hosts_is_refused_even_with_a_matching_origin():
    topics = await sync_to_async(_subjects)()
    admin = await sync_to_async(UserFactory)(roles=[Role.ADMIN])
    path = f"/ws/progress/{topics['export']}/"
    assert not await _connects(path, admin, origin=b"http://evil.example", headers=[(b"host", b"evil.example")])


async def test_trusted_origins_are_compared_by_scheme_host_and_port(settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://app.example:8443"]
    topics = await sync_to_async(_subjects)()
    admin = await sync_to_async(UserFactory)(roles=[Role.ADMIN])
    path = f"/ws/progress/{topics['export']}/"
    assert await _connects(path, admin, origin=b"https://app.example:8443")
    assert not await _connects(path, admin, origin=b"https://app.example")
    assert not await _connects(path, admin, origin=b"http://app.example:8443")


async def test_behind_a_tls_proxy_the_https_origin_is_the_sites_own(settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    topics = await sync_to_async(_subjects)()
    admin = await sync_to_async(UserFactory)(roles=[Role.ADMIN])
    path = f"/ws/progress/{topics['export']}/"
    proxied = [*SITE, (b"x-forwarded-proto", b"https")]
    assert await _connects(path, admin, origin=b"https://localhost:8000", headers=proxied)
    assert not await _connects(path, admin, origin=b"http://localhost:8000", headers=proxied)
