"""The production settings profile: `.env.production.example`, and the suite's run under it."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from tests.testing_env import PRODUCTION_EXAMPLE, production_profile

ROOT = Path(__file__).resolve().parents[2]


def _example() -> dict[str, str]:
    lines = PRODUCTION_EXAMPLE.read_text(encoding="utf-8").splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line and not line.startswith("#"))


def test_the_production_example_turns_debug_off_and_https_on():
    example = _example()
    assert example["DEBUG"] == "false"
    assert example["SECURE_SSL_REDIRECT"] == example["SESSION_COOKIE_SECURE"] == "true"
    assert int(example["SECURE_HSTS_SECONDS"]) >= 31536000


def test_the_test_profile_keeps_production_values_but_not_services_or_https_transport():
    profile = production_profile()
    assert profile["DEBUG"] == "false"
    assert profile["SECURE_HSTS_SECONDS"] == _example()["SECURE_HSTS_SECONDS"]
    assert "DATABASE_URL" not in profile and "REDIS_URL" not in profile
    assert profile["SECURE_SSL_REDIRECT"] == "false"
    assert "testserver" in profile["ALLOWED_HOSTS"].split(",")


@pytest.mark.skipif(os.environ.get("TROUPE_TEST_PROFILE") != "production", reason="only under the production profile")
def test_this_run_has_the_production_settings():
    assert settings.SECURE_HSTS_SECONDS == int(_example()["SECURE_HSTS_SECONDS"])
    assert settings.SECRET_KEY == _example()["SECRET_KEY"]
    assert os.environ["DEBUG"] == "false"


def test_check_deploy_is_clean_with_the_production_example(tmp_path):
    test_only = ("TROUPE_TESTING", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")  # the latter set by browser tests
    env = {key: value for key, value in os.environ.items() if key not in test_only}
    env.update(_example())
    env.update({"TROUPE_VAR_DIR": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"})
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
