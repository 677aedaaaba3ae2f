"""The authorization matrix of every WebSocket route: each role, anonymous, and object ownership.

Through the real ASGI application (origin check, session authentication, routing). Outcomes:
``open`` (accepted and kept open), ``403`` (refused at the handshake), ``4403`` (accepted, then an
``error`` frame and close 4403: signed in with the role, but not theirs). Progress topics have their
own matrix per object kind in test_progress.py. The chat route is walked twice: a pairing of two
workers (``live``) and an evaluator's pointwise session with a blind model (``evaluation_live``),
whose evaluator here is an annotator qualified to evaluate.
"""

import copy
import os

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from evaluation import services as evaluation
from exports.services import export_build_create
from platform_core.asgi import application
from platform_core.roles import Role
from platform_core.routing import websocket_urlpatterns
from tests.factories import (
    CharacterFactory,
    ExportSpecFactory,
    ModelVersionFactory,
    PlayerPersonaFactory,
    UserFactory,
)
from tests.roleplay.live_helpers import make_worker, pair

pytestmark = [pytest.mark.django_db(transaction=True)]

ROUTES = {"ws/progress/<str:topic>/", "ws/roleplay/queue/", "ws/roleplay/live/<int:session_id>/"}
WHO = ("anonymous", "admin", "researcher", "annotator", "crowdworker", "character_seat", "player_seat", "evaluator")
MATRIX = {
    "progress": dict(zip(WHO, ("403", "open", "open", "403", "403", "403", "403", "403"), strict=True)),
    "queue": dict(zip(WHO, ("403", "403", "403", "403", "open", "open", "open", "403"), strict=True)),
    "live": dict(zip(WHO, ("403", "403", "4403", "4403", "4403", "open", "open", "4403"), strict=True)),
    "evaluation_live": dict(zip(WHO, ("403", "403", "4403", "4403", "4403", "4403", "4403", "open"), strict=True)),
}


@pytest.fixture(autouse=True)
def layer(settings):
    if not os.environ.get("REDIS_URL"):
        settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    else:
        settings.CHANNEL_LAYERS = copy.deepcopy(settings.CHANNEL_LAYERS)


def test_the_matrix_covers_every_websocket_route():
    assert {str(pattern.pattern) for pattern in websocket_urlpatterns} == ROUTES


def _world() -> tuple[dict[str, str], dict[str, bytes | None]]:
    from django.test import Client

    CharacterFactory()
    PlayerPersonaFactory()
    seats = make_worker(character=True), make_worker(player=True)
    session = pair(*seats)
    users = {
        "admin": UserFactory(roles=[Role.ADMIN]),
        "researcher": UserFactory(roles=[Role.RESEARCHER]),
        "annotator": UserFactory(roles=[Role.ANNOTATOR]),
        "crowdworker": make_worker(character=True, player=True),
        "character_seat": seats[0],
        "player_seat": seats[1],
        "evaluator": UserFactory(roles=[Role.ANNOTATOR], profile__can_evaluate=True),
    }
    campaign = evaluation.campaign_create(
        slug="ws",
        title="WebSocket matrix",
        contestants=[ModelVersionFactory()],
        characters=[CharacterFactory(greeting="Hello.")],
        created_by=users["researcher"],
        modes=["pointwise"],
    )
    evaluation.campaign_open(campaign=campaign, actor=users["researcher"])
    pointwise = evaluation.assignment_next(campaign=campaign, evaluator=users["evaluator"], mode="pointwise")
    cookies: dict[str, bytes | None] = {"anonymous": None}
    for name, user in users.items():
        client = Client()
        client.force_login(user)
        cookies[name] = f"sessionid={client.cookies['sessionid'].value}".encode()
    build = export_build_create(spec=ExportSpecFactory(), enqueue=False)
    paths = {
        "progress": f"/ws/progress/{build.progress_topic}/",
        "queue": "/ws/roleplay/queue/",
        "live": f"/ws/roleplay/live/{session.pk}/",
        "evaluation_live": f"/ws/roleplay/live/{pointwise.live_session_id}/",
    }
    return paths, cookies


async def _outcome(path: str, cookie: bytes | None) -> str:
    headers = [(b"host", b"localhost:8000"), (b"origin", b"http://localhost:8000")]
    if cookie:
        headers.append((b"cookie", cookie))
    comm = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await comm.connect()
    if not connected:
        return "403"
    while True:
        output = await comm.receive_output(timeout=3) if not await comm.receive_nothing(timeout=0.3) else None
        if output is None:
            await comm.disconnect()
            return "open"
        if output["type"] == "websocket.close":
            return str(output.get("code"))


@pytest.mark.parametrize("route", list(MATRIX))
async def test_each_identity_reaches_exactly_the_websockets_it_may(route):
    paths, cookies = await sync_to_async(_world)()
    outcomes = {who: await _outcome(paths[route], cookies[who]) for who in WHO}
    assert outcomes == MATRIX[route]
