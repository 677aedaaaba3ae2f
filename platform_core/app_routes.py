"""Each app contributes its routes by defining modules; nothing here needs editing per app.

- ``<app>.urls``: pages, mounted at ``/<app>/``
- ``<app>.api_urls``: REST endpoints, mounted at ``/api/<app>/``
- ``<app>.routing``: ``websocket_urlpatterns``, mounted at the root (paths start with ``ws/``)
"""

from importlib import import_module
from importlib.util import find_spec

FEATURE_APPS = ("roleplay", "annotation", "exports", "training", "evaluation", "workforce")


def app_modules(suffix: str) -> list[tuple[str, object]]:
    found = []
    for app in FEATURE_APPS:
        name = f"{app}.{suffix}"
        if find_spec(name) is not None:
            found.append((app, import_module(name)))
    return found
