"""The personal-data analysis of a build's candidate turns, in worker processes ahead of curation.

Analysing a candidate turn (``platform_core.privacy.analyze``: Presidio's pattern recognizers)
is Python that holds the GIL, and the largest part of a big build's CPU time. A build of at least
``MIN_DIALOGUES`` dialogues starts ``settings.EXPORT_ANALYSIS_PROCESSES`` processes that
analyse each chunk's candidates (``kernels.batch_curation.candidates``: the rows the analyzer's
RE2 prefilter selects, and the prefilters each matches) while the chunks before it are curated
and written. Curation then replaces what was found, in row order and with each dialogue's
placeholder book, exactly as when it analyses a candidate itself: ``analyze`` is a function of
the text, the prefilters it matches and the threshold, all three sent along.

The processes are forked from the build's, with the analyzer it has built, when the build has no
other thread yet (a thread's locks would stay held in the copy): importing and building the
analyzer again is seconds of CPU that a build on few cores shares with its own work. Where other
threads run, or fork does not exist, they are spawned and build the analyzer themselves.

A chunk submitted before the processes are ready, while they are still busy with
``AHEAD_CHUNKS`` earlier ones, or after they failed, is analysed on the curation thread as
before: a build never waits for a process to start, shares the analysis with the processes when
they fall behind, and never depends on them.

Selecting a chunk's candidates (RE2 over its two text columns, most of it without the GIL) runs
on the pool's own thread, in submission order, so the build's main thread, which prepares and
writes the chunks, does not wait for it.
"""

import logging
import multiprocessing
import os
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import pyarrow as pa
from django.conf import settings
from django.db.models import QuerySet

from exports.build.columns import column_array
from exports.build.kernels.batch_curation import Candidates, candidates, scrub_column
from platform_core.privacy.analyzer import Finding, analyze_many, default_threshold, warm_up

logger = logging.getLogger(__name__)

# Below this many dialogues a build analyses its few candidates faster than a process starts.
MIN_DIALOGUES = 10_000
# Chunks whose candidates are sent to the processes before the chunk ahead of them is curated.
AHEAD_CHUNKS = 2
# How often an analysis process looks whether the build's process is still there.
PARENT_CHECK_S = 1.0

Item = TypeVar("Item")


@dataclass(frozen=True)
class ChunkAnalysis:
    """One chunk's candidates in its text and original-text columns, and their findings to come
    (``None``: curation analyses them itself)."""

    text: Candidates
    original: Candidates
    future: Future | None

    def findings(self) -> tuple[list[list[Finding]] | None, list[list[Finding]] | None]:
        """The findings of the text candidates and of the original-text candidates, each in row
        order; ``(None, None)`` when curation is to analyse them."""
        if self.future is None:
            return None, None
        try:
            found = self.future.result()
        except Exception:  # the process died or could not start: the same analysis runs here
            logger.warning("An export's analysis process failed; the chunk is analysed in the build.", exc_info=True)
            return None, None
        return found[: len(self.text.texts)], found[len(self.text.texts) :]


