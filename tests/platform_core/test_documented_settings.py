"""Every setting that README.md or docs/ names can be set from the environment."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SETTINGS_SOURCE = (ROOT / "platform_core" / "settings.py").read_text(encoding="utf-8")
APPS = ("platform_core", "roleplay", "annotation", "exports", "training", "evaluation", "workforce")

# Names the docs mention as the structure of the project (where an app is registered), not as knobs.
NOT_SETTINGS = {"DEBUG_PROPAGATE_EXCEPTIONS", "INSTALLED_APPS", "MIDDLEWARE", "AUTHENTICATION_BACKENDS"}


def _documented_names() -> set[str]:
    texts = [(ROOT / "README.md").read_text(encoding="utf-8")]
    texts += [path.read_text(encoding="utf-8") for path in sorted((ROOT / "docs").glob("*.md"))]
    return {name for text in texts for name in re.findall(r"`([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)`", text)}


def _names_the_code_reads() -> set[str]:
    """Setting names the project reads: assigned in settings.py or looked up on django.conf.settings."""
    names = set(re.findall(r"^([A-Z][A-Z0-9_]+)\s*=", SETTINGS_SOURCE, flags=re.MULTILINE))
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            source = path.read_text(encoding="utf-8")
            names |= set(re.findall(r"settings\.([A-Z][A-Z0-9_]+)", source))
            names |= set(re.findall(r"getattr\(settings,\s*\"([A-Z][A-Z0-9_]+)\"", source))
    return names


def _read_from_environment(name: str) -> bool:
    return re.search(rf'env(?:\.\w+)?\(\s*"{name}"', SETTINGS_SOURCE) is not None


DOCUMENTED_SETTINGS = sorted((_documented_names() & _names_the_code_reads()) - NOT_SETTINGS)


def test_the_docs_name_settings_at_all():
    assert len(DOCUMENTED_SETTINGS) > 20


@pytest.mark.parametrize("name", DOCUMENTED_SETTINGS)
def test_documented_setting_is_read_from_the_environment(name):
    derived = {
        # Read under the name the docs give it, then copied into Django's own settings.
        "CONN_MAX_AGE": "DB_CONN_MAX_AGE",
        "LIVE_DB_CONN_MAX_AGE": "DB_CONN_MAX_AGE",
        "INFERENCE_IN_WORKER": "TROUPE_INFERENCE_IN_WORKER",
    }
    assert _read_from_environment(derived.get(name, name)), f"{name} is documented but not read from the environment"
