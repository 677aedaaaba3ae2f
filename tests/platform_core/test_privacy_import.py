"""Presidio is loaded by the processes that analyse text, not by every process that sets up Django."""

import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def _in_a_fresh_process(code: str) -> str:
    finished = subprocess.run(
        [sys.executable, "-c", "import django, sys\ndjango.setup()\n" + code],
        cwd=REPO_ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "platform_core.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert finished.returncode == 0, finished.stderr
    return finished.stdout.strip()


def test_a_process_that_analyses_nothing_starts_without_presidio_or_spacy():
    loaded = _in_a_fresh_process("print(sorted(m for m in ('presidio_analyzer', 'spacy') if m in sys.modules))")
    assert loaded == "[]"


def test_the_live_check_loads_the_analyzer_on_first_use_without_torch():
    found = _in_a_fresh_process(
        "from platform_core.privacy.checks import refused_kinds_in\n"
        "print(refused_kinds_in('call me on 13912345678'), 'torch' in sys.modules, 'transformers' in sys.modules)"
    )
    assert found == "['phone'] False False"
