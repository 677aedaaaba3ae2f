"""The personal-data analysis of candidate turns in a worker process gives what the build's own does."""

import multiprocessing
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from exports.build import analysis, turn_stream
from exports.build.analysis import AnalysisPool, ChunkAnalysis, analysed_ahead
from exports.build.kernels.batch_curation import candidates, scrub_column
from exports.models import BuildStatus
from platform_core.privacy.analyzer import analyze, analyze_many
from roleplay.models import DialogueStatus, Turn
from tests.exports.conftest import add_turns, make_corpus
from tests.factories import CharacterFactory, DialogueFactory

REPO_ROOT = Path(__file__).resolve().parents[3]

PLANTED = [
    "Hello! Call me at 13812345678 or +44 20 7946 0958.",
    "My mail is ann.lee@example.com, card 4111 1111 1111 1111",
    "我的手机号是 138-1234-5678，加我微信：wxid_k2j4h5g6f7d8",
    "我住在中关村大街27号, or 221B Baker Street, London NW1 6XE",
    "Order 12345678901234567 is not personal.",
    "手机一三八一二三四五六七八，服务器 192.168.10.23",
]


def _corpus_with_personal_data() -> None:
    """Dialogues over several chunks with personal data in texts and original texts, one text
    repeated in another dialogue."""
    make_corpus(characters=6, per_character=2)
    for index in range(4):
        character = CharacterFactory()
        dialogue = DialogueFactory(character=character, status=DialogueStatus.ACCEPTED)
        add_turns(dialogue, [*PLANTED[index:], *PLANTED[:index]])
    Turn.objects.filter(text=PLANTED[0]).update(original_text="first draft: call 13900001111")


def _waiting_for_the_process(monkeypatch) -> list:
    """Pools that wait for their process before the first chunk (a small build would otherwise
    be done before it starts); returns the findings the process made, chunk by chunk."""
    start = AnalysisPool.__init__

    def start_and_wait(self, *args, **kwargs):
        start(self, *args, **kwargs)
        self._ready.result(timeout=120)

    made = []
    findings = ChunkAnalysis.findings

    def recorded(self):
        found = findings(self)
        if found[0] is not None:
            made.append(found)
        return found

    monkeypatch.setattr(AnalysisPool, "__init__", start_and_wait)
    monkeypatch.setattr(ChunkAnalysis, "findings", recorded)
    return made


def test_analysis_in_a_process_gives_the_same_files_as_in_the_build(db, build_now, settings, monkeypatch):
    _corpus_with_personal_data()
    monkeypatch.setattr(turn_stream, "CHUNK_DIALOGUES", 3)
    settings.EXPORT_ANALYSIS_PROCESSES = 0
    in_build = build_now({"seed": 2, "min_turns": 1})
    monkeypatch.setattr(analysis, "MIN_DIALOGUES", 0)
    settings.EXPORT_ANALYSIS_PROCESSES = 1
    made = _waiting_for_the_process(monkeypatch)
    in_process = build_now({"seed": 2, "min_turns": 1})
    assert in_build.status == in_process.status == BuildStatus.PUBLISHED
    assert sum(len(text) + len(original) for text, original in made) >= 4 * len(PLANTED)
    assert in_build.stats["pii_replacements"]["phone"] >= 8
    assert in_process.data_sha256 == in_build.data_sha256
    assert in_process.stats == in_build.stats


def test_a_small_build_or_no_process_to_spare_starts_no_pool():
    assert AnalysisPool.start(1, analysis.MIN_DIALOGUES - 1, 0.5) is None
    assert AnalysisPool.start(0, 10 * analysis.MIN_DIALOGUES, 0.5) is None


