"""``bench/chat_load.py --arrival poisson`` on a small scale: it finishes, and what its clients saw
matches what the database holds (SQLite and a private redis-server, as the bench makes them)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
REPO_ROOT = Path(__file__).resolve().parents[2]


def test_open_system_run_finishes_and_its_counts_match_the_database(tmp_path):
    out = tmp_path / "arrival.json"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "TROUPE_TESTING")}
    # The partner grace must outlast a dropped worker's reconnect on a loaded machine; shorter, the
    # server rightly ends such a session as partner_left with nobody having chosen to leave.
    args = "--pairs 3 --interval 0.4 --min-turns 4 --max-turns 6 --ramp 1 --duration 8 --burst 1 --grace 6"
    args += " --patience 4 --drop-share 0.3 --abandon-share 0.15 --seed 3"
    completed = subprocess.run(
        [sys.executable, "bench/chat_load.py", "--arrival", "poisson", *args.split(), "--json", str(out)],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    result = json.loads(out.read_text())

    assert result["arrival"] == "poisson"
    for key in ("steady_pairs", "queue_wait_p99_s", "match_p99_s", "p99_ms", "baseline_p99_ms"):
        assert result[key] is not None, key
    assert result["steady_pairs"] > 0 and result["steady_messages"] > 0
    assert result["client_failures"] == {} and result["baseline_client_failures"] == {}
    # Every session the arrivals made ended, and ended as both its clients saw it.
    by_status = result["arrival_sessions_by_status"]
    assert sum(by_status.values()) == result["arrival_sessions"] > 0
    assert set(by_status) <= {"finished", "partner_left"}
    assert result["arrival_sessions_mismatched"] == 0
    seen = result["arrival_outcomes_seen"]
    assert seen.get("finished", 0) == 2 * by_status.get("finished", 0)
    assert seen.get("abandoned", 0) >= by_status.get("partner_left", 0)
    # Drops happened and were survived; every acknowledged message is stored once, with the greetings.
    assert result["reconnects"] > 0
    assert result["arrival_stored_turns"] == result["arrival_acked_plus_greetings"]
    assert (result["lost"], result["duplicated"], result["sessions_with_gaps"]) == (0, 0, 0)
    assert result["throughput_msgs_s"] > 0 and result["baseline_throughput_msgs_s"] > 0
