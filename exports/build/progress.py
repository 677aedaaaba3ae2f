"""A build's live progress: to browsers, to its row (with the heartbeat), to a command-line callback."""

import logging
import time
from collections.abc import Callable

from exports.models import ExportBuild
from platform_core.jobs import job_heartbeat
from platform_core.progress import progress_publish

logger = logging.getLogger(__name__)


class ProgressReporter:
    """Live progress: the channel layer (browsers), the build row (page loads, API), a callback (CLI)."""

    MIN_INTERVAL_S = 0.5

    def __init__(self, build: ExportBuild, callback: Callable[[float, str], None] | None) -> None:
        self.build = build
        self.callback = callback
        self._last_time = 0.0
        self._last_percent = -1.0
        self._channel_ok = True

    @property
    def last_percent(self) -> float:
        return max(self._last_percent, 0.0)

    def report(self, percent: float, message: str, *, force: bool = False, keep_row: bool = False) -> None:
        percent = max(0.0, min(100.0, percent))
        if self.callback:
            self.callback(percent, message)
        now = time.monotonic()
        since = now - self._last_time
        # A step of 1 % at most twice a second, and at least every 2 s: each push is a row update
        # and a channel-layer send (a few ms of the build's own thread, tens on a loaded machine).
        if not force and since < 2 and (percent - self._last_percent < 1 or since < self.MIN_INTERVAL_S):
            return
        self._last_time, self._last_percent = now, percent
        if not keep_row:
            job_heartbeat(ExportBuild, self.build.pk, progress=round(percent, 1), progress_message=message[:200])
        if self._channel_ok:
            try:
                progress_publish(topic=self.build.progress_topic, percent=percent, message=message)
            except Exception:  # no channel layer (e.g. CLI without Redis): the build goes on
                self._channel_ok = False
                logger.warning("Progress for export build #%s is not pushed live: no channel layer.", self.build.pk)
