"""The campaign report: every figure, computed from the judgments table by ``evaluation.statistics``.

``report_from_table`` reads only the columns of ``judgments.csv`` (rows with ``excluded`` = 0), so
the report and a recomputation from the CSV agree. Keys:

- ``pointwise``: contestant → dimension → {mean, ci_low, ci_high, n, by_category}
- ``errors``: contestant → label (and ``overall``) → {per_100_turns, ci_low, ci_high, model_turns}
- ``pairwise``: [{a, b, win, tie, lose, both_bad, n, p_value, ci_low, ci_high, by_category, by_topic}]
- ``bradley_terry``: contestant → {score, ci_low, ci_high, elo}
- ``agreement``: {alpha: dimension → value, pairwise: {rate, items, pairs}, evaluators: …}
- ``meta``: the campaign, resamples, how many rows quality control excluded and why
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from evaluation import statistics as st
from evaluation.definitions import ERROR_LABEL_KEYS, MODEL_TURNS

FLIP = {"win": "lose", "lose": "win", "tie": "tie", "both_bad": "both_bad"}
SESSION_KEYS = ["contestant", "evaluator", "character", "topic"]


def clean(value: Any) -> Any:
    """NaN → None and numpy scalars → Python, recursively, for JSON."""
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v) for v in value]
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) else float(value)
    return value


def _session_matrix(rows: pd.DataFrame, columns: list[str]) -> tuple[pd.Index, np.ndarray, np.ndarray]:
    """Per session (``SESSION_KEYS``, with its category): sum and count of the values in each of ``columns``."""
    keys = [*SESSION_KEYS, "category", "dimension"]
    grouped = rows.groupby(keys, sort=False, observed=True)["number"].agg(["sum", "count"])
    sums = grouped["sum"].unstack("dimension").reindex(columns=columns).fillna(0.0)
    counts = grouped["count"].unstack("dimension").reindex(columns=columns).fillna(0.0)
    return sums.index, sums.to_numpy(), counts.to_numpy()


def _pointwise(rows: pd.DataFrame, dimensions: list[str], resamples: int, seed: int) -> dict:
    """Per contestant and dimension, overall and per category; one weight matrix per contestant."""
    result: dict[str, dict] = {}
    for i, (contestant, mine) in enumerate(rows.groupby("contestant", sort=True)):
        index, sums, counts = _session_matrix(mine, dimensions)
        weights = st.bootstrap_weights(len(sums), resamples=resamples, rng=np.random.default_rng(seed + i))
        estimates = st.cluster_bootstrap(sums, counts, weights=weights)
        result[contestant] = {d: {**e.as_dict(), "by_category": {}} for d, e in zip(dimensions, estimates, strict=True)}
        categories = index.get_level_values("category").to_numpy()
        for category in sorted(set(categories)):
            mask = categories == category
            by_category = st.cluster_bootstrap(sums[mask], counts[mask], weights=weights[:, mask])
            for d, e in zip(dimensions, by_category, strict=True):
                result[contestant][d]["by_category"][category] = e.as_dict()
    return result


def _errors(rows: pd.DataFrame, resamples: int, seed: int) -> dict:
    result = {}
    for i, (contestant, mine) in enumerate(rows.groupby("contestant", sort=True)):
        turns = mine[mine["dimension"] == MODEL_TURNS].groupby(SESSION_KEYS, observed=True)["number"].sum()
        labels = mine[mine["dimension"] != MODEL_TURNS]
        counts = labels.groupby([*SESSION_KEYS, "dimension"], observed=True)["number"].sum().unstack("dimension")
        counts = counts.reindex(index=turns.index, columns=list(ERROR_LABEL_KEYS)).fillna(0.0)
        result[contestant] = st.error_rates(
            counts.to_numpy(), turns.to_numpy(), list(ERROR_LABEL_KEYS), resamples=resamples, seed=seed + i
        )
    return result


def _oriented(rows: pd.DataFrame) -> pd.DataFrame:
    """Pairwise rows with ``a`` < ``b`` by name and the outcome from ``a``'s side."""
    swap = rows["contestant"] > rows["opponent"]
    out = pd.DataFrame(
        {
            "a": np.where(swap, rows["opponent"], rows["contestant"]),
            "b": np.where(swap, rows["contestant"], rows["opponent"]),
            "outcome": np.where(swap, rows["value"].map(FLIP), rows["value"]),
            "category": rows["category"].to_numpy(),
            "topic": rows["topic"].to_numpy(),
            "character": rows["character"].to_numpy(),
            "turn_seq": pd.to_numeric(rows["turn_seq"], errors="coerce").astype("Int64").astype(str).to_numpy(),
            "evaluator": rows["evaluator"].to_numpy(),
        }
    )
    return out


def _test(counts: pd.Series) -> dict:
    get = lambda key: int(counts.get(key, 0))  # noqa: E731
    return st.pairwise_test(get("win"), get("tie"), get("lose"), get("both_bad"))


