"""An export build process killed half-way (SIGKILL) publishes nothing, and the next run works."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from exports.models import BuildStatus, ExportBuild
from tests.e2e.conftest import REPO_ROOT
from tests.exports.conftest import make_corpus


def _export(database_url: str, out: Path, media: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "TROUPE_TESTING": "1",
        "MEDIA_ROOT": str(media),
        "PYTHONUNBUFFERED": "1",
    }
    return subprocess.Popen(
        [sys.executable, "manage.py", "export_corpus", "--out", str(out), "--no-progress"],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


@pytest.mark.slow
def test_sigkilled_export_leaves_nothing_published_and_a_rerun_publishes(live_db, tmp_path):
    make_corpus(characters=20, per_character=5)
    out = tmp_path / "corpus"
    process = _export(live_db, out, tmp_path / "media")
    deadline = time.monotonic() + 120
    while not list(tmp_path.glob(".tmp-corpus-*/train")):  # writers open: the build is under way
        assert process.poll() is None, process.stdout.read().decode()
        assert time.monotonic() < deadline, "the build never started"
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    assert not out.exists()  # nothing published
    killed = ExportBuild.objects.get()
    assert killed.status == BuildStatus.RUNNING and killed.version is None

    rerun = _export(live_db, out, tmp_path / "media")
    output = rerun.communicate(timeout=300)[0].decode()
    assert rerun.returncode == 0, output
    assert not list(tmp_path.glob(".tmp-*"))  # the killed run's leftovers are gone
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["counts"]["dialogues"] == 100 and manifest["version"] == 1
    for split in ("train", "validation", "test"):
        assert sorted(p.name for p in (out / split).iterdir()) == [
            "characterglm.jsonl",
            "messages.jsonl",
            "turns.parquet",
        ]
    assert ExportBuild.objects.filter(status=BuildStatus.PUBLISHED).count() == 1
