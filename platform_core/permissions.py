"""The one place where roles are checked: pages, API endpoints and WebSockets all call in here.

Every view declares the roles it admits with ``requires_roles(...)`` (or ``public``); the
authorization test walks all routes and fails on any view that declares nothing.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from rest_framework.permissions import BasePermission

from platform_core.roles import Role

ANY_ROLE: tuple[str, ...] = tuple(Role.values)
PUBLIC: tuple[str, ...] = ("public",)  # a pseudo-role: anyone, signed in or not
# Workforce: every signed-in account may see its own units, money and qualifications (workers
# see only their own); reviewing work, paying and managing workers is for admins.
WORKFORCE_SELF: tuple[str, ...] = ANY_ROLE
WORKFORCE_ADMINS: tuple[str, ...] = (Role.ADMIN,)


def has_role(user: Any, roles: Iterable[str]) -> bool:
    """True when ``user`` is an active, signed-in account holding one of ``roles``."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return bool(user.role_codes.intersection(roles))


def allows(user: Any, required_roles: tuple[str, ...] | None) -> bool:
    if not required_roles:
        return False  # an undeclared view, or one that declares no role, admits nobody
    if required_roles == PUBLIC:
        return True
    return has_role(user, required_roles)


def page_refused(request: HttpRequest, required_roles: tuple[str, ...]) -> HttpResponse:
    """What a page answers a visitor it does not admit: a signed-out visitor goes to the login page;
    a signed-in one gets 403 naming the roles the page needs (sending them to the login page, which
    sends a signed-in user straight back, would loop)."""
    user = request.user
    if user is None or not getattr(user, "is_authenticated", False):
        return redirect_to_login(request.get_full_path())
    context = {
        "required_roles": [Role(code).label for code in required_roles if code in Role.values],
        "held_roles": [Role(code).label for code in sorted(user.role_codes) if code in Role.values],
    }
    return render(request, "platform_core/forbidden.html", context, status=403)


def requires_roles(*roles: str) -> Callable:
    """Page decorator: admits a user holding one of ``roles``; see ``page_refused`` for the others."""
    required = tuple(roles) or ANY_ROLE

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not allows(request.user, required):
                return page_refused(request, required)
            return view(request, *args, **kwargs)

        wrapper.required_roles = required
        return wrapper

    return decorate


def public(view: Callable) -> Callable:
    view.required_roles = PUBLIC
    return view


def view_required_roles(view: Any, action: str | None = None) -> tuple[str, ...] | None:
    """The roles a view (function, class-based view or DRF view, or its ``as_view()``) declares."""
    declared = getattr(view, "required_roles", None)
    for holder in ("view_class", "cls"):
        if declared is None and hasattr(view, holder):
            declared = getattr(getattr(view, holder), "required_roles", None)
    if isinstance(declared, dict):
        return declared.get(action, declared.get("*"))
    return declared


class HasRequiredRole(BasePermission):
    """DRF permission reading ``required_roles`` (a tuple, or a dict keyed by viewset action)."""

    message = "Your roles do not allow this."

    def has_permission(self, request, view) -> bool:
        return allows(request.user, view_required_roles(view, getattr(view, "action", None)))


def websocket_allows(scope: dict, roles: Iterable[str]) -> bool:
    """Reads the user's roles from the database: consumers call it through ``platform_core.websocket.db_call``."""
    return has_role(scope.get("user"), roles)


# Evaluation campaigns: researchers run them, admins watch them, qualified workers judge (the
# ``can_evaluate`` qualification is checked by the evaluation services on top of the role).
EVALUATION_MANAGERS: tuple[str, ...] = (Role.RESEARCHER,)
EVALUATION_VIEWERS: tuple[str, ...] = (Role.RESEARCHER, Role.ADMIN)
EVALUATORS: tuple[str, ...] = (Role.CROWDWORKER, Role.ANNOTATOR, Role.RESEARCHER)

# Live role-play. The waiting room (hence every pairing of two workers) is for crowdworkers. The
# chat also serves rounds with a model, which researchers may start, and evaluators' pointwise
# sessions; anyone else admitted here only ever holds a seat of a session opened for them: which
# seat a user holds is the session's own check (``not_your_session``).
LIVE_QUEUE_ROLES: tuple[str, ...] = (Role.CROWDWORKER,)
LIVE_CHAT_ROLES: tuple[str, ...] = tuple(dict.fromkeys((Role.CROWDWORKER, Role.RESEARCHER, *EVALUATORS)))


def requires_roles_async(*roles: str) -> Callable:
    """``requires_roles`` for ``async def`` views (e.g. a streamed response): the same decision,
    made without blocking the event loop."""
    from asgiref.sync import sync_to_async

    required = tuple(roles) or ANY_ROLE

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        async def wrapper(request, *args, **kwargs):
            user = await request.auser()
            if not await sync_to_async(allows)(user, required):
                return await sync_to_async(page_refused)(request, required)
            return await view(request, *args, **kwargs)

        wrapper.required_roles = required
        return wrapper

    return decorate


@dataclass(frozen=True)
class ProgressTopic:
    """A kind of progress topic (``<prefix>-<pk>``) and who may watch it: those who may see its object.

    Each app declares its topics in ``<app>/progress_topics.py`` as ``PROGRESS_TOPICS = {prefix:
    ProgressTopic(...)}``; ``roles`` are the roles of the object's pages, ``visible`` an optional
    object-level check (e.g. ownership) on top of them.
    """

    model: type
    roles: tuple[str, ...]
    visible: Callable[[Any, Any], bool] | None = None


def progress_topics() -> dict[str, ProgressTopic]:
    from platform_core.app_routes import app_modules

    topics: dict[str, ProgressTopic] = {}
    for _app, module in app_modules("progress_topics"):
        topics.update(module.PROGRESS_TOPICS)
    return topics


def progress_topic_allows(user: Any, topic: str) -> bool:
    """Whether ``user`` may watch ``topic``: it names an existing object that ``user`` may see.

    Reads the database: consumers call it through ``platform_core.websocket.db_call``.
    """
    prefix, _dash, pk = topic.rpartition("-")
    kind = progress_topics().get(prefix)
    if kind is None or not pk.isascii() or not pk.isdigit() or len(pk) > 18 or not has_role(user, kind.roles):
        return False
    subject = kind.model._default_manager.filter(pk=int(pk)).first()
    return subject is not None and (kind.visible is None or kind.visible(user, subject))


def websocket_progress_allows(scope: dict, topic: str) -> bool:
    """``progress_topic_allows`` for a WebSocket's user (call it through ``platform_core.websocket.db_call``)."""
    return progress_topic_allows(scope.get("user"), topic)


def owned_by(user: Any, queryset: Any, owner_field: str = "author") -> Any:
    """The rows of ``queryset`` that ``user`` owns (``owner_field``); admins see every row."""
    if has_role(user, (Role.ADMIN,)):
        return queryset
    if user is None or not getattr(user, "is_authenticated", False):
        return queryset.none()
    return queryset.filter(**{owner_field: user})
