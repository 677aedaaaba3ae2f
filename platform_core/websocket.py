"""What every WebSocket of Troupe shares: the origin check and the JSON frame plumbing.

``SameOriginValidator`` admits a handshake only when its ``Origin`` is the site itself (scheme, host
and port of the request) or one of ``CSRF_TRUSTED_ORIGINS``. ``JsonFrameConsumer`` turns every
frame a client can send into a handler call or an ``error`` frame: text that is not JSON, JSON
nested too deep, binary frames, frames over ``WS_MAX_FRAME_CHARS``, more than
``WS_MAX_FRAMES_PER_S`` frames a second, and a handler that fails unexpectedly are all answered
with an ``error`` frame, and the connection stays open (docs/chat-protocol.md, "Frames and limits").
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar
from urllib.parse import urlsplit

from channels.consumer import get_handler_name
from channels.db import DatabaseSyncToAsync
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.db import connection
from django.http.request import split_domain_port, validate_host
from django.utils.translation import gettext as _

from platform_core.errors import Refused

logger = logging.getLogger(__name__)

try:  # what uvicorn raises for a send to a socket the client has closed (daphne drops such sends)
    from uvicorn.protocols.utils import ClientDisconnected as ClientGone
except ImportError:  # pragma: no cover - a deployment without uvicorn
    ClientGone = ()  # type: ignore[assignment,misc]

FrameHandler = Callable[[dict], Awaitable[None]]
P = ParamSpec("P")
R = TypeVar("R")


def db_call(function: Callable[P, R]) -> Callable[P, Awaitable[R]]:
    """``function`` (a service that uses the database) as a coroutine run in the event loop's thread pool.

    Channels' ``database_sync_to_async`` runs every call of a process on one shared thread by
    default (``thread_sensitive``): one slow call, a matchmaker pass or a lock wait, then holds up
    every socket of the process behind it. Here each call takes any free thread of the pool (each
    thread keeps its own database connection, closed when stale before and after the call, as
    ``database_sync_to_async`` does). Nothing is lost by leaving the shared thread: a consumer
    awaits each call before the next, and services order concurrent work by row locks.

    SQLite keeps the one shared thread: it takes one writer at a time anyway, and an in-memory
    database (the tests') refuses a second writer at once instead of waiting for the first.
    """
    return DatabaseSyncToAsync(function, thread_sensitive=connection.vendor == "sqlite")


_DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin_tuple(origin: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an origin such as ``https://example.org:8443``; None if it is not one."""
    try:
        parts = urlsplit(origin)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname or parts.path not in ("", "/"):
        return None
    return scheme, parts.hostname.lower(), port or _DEFAULT_PORTS[scheme]


def _header(scope: dict, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return value.decode("latin1")
    return None


def _secure(scope: dict) -> bool:
    if scope.get("scheme") in ("wss", "https"):
        return True
    proxy = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if proxy:
        header, value = proxy
        name = header.removeprefix("HTTP_").replace("_", "-").lower().encode()
        return _header(scope, name) == value
    return False


def websocket_origin_allowed(scope: dict) -> bool:
    """The ``Origin`` is this site (same scheme, host and port as the request) or a trusted origin."""
    origin = _header(scope, b"origin")
    wanted = _origin_tuple(origin) if origin else None
    if wanted is None:
        return False
    trusted = {_origin_tuple(entry) for entry in settings.CSRF_TRUSTED_ORIGINS}
    if wanted in trusted:
        return True
    host = _header(scope, b"host")
    if not host:
        return False
    domain, _port = split_domain_port(host)
    if not domain or not validate_host(domain, settings.ALLOWED_HOSTS):
        return False
    own = _origin_tuple(("https://" if _secure(scope) else "http://") + host)
    return own is not None and own == wanted


class SameOriginValidator:
    """ASGI middleware: refuse (HTTP 403 at the handshake) a WebSocket from any other origin."""

    def __init__(self, application) -> None:
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket" and not websocket_origin_allowed(scope):
            return await WebsocketDenier()(scope, receive, send)
        return await self.application(scope, receive, send)


class FrameRate:
    """A token bucket per socket: ``rate`` frames a second on average, bursts up to ``burst``."""

    def __init__(self, rate: float, burst: float) -> None:
        self.rate, self.burst = rate, burst
        self.tokens, self.stamp = burst, time.monotonic()
        self.warned_at = 0.0

    def allow(self) -> bool:
        if self.rate <= 0:
            return True
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False

    def should_warn(self) -> bool:
        """One ``rate_limited`` error a second at most, so refusals do not become a flood too."""
        now = time.monotonic()
        if now - self.warned_at >= 1.0:
            self.warned_at = now
            return True
        return False


class JsonFrameConsumer(AsyncJsonWebsocketConsumer):
    """JSON frames with a ``type``, each mapped to a handler; nothing a client sends ends the socket."""

    rate: FrameRate | None = None

    async def dispatch(self, message: dict) -> None:
        """Channels' dispatch, without its per-event ``close_old_connections`` hop.

        Channels runs ``close_old_connections`` on the one thread-sensitive thread before every
        event (each WebSocket frame, each channel-layer message): one serialised thread hop per
        event for the whole process, which capped the live chat's throughput. These consumers never
        use the database on the event loop; every database call goes through ``db_call``, which
        closes stale connections of its own thread before and after the call, so the extra hop
        guards nothing here.
        """
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    def frame_handlers(self) -> dict[str, FrameHandler]:
        return {}

    def ready_for_frames(self) -> bool:
        """False while the connection is not (or no longer) bound to its subject: frames are ignored."""
        return True

    async def send_error(self, code: str, message: str, **extra: object) -> None:
        await self.send_json({"type": "error", "code": code, "message": message, **extra})

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs) -> None:
        if not self.ready_for_frames():
            return
        if self.rate is None:
            self.rate = FrameRate(settings.WS_MAX_FRAMES_PER_S, settings.WS_FRAME_BURST)
        limit = settings.WS_MAX_FRAME_CHARS
        readable = text_data is not None and not (limit and len(text_data) > limit)
        content = await self.decode_json(text_data) if readable else None
        if not self.rate.allow():
            await self._refuse_over_rate(content)
        elif text_data is None:
            await self.send_error("bad_frame", _("Send text frames holding JSON; binary frames are not accepted."))
        elif not readable:
            await self.send_error("bad_frame", _("A frame has at most %(limit)d characters.") % {"limit": limit})
        else:
            await self.receive_json(content, **kwargs)

    async def _refuse_over_rate(self, content: object) -> None:
        """A frame over the rate is ignored. A refused request that the client must send again (a
        ``message``) is always answered, naming it; other frames get one error a second at most."""
        context = {}
        if isinstance(content, dict) and isinstance(content.get("type"), str):
            context = self.error_context(content["type"], content)
        if context or self.rate.should_warn():
            await self.send_error(
                "rate_limited",
                _("Too many frames: at most %(rate)s a second. Frames over the limit were ignored.")
                % {"rate": settings.WS_MAX_FRAMES_PER_S},
                **context,
            )

    @classmethod
    async def decode_json(cls, text_data: str) -> object:
        try:
            return json.loads(text_data)
        except (ValueError, RecursionError):
            return None  # not JSON, or nested too deep: answered with ``bad_frame`` in receive_json

    async def receive_json(self, content: object, **kwargs) -> None:
        if not isinstance(content, dict) or not isinstance(content.get("type"), str):
            await self.send_error("bad_frame", _("Send a JSON object with a type."))
            return
        kind = content["type"]
        handler = self.frame_handlers().get(kind)
        if handler is None:
            await self.send_error("bad_frame", _("Unknown frame type %(type)s.") % {"type": kind[:50]})
            return
        try:
            await handler(content)
        except Refused as refused:
            await self.send_error(refused.code, refused.message, **self.error_context(kind, content))
        except ClientGone:
            return  # the client closed the socket while its frame was handled: no one to answer
        except Exception:
            # A defect, not the client's fault: log it and keep the connection (nothing was stored:
            # every service is one transaction).
            logger.exception("WebSocket frame %r failed", kind[:50])
            await self.send_error(
                "server_error",
                _("Something went wrong on the server; nothing was stored. Try again."),
                **self.error_context(kind, content),
            )

    def error_context(self, kind: str, content: dict) -> dict:
        """Fields of the request echoed in its ``error`` frame (e.g. a message's ``client_msg_id``)."""
        return {}
