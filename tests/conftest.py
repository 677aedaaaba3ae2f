"""Shared fixtures. ``TROUPE_TESTING`` is set before Django reads its settings (see the top)."""

import os

os.environ.setdefault("TROUPE_TESTING", "1")
# Each run gets its own channel-layer prefix, so parallel runs on one Redis never cross.
os.environ.setdefault("CHANNEL_LAYER_PREFIX", f"troupe-test-{os.getpid()}")

import pytest

from platform_core.roles import Role
from tests.factories import UserFactory


@pytest.fixture(scope="session", autouse=True)
def _urlconf_imported():
    """Import every URL pattern (and the views with them) once, as a server does at start
    (``platform_core.collector``): otherwise the first test to build a link, such as a live match,
    spends seconds of its own time limits importing them."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a request in zh-Hans leaves it active in the thread
    (LocaleMiddleware activates, nothing deactivates), which would leak into the next test."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture
def make_user(db):
    def make(*roles: str, **kwargs):
        return UserFactory(roles=list(roles), **kwargs)

    return make


@pytest.fixture
def crowdworker(make_user):
    return make_user(Role.CROWDWORKER, profile__can_play_character=True, profile__can_play_player=True)


@pytest.fixture
def annotator(make_user):
    return make_user(Role.ANNOTATOR)


@pytest.fixture
def admin_user(make_user):
    return make_user(Role.ADMIN)


@pytest.fixture
def researcher(make_user):
    return make_user(Role.RESEARCHER)


@pytest.fixture
def users_by_role(crowdworker, annotator, admin_user, researcher):
    return {
        Role.CROWDWORKER: crowdworker,
        Role.ANNOTATOR: annotator,
        Role.ADMIN: admin_user,
        Role.RESEARCHER: researcher,
    }
