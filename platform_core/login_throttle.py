"""Sign-in throttling with django-axes: the backend, the client address it counts, the lockout answer.

Every HTTP sign-in (the login page, the Django admin, ``POST /api/token/``) goes through Django's
``authenticate(request, …)``; django-axes records each failure, and once an account or a client
address reaches ``AXES_FAILURE_LIMIT`` failures, further tries from it are refused for
``AXES_COOLOFF_TIME`` hours, the right password included. A success resets the account's count.
"""

from __future__ import annotations

from datetime import timedelta

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

LOCKED_OUT_STATUS = 429


class LoginThrottleBackend(AxesStandaloneBackend):
    """django-axes' lockout check for sign-ins made over HTTP.

    Calls without a request (``manage.py`` commands, the test client's ``login``) are not
    attempts from a client address, so they are not counted and pass through to the next backend.
    """

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs
    ):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def client_ip(request: HttpRequest) -> str:
    """The client's address: the socket's, or the one ``TRUSTED_PROXY_COUNT`` proxies vouch for.

    Each trusted proxy appends the address it received from to X-Forwarded-For, so the entry that
    many places from the right is the last one no client could have forged.
    """
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if proxies > 0 and len(forwarded) >= proxies:
        return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")


def _cooloff_minutes() -> int:
    hours = settings.AXES_COOLOFF_TIME
    cooloff = hours if isinstance(hours, timedelta) else timedelta(hours=float(hours))
    return max(1, round(cooloff.total_seconds() / 60))


def lockout_message() -> str:
    return _("Too many failed sign-in attempts. Try again in %(minutes)d minutes.") % {"minutes": _cooloff_minutes()}


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict | None = None
) -> HttpResponse:
    """429 with the reason: JSON for the API, a page for people."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": lockout_message(), "code": "locked_out"}, status=LOCKED_OUT_STATUS)
    return render(request, "platform_core/locked_out.html", {"message": lockout_message()}, status=LOCKED_OUT_STATUS)