def _pairwise(pairs: pd.DataFrame) -> list[dict]:
    overall = pairs.groupby(["a", "b", "outcome"], observed=True).size()
    by_category = pairs.groupby(["a", "b", "category", "outcome"], observed=True).size()
    by_topic = pairs.groupby(["a", "b", "topic", "outcome"], observed=True).size()
    result = []
    for a, b in sorted({(a, b) for a, b, _ in overall.index}):
        entry = {"a": a, "b": b, **_test(overall.loc[(a, b)])}
        for name, table in (("by_category", by_category), ("by_topic", by_topic)):
            mine = table.loc[(a, b)]
            entry[name] = {key: _test(mine.loc[key]) for key in sorted(mine.index.get_level_values(0).unique())}
        result.append(entry)
    return result


def _bradley_terry(pairs: pd.DataFrame, contestants: list[str], resamples: int, seed: int) -> dict:
    index = {name: i for i, name in enumerate(contestants)}
    a = pairs["a"].map(index).to_numpy()
    b = pairs["b"].map(index).to_numpy()
    score = pairs["outcome"].map(st.OUTCOME_SCORE).to_numpy()
    fitted = st.bradley_terry(a, b, score, len(contestants), resamples=resamples, seed=seed)
    elo = st.elo_ratings(a, b, score, len(contestants))
    return {name: {**fitted[i], "elo": elo[i]} for name, i in index.items()}


def _agreement(pointwise: pd.DataFrame, pairs: pd.DataFrame, dimensions: list[str]) -> dict:
    alpha = {}
    for dimension in dimensions:
        mine = pointwise[pointwise["dimension"] == dimension]
        units = mine["contestant"] + "|" + mine["character"]
        # one value per (unit, evaluator): an evaluator meets a contestant on a character once
        alpha[dimension] = st.krippendorff_alpha(
            units.to_numpy(), mine["evaluator"].to_numpy(), mine["number"].to_numpy()
        )
    units = pairs["a"] + "|" + pairs["b"] + "|" + pairs["character"] + "|" + pairs["topic"] + "|" + pairs["turn_seq"]
    evaluators = st.evaluator_stats(pointwise["evaluator"].to_numpy(), pointwise["number"].to_numpy())
    choices = pairs.groupby("evaluator")["outcome"].value_counts().unstack(fill_value=0)
    for evaluator, counts in choices.iterrows():
        evaluators.setdefault(str(evaluator), {})["pairwise"] = {k: int(v) for k, v in counts.items()}
    return {
        "alpha": alpha,
        "pairwise": st.pairwise_agreement(units.to_numpy(), pairs["outcome"].to_numpy()),
        "evaluators": evaluators,
    }


def report_from_table(
    table: pd.DataFrame, *, dimensions: list[str] | None = None, resamples: int = st.DEFAULT_RESAMPLES, seed: int = 0
) -> dict:
    """The report of a judgments table (``evaluation.table.COLUMNS``), from its rows with ``excluded`` = 0."""
    table = table.copy()
    for column in ("contestant", "opponent", "evaluator", "character", "category", "topic", "dimension", "value"):
        table[column] = table[column].fillna("").astype(str)
    excluded = table["excluded"].astype(int) == 1
    used = table[~excluded].copy()
    used["number"] = pd.to_numeric(used["value"], errors="coerce")
    pointwise = used[used["mode"] == "pointwise"]
    errors = used[used["mode"] == "error"]
    pairs = _oriented(used[used["mode"] == "pairwise"])
    if dimensions is None:
        dimensions = list(dict.fromkeys(pointwise["dimension"]))
    contestants = sorted(set(pairs["a"]) | set(pairs["b"]))
    report = {
        "pointwise": _pointwise(pointwise, dimensions, resamples, seed),
        "errors": _errors(errors, resamples, seed),
        "pairwise": _pairwise(pairs),
        "bradley_terry": _bradley_terry(pairs, contestants, resamples, seed) if contestants else {},
        "agreement": _agreement(pointwise, pairs, dimensions),
        "meta": {
            "rows": len(table),
            "excluded_rows": int(excluded.sum()),
            "excluded_by_mode": {str(k): int(v) for k, v in table[excluded].groupby("mode").size().items()},
            "resamples": resamples,
            "seed": seed,
        },
    }
    return clean(report)


def campaign_report(campaign, *, resamples: int = st.DEFAULT_RESAMPLES) -> dict:
    """The report of a campaign from the database, with what quality control did."""
    from evaluation.models import PairwiseJudgment
    from evaluation.quality import evaluator_flags
    from evaluation.services.judge import judge_agreement
    from evaluation.table import judgments_table

    table = judgments_table(campaign)
    report = report_from_table(table, dimensions=campaign.dimension_keys(), resamples=resamples, seed=campaign.seed)
    flags = evaluator_flags(campaign)
    judge = judge_agreement(campaign)
    if judge is not None:
        report["agreement"]["judge"] = clean(judge)
    report["meta"].update(
        {
            "campaign": campaign.slug,
            "flagged_evaluators": len(flags),
            "flag_reasons": {
                reason: sum(reason in r for r in flags.values()) for reason in ("attention", "too_fast", "same_answer")
            },
            "exclude_flagged": campaign.exclude_flagged,
            "exclude_identity_leaks": campaign.exclude_identity_leaks,
            "identity_leaks": {
                "sessions": campaign.assignments.filter(identity_leak=True, mode="pointwise").count(),
                "pairs": PairwiseJudgment.objects.filter(assignment__campaign=campaign, identity_leak=True).count(),
            },
        }
    )
    return report
