"""Loaded with ``-p tests.testing_env`` (see pyproject.toml) before pytest-django reads the settings.

A conftest is imported too late for this: pytest-django configures Django while loading the
initial conftests, so the environment has to be set by an early plugin.

``TROUPE_TEST_PROFILE=production`` runs the suite under the production settings profile: every
variable of ``.env.production.example`` (DEBUG off, a real SECRET_KEY, HSTS, the proxy header, the
limits, …) except those naming services (the test run brings its own database, Redis and
folders) and the three that need HTTPS end to end (the test servers and browsers speak plain HTTP
to the app, as the load balancer does in production). Test hosts are added to ``ALLOWED_HOSTS``.
Subprocesses the tests start (live servers, workers) inherit the profile.
"""

import os
from pathlib import Path

PRODUCTION_EXAMPLE = Path(__file__).resolve().parents[1] / ".env.production.example"
SERVICE_VARIABLES = {"DATABASE_URL", "REDIS_URL", "DB_CONN_MAX_AGE", "MEDIA_ROOT", "TROUPE_VAR_DIR"}
PLAIN_HTTP = {"SECURE_SSL_REDIRECT": "false", "SESSION_COOKIE_SECURE": "false", "CSRF_COOKIE_SECURE": "false"}
TEST_HOSTS = "testserver,localhost,127.0.0.1,[::1]"


def production_profile() -> dict[str, str]:
    """The environment of the production profile for tests (see the module docstring)."""
    env = {}
    for line in PRODUCTION_EXAMPLE.read_text(encoding="utf-8").splitlines():
        key, sep, value = line.partition("=")
        if sep and not line.lstrip().startswith("#") and key.strip() not in SERVICE_VARIABLES:
            env[key.strip()] = value.strip()
    env.update(PLAIN_HTTP)
    env["ALLOWED_HOSTS"] = f"{env.get('ALLOWED_HOSTS', '')},{TEST_HOSTS}".strip(",")
    return env


if os.environ.get("TROUPE_TEST_PROFILE") == "production":
    os.environ.update(production_profile())

os.environ.setdefault("TROUPE_TESTING", "1")
# Each run gets its own channel-layer prefix, so parallel runs on one Redis never cross.
os.environ.setdefault("CHANNEL_LAYER_PREFIX", f"troupe-test-{os.getpid()}")
