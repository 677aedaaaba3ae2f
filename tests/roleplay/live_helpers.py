"""Helpers for live role-play tests: paired workers, a session, WebSocket communicators."""

from __future__ import annotations

from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator

from platform_core.roles import Role
from roleplay.live import matchmaking, queue
from roleplay.models import LiveSession
from tests.factories import UserFactory

CHARACTER_IDENTITY = "A retired lighthouse keeper who counts the ships passing the northern cape every night."


def make_worker(*, character: bool = False, player: bool = False, **kwargs):
    return UserFactory(
        roles=[Role.CROWDWORKER], profile__can_play_character=character, profile__can_play_player=player, **kwargs
    )


def pair(character_worker, player_worker) -> LiveSession:
    queue.queue_join(worker=character_worker, side="character")
    queue.queue_join(worker=player_worker, side="player")
    sessions = matchmaking.matchmaker_run()
    assert len(sessions) == 1
    return sessions[0]


def application():
    from platform_core.routing import websocket_urlpatterns

    return URLRouter(websocket_urlpatterns)


def communicator(user, path: str) -> WebsocketCommunicator:
    comm = WebsocketCommunicator(application(), path)
    comm.scope["user"] = user
    return comm


async def receive_until(comm: WebsocketCommunicator, kind: str, *, timeout: float = 3.0, **match) -> dict:
    """Frames until one of type ``kind`` (whose fields equal ``match``); returns it."""
    while True:
        frame = await comm.receive_json_from(timeout=timeout)
        if frame.get("type") == kind and all(frame.get(k) == v for k, v in match.items()):
            return frame


async def drain(comm: WebsocketCommunicator, *, timeout: float = 0.2) -> list[dict]:
    frames = []
    while not await comm.receive_nothing(timeout=timeout):
        frames.append(await comm.receive_json_from())
    return frames
