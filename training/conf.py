"""Training settings, read from Django settings with defaults (see docs/training.md).

- ``TRAINING_OUTPUT_DIR``: where each job's directory goes (default ``<VAR_DIR>/training``).
- ``TRAINING_POLL_INTERVAL_S``: how often a running job reads the metrics stream and checks for
  cancellation (default 1 s).
- ``TRAINING_MAX_RESTARTS``: how many times a runner that dies (killed, out of memory) is started
  again from its last checkpoint within one run of the job (default 2).
- ``TRAINING_STALE_AFTER_S``: a running job on another host whose worker has not refreshed its
  heartbeat for this long counts as abandoned and may be resumed (default 300 s).
- ``TRAINING_PYTHON``: the interpreter that runs the runner (default: the worker's own).
"""

import sys
from pathlib import Path

from django.conf import settings


def output_root() -> Path:
    return Path(getattr(settings, "TRAINING_OUTPUT_DIR", settings.VAR_DIR / "training"))


def poll_interval_s() -> float:
    return float(getattr(settings, "TRAINING_POLL_INTERVAL_S", 1.0))


def max_restarts() -> int:
    return int(getattr(settings, "TRAINING_MAX_RESTARTS", 2))


def python_executable() -> str:
    return str(getattr(settings, "TRAINING_PYTHON", sys.executable))


def stale_after_s() -> float:
    return float(getattr(settings, "TRAINING_STALE_AFTER_S", 300.0))
