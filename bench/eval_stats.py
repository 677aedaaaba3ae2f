"""The evaluation report on a large synthetic judgments table, against one pandas groupby.

    python bench/eval_stats.py --judgments 1000000 --json OUT [--contestants 20] [--resamples 1000]

Builds a table with the columns of ``judgments.csv`` in memory: 60 % pointwise ratings (sessions
of seven dimensions), 10 % error rows (per-session model-turn counts and labels), 30 % pairwise
judgments drawn from Bradley–Terry strengths, over ``--contestants`` contestants, 500 evaluators,
24 characters in four categories and three topics. Then, on the same table:

- report: ``evaluation.reports.report_from_table`` (every figure of the report: bootstrap CIs with
  ``--resamples`` resamples, error rates, pairwise tests by category and topic, Bradley–Terry with
  bootstrap CIs, Elo, Krippendorff's alpha, agreement, per-evaluator statistics), timed;
- baseline: ``table.groupby(["mode", "contestant", "dimension"])["number"].mean()``, timed.

Prints a table and writes JSON with ``judgments``, ``contestants``, ``resamples``, ``report_s``
(wall), ``report_cpu_s`` (this process's CPU time: on a shared machine the wall time also counts
waiting for a core), ``groupby_s``, ``ratio`` and ``peak_rss_mb`` (the process's peak resident
memory).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "platform_core.settings")

DIMENSIONS = ["consistency", "human_likeness", "engagement", "quality", "safety", "correctness", "overall"]
LABELS = ["ooc", "contradiction", "repetition", "less_quality", "less_info", "proactivity"]
CATEGORIES = ["celebrities", "daily_life", "games_videos", "virtual_love"]
TOPICS = ["chit_chat", "interview", "love"]
EVALUATORS = 500
CHARACTERS = 24


EVALUATOR_IDS = np.array([f"worker-{i:016x}" for i in range(EVALUATORS)], dtype=object)
CHARACTER_NAMES = np.array([f"Character {i} (#{i})" for i in range(CHARACTERS)], dtype=object)
CHARACTER_CATEGORY = np.array([CATEGORIES[i % 4] for i in range(CHARACTERS)], dtype=object)
CHARACTER_TOPIC = np.array([TOPICS[i % 3] for i in range(CHARACTERS)], dtype=object)


def _frame(mode: str, names: np.ndarray, contestant, evaluator, character, dimension, value, **extra) -> pd.DataFrame:
    """Rows of one mode from index arrays (contestant, evaluator, character) and their values."""
    return pd.DataFrame(
        {
            "mode": mode,
            "contestant": names[contestant],
            "opponent": extra.get("opponent", ""),
            "evaluator": EVALUATOR_IDS[evaluator],
            "character": CHARACTER_NAMES[character],
            "category": CHARACTER_CATEGORY[character],
            "topic": CHARACTER_TOPIC[character],
            "dimension": dimension,
            "value": np.asarray(value).astype(str).astype(object),
            "turn_seq": extra.get("turn_seq", ""),
            "position": extra.get("position", ""),
        }
    )


def synthetic_table(judgments: int, contestants: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    names = np.array([f"model-{i:02d}" for i in range(contestants)], dtype=object)
    quality = rng.normal(3.5, 0.4, contestants)
    # pointwise: sessions of seven ratings around the contestant's quality
    n_sessions = int(judgments * 0.6) // len(DIMENSIONS)
    c, e, ch = (rng.integers(0, n, n_sessions) for n in (contestants, EVALUATORS, CHARACTERS))
    rep = len(DIMENSIONS)
    ratings = np.clip(np.rint(rng.normal(np.repeat(quality[c], rep), 0.9)), 1, 5).astype(int)
    dimensions = np.tile(np.array(DIMENSIONS, dtype=object), n_sessions)
    pointwise = _frame("pointwise", names, *(np.repeat(x, rep) for x in (c, e, ch)), dimensions, ratings)
    # errors: per session a model-turn count and three labels
    n_error = min(n_sessions, int(judgments * 0.1) // 4)
    rows = np.concatenate([np.arange(n_error), np.repeat(np.arange(n_error), 3)])
    labels = np.array(LABELS, dtype=object)[rng.integers(0, len(LABELS), n_error * 3)]
    dimension = np.concatenate([np.full(n_error, "model_turns", dtype=object), labels])
    value = np.concatenate([rng.integers(8, 15, n_error), np.ones(n_error * 3, dtype=int)])
    errors = _frame("error", names, c[rows], e[rows], ch[rows], dimension, value)
    # pairwise: the rest, outcomes drawn from Bradley–Terry strengths
    n_pairs = judgments - len(pointwise) - len(errors)
    a = rng.integers(0, contestants, n_pairs)
    b = (a + rng.integers(1, contestants, n_pairs)) % contestants
    p_win = 1 / (1 + np.exp(-(quality[a] - quality[b]) * 1.5))
    draw = rng.random(n_pairs)
    outcome = np.where(
        draw < 0.1, "tie", np.where(draw < 0.13, "both_bad", np.where(rng.random(n_pairs) < p_win, "win", "lose"))
    )
    pairwise = _frame(
        "pairwise",
        names,
        a,
        rng.integers(0, EVALUATORS, n_pairs),
        rng.integers(0, CHARACTERS, n_pairs),
        "",
        outcome,
        opponent=names[b],
        turn_seq=rng.integers(2, 40, n_pairs).astype(str).astype(object),
        position=np.where(rng.random(n_pairs) < 0.5, "left", "right").astype(object),
    )
    table = pd.concat([pointwise, errors, pairwise], ignore_index=True)
    table.insert(0, "campaign", "bench")
    table["excluded"] = 0
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--judgments", type=int, default=1_000_000)
    parser.add_argument("--contestants", type=int, default=20)
    parser.add_argument("--resamples", type=int, default=1000)
    parser.add_argument("--json", type=Path, required=True)
    args = parser.parse_args()

    import django

    django.setup()
    from evaluation.reports import report_from_table

    table = synthetic_table(args.judgments, args.contestants)
    started, cpu_started = time.perf_counter(), time.process_time()
    report = report_from_table(table, dimensions=DIMENSIONS, resamples=args.resamples)
    report_s, report_cpu_s = time.perf_counter() - started, time.process_time() - cpu_started

    started = time.perf_counter()
    numbers = table.assign(number=pd.to_numeric(table["value"], errors="coerce"))
    numbers.groupby(["mode", "contestant", "dimension"])["number"].mean()
    groupby_s = time.perf_counter() - started

    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result = {
        "judgments": len(table),
        "contestants": args.contestants,
        "resamples": args.resamples,
        "report_s": round(report_s, 3),
        "report_cpu_s": round(report_cpu_s, 3),
        "groupby_s": round(groupby_s, 3),
        "ratio": round(report_s / groupby_s, 1),
        "peak_rss_mb": round(peak_rss_mb, 1),
        "pairs": len(report["pairwise"]),
    }
    print(f"{'judgments':>10} {'report_s':>9} {'groupby_s':>9} {'ratio':>7} {'peak_rss_mb':>11}")
    print(f"{len(table):>10} {report_s:>9.2f} {groupby_s:>9.3f} {result['ratio']:>7} {peak_rss_mb:>11.0f}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