def test_a_pool_that_cannot_start_leaves_the_analysis_to_the_build(monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("no processes here")

    monkeypatch.setattr(analysis, "ProcessPoolExecutor", refuse)
    assert AnalysisPool.start(1, analysis.MIN_DIALOGUES, 0.5) is None


def test_a_failed_process_leaves_its_chunk_to_the_build():
    texts = pa.array(["Call 13812345678 now", "nothing here"])
    failed: Future = Future()
    failed.set_exception(BrokenProcessPool("the process died"))
    chunk = ChunkAnalysis(
        text=candidates(texts), original=candidates(pa.array([None, None], pa.string())), future=failed
    )
    assert chunk.findings() == (None, None)
    counts: Counter = Counter()
    cleaned, replaced = scrub_column(texts, counts, np.zeros(2, dtype=np.int64), {}, chunk.text, None)
    assert cleaned.to_pylist() == ["Call [PHONE_1] now", "nothing here"] and replaced.tolist() == [1, 0]


def test_findings_made_elsewhere_are_replaced_as_the_build_replaces_its_own():
    texts = pa.array([*PLANTED, PLANTED[0], "no digits", None], type=pa.string())
    dialogues = np.array([0, 0, 1, 1, 2, 2, 0, 3, 3])
    found = candidates(texts)
    findings = analyze_many(list(zip(found.texts, found.passed, strict=True)), 0.5)
    assert findings == [
        analyze(text, threshold=0.5, passed=passed) for text, passed in zip(found.texts, found.passed, strict=True)
    ]
    here, elsewhere = Counter(), Counter()
    expected = scrub_column(texts, here, dialogues, {})
    given = scrub_column(texts, elsewhere, dialogues, {}, found, findings)
    assert given[0].to_pylist() == expected[0].to_pylist() and given[1].tolist() == expected[1].tolist()
    assert elsewhere == here and here["phone"] >= 4


def test_chunks_are_sent_ahead_of_their_curation():
    sent: list[int] = []

    class Pool:
        def submit(self, turns):
            sent.append(turns)
            return turns

    handed = []
    for chunk, found in analysed_ahead(Pool(), iter([1, None, 2, 3, 4]), lambda chunk: chunk * 10):
        handed.append((chunk, found, list(sent)))
    assert handed[0] == (1, 10, [10, 20, 30])
    assert [chunk for chunk, _found, _sent in handed] == [1, 2, 3, 4]
    assert list(analysed_ahead(None, iter([1, None, 2]), lambda chunk: pytest.fail("no pool"))) == [
        (1, None),
        (2, None),
    ]


class _Busy:
    """An executor whose process is ready but never finishes a chunk."""

    def __init__(self, *args, **kwargs):
        pass

    def submit(self, function, *args):
        future: Future = Future()
        if function is int:
            future.set_result(0)
        return future


def test_the_build_analyses_a_chunk_itself_while_the_processes_are_behind(monkeypatch):
    monkeypatch.setattr(analysis, "ProcessPoolExecutor", _Busy)
    pool = AnalysisPool(1, 0.5)
    turns = pa.table({"text": pa.array(["Call 13812345678"]), "original_text": pa.array([None], pa.string())})
    sent = [pool.send(turns).future for _chunk in range(analysis.AHEAD_CHUNKS + 2)]
    assert all(future is not None for future in sent[: analysis.AHEAD_CHUNKS])
    assert sent[analysis.AHEAD_CHUNKS :] == [None, None]


def _analyses_as_the_build_does(pool: AnalysisPool) -> None:
    text = "Call 13812345678 or mail ann.lee@example.com"
    assert pool._executor.submit(analyze, text, threshold=0.5).result(timeout=120) == analyze(text, threshold=0.5)


def test_a_build_without_other_threads_forks_its_processes(monkeypatch):
    # Earlier tests may leave threads behind in this process; a build's process has none.
    monkeypatch.setattr(analysis.threading, "active_count", lambda: 1)
    pool = AnalysisPool(1, 0.5)
    try:
        assert pool._executor._mp_context.get_start_method() == "fork"
        _analyses_as_the_build_does(pool)
    finally:
        pool.close()


def test_a_build_with_another_thread_spawns_its_processes():
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        pool = AnalysisPool(1, 0.5)
    finally:
        release.set()
        other.join()
    try:
        assert pool._executor._mp_context.get_start_method() == "spawn"
        _analyses_as_the_build_does(pool)
    finally:
        pool.close()


def test_a_daemonic_process_still_gets_its_analysis_processes(monkeypatch):
    # A build run by a Celery prefork worker runs in a daemonic process.
    config = multiprocessing.current_process()._config
    monkeypatch.setitem(config, "daemon", True)
    pool = AnalysisPool.start(1, analysis.MIN_DIALOGUES, 0.5)
    assert pool is not None
    try:
        _analyses_as_the_build_does(pool)
    finally:
        pool.close()
    assert config["daemon"] is True


_BUILD_PROCESS = """
import django, os, sys, time
django.setup()
from exports.build.analysis import AnalysisPool
pool = AnalysisPool(1, 0.5)
pool._ready.result(timeout=120)
print(*pool._executor._processes, flush=True)
time.sleep(600)
"""


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads process states from /proc")
def test_an_analysis_process_ends_when_the_build_process_is_killed():
    build = subprocess.Popen(
        [sys.executable, "-c", _BUILD_PROCESS],
        cwd=REPO_ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "platform_core.settings"},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        children = [int(pid) for pid in build.stdout.readline().split()]
        assert children and all(_running(pid) for pid in children)
    finally:
        build.kill()
        build.wait()
    deadline = time.monotonic() + 10 * analysis.PARENT_CHECK_S
    while any(_running(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_running(pid) for pid in children)


def test_candidates_are_selected_off_the_calling_thread_in_submission_order(monkeypatch):
    selected: list[tuple[str, str]] = []

    def recorded(texts):
        selected.append((threading.current_thread().name, texts[0].as_py()))
        return candidates(texts)

    monkeypatch.setattr(analysis, "candidates", recorded)
    monkeypatch.setattr(analysis, "ProcessPoolExecutor", _Busy)
    pool = AnalysisPool(1, 0.5)
    try:
        texts = [f"Call 1381234{index:04d}" for index in range(4)]
        submitted = [
            pool.submit(pa.table({"text": [text], "original_text": pa.array([None], pa.string())})) for text in texts
        ]
        chunks = [future.result(timeout=30) for future in submitted]
    finally:
        pool._selecting.shutdown(wait=True)
    assert [text for _thread, text in selected[::2]] == texts  # text column, then original text, per chunk
    assert {thread for thread, _text in selected} == {"export-candidates_0"}
    assert [chunk.text.texts for chunk in chunks] == [[text] for text in texts]