class AnalysisPool:
    """Worker processes that analyse the candidates of chunks submitted ahead of their curation."""

    def __init__(self, processes: int, threshold: float) -> None:
        self.threshold = threshold
        self.processes = processes
        forked = _may_fork()
        if forked:
            warm_up()  # built here, once, for the processes to inherit
        self._executor = ProcessPoolExecutor(
            max_workers=processes,
            mp_context=multiprocessing.get_context("fork" if forked else "spawn"),
            initializer=_analysis_process_start,
            initargs=(os.getpid(), not forked),
        )
        # The first task runs once a process has started and warmed up: until then chunks are
        # analysed in the build.
        with _children_allowed():
            self._ready = self._executor.submit(int)
        self._sent: deque[Future] = deque()
        # Started after the processes were forked (a fork copies no thread but the caller's).
        self._selecting = ThreadPoolExecutor(max_workers=1, thread_name_prefix="export-candidates")

    @classmethod
    def for_build(cls, dialogues: QuerySet) -> "AnalysisPool | None":
        """``start`` for the ``dialogues`` a build selects, with the settings' number of processes
        and threshold. Called before the build starts its threads, so that the processes can be forked."""
        processes = settings.EXPORT_ANALYSIS_PROCESSES
        if processes < 1:
            return None
        return cls.start(processes, dialogues.count(), default_threshold())

    @classmethod
    def start(cls, processes: int, dialogues: int, threshold: float) -> "AnalysisPool | None":
        """A pool for a build of ``dialogues`` dialogues, or ``None`` when analysing in the build is
        as fast (a small build, no process to spare) or no process can be started here."""
        if processes < 1 or dialogues < MIN_DIALOGUES:
            return None
        try:
            return cls(processes, threshold)
        except (OSError, ValueError, AssertionError):
            logger.warning("No analysis process for the export; analysing in the build.", exc_info=True)
            return None

    def submit(self, turns: pa.Table) -> "Future[ChunkAnalysis]":
        """Select the candidates of a chunk's ``text`` and ``original_text`` columns and send them
        for analysis, on the pool's thread; chunks are sent in the order they are submitted."""
        return self._selecting.submit(self.send, turns)

    def send(self, turns: pa.Table) -> ChunkAnalysis:
        """``submit``'s work, on the calling thread."""
        text, original = (candidates(column_array(turns, name)) for name in ("text", "original_text"))
        items = list(zip(text.texts, text.passed, strict=True)) + list(
            zip(original.texts, original.passed, strict=True)
        )
        while self._sent and self._sent[0].done():
            self._sent.popleft()
        future = None
        # While the processes still have AHEAD_CHUNKS chunks each to analyse, the build analyses this one
        # itself: both share the work when the processes alone would hold the build up.
        if (
            items
            and self._ready.done()
            and self._ready.exception() is None
            and len(self._sent) < AHEAD_CHUNKS * self.processes
        ):
            try:
                with _children_allowed():  # a spawning pool may start a process at any submit
                    future = self._executor.submit(analyze_many, items, self.threshold)
            except RuntimeError:  # the pool broke (a process died): analysed in the build
                future = None
            else:
                self._sent.append(future)
        return ChunkAnalysis(text=text, original=original, future=future)

    def close(self) -> None:
        self._selecting.shutdown(wait=True, cancel_futures=True)
        self._executor.shutdown(wait=True, cancel_futures=True)


@contextmanager
def _children_allowed() -> Iterator[None]:
    """Let this process start the analysis processes even where it is daemonic: a build run by a
    Celery prefork worker runs in one, which Python's multiprocessing forbids children (it could
    leave them behind when it is ended). Celery's own process library allows them; an analysis
    process ends by itself when its parent is gone (``_analysis_process_start``)."""
    config = multiprocessing.current_process()._config
    daemon = config.pop("daemon", None)
    try:
        yield
    finally:
        if daemon is not None:
            config["daemon"] = daemon


def _analysis_process_start(parent: int, build_analyzer: bool) -> None:
    """In an analysis process, first: build the analyzer (a spawned process has not inherited it),
    and exit as soon as the build's process ``parent`` is gone. Killed, it closes no pipe of the
    pool's, which would keep this process waiting for work for ever."""
    if build_analyzer:
        warm_up()

    def exit_with_parent() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_S)
        os._exit(1)

    threading.Thread(target=exit_with_parent, name="exit-with-parent", daemon=True).start()


def _may_fork() -> bool:
    """Whether this process can be forked safely: no thread besides this one (whose locks the copy
    would inherit held), and a system with fork."""
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


def analysed_ahead(
    pool: AnalysisPool | None, chunks: Iterator[Item | None], turns: Callable[[Item], pa.Table]
) -> Iterator[tuple[Item, "Future[ChunkAnalysis] | None"]]:
    """``chunks`` (``None`` skipped), each with the analysis of its ``turns`` sent to ``pool``
    ``AHEAD_CHUNKS`` chunks before it is handed on, so it runs while the ones before it are
    curated; without a pool, each chunk as it comes with ``None``."""
    ahead = AHEAD_CHUNKS if pool is not None else 0
    pending: deque[tuple[Item, Future[ChunkAnalysis] | None]] = deque()
    for chunk in chunks:
        if chunk is None:
            continue
        pending.append((chunk, pool.submit(turns(chunk)) if pool is not None else None))
        if len(pending) > ahead:
            yield pending.popleft()
    while pending:
        yield pending.popleft()


def scrub_turns(
    texts: pa.Array,
    originals: pa.Array,
    counts: Counter,
    dialogues: np.ndarray,
    submitted: "Future[ChunkAnalysis] | None",
) -> tuple[pa.Array, pa.Array, np.ndarray]:
    """A chunk's texts and original texts with personal data replaced, and the replacements in each
    row: with one placeholder numbering per dialogue, shared by its texts and original texts; with
    the findings of the ``submitted`` analysis when it has them, else analysed here."""
    analysis = submitted.result() if submitted is not None else None
    books: dict = {}
    found, found_in_originals = analysis.findings() if analysis is not None else (None, None)
    texts, replaced = scrub_column(texts, counts, dialogues, books, analysis and analysis.text, found)
    originals, replaced_in_originals = scrub_column(
        originals, counts, dialogues, books, analysis and analysis.original, found_in_originals
    )
    return texts, originals, replaced + replaced_in_originals
