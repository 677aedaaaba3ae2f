"""The statistics of an evaluation campaign: pure functions over numpy arrays, no Django.

Every figure on the results page, in the results API and in ``eval_report`` comes from here
(``evaluation.reports`` only groups the judgments table and calls these functions), and
docs/evaluation.md explains each one.

- ``cluster_bootstrap``: means with percentile bootstrap CIs, resampling whole sessions (the
  ratings of one session are not independent), vectorised as Poisson weights × session sums.
- ``error_rates``: per-turn error labels per 100 model turns, and CharacterGLM's overall
  (sum of the five faults minus proactivity).
- ``pairwise_test``: win / tie / lose shares, an exact two-sided sign test on the decisive
  judgments and a Clopper–Pearson CI of the win share among them (``sign_test``, checked against
  ``scipy.stats.binomtest`` in the tests).
- ``bradley_terry`` / ``bradley_terry_bootstrap``: log-strengths (ties count half a win each way),
  fitted by ``choix``; CIs by resampling the judgments.
- ``elo_ratings``: the online Elo update, a secondary column.
- ``krippendorff_alpha``: ordinal alpha over (unit, coder, value) triples; ``pairwise_agreement``:
  the share of agreeing pairs of judgments on items judged more than once.
- ``evaluator_stats``: per-evaluator counts, mean, spread and the share of their modal answer.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import choix
import krippendorff
import numpy as np
from scipy import special
from scipy.stats import poisson, spearmanr

DEFAULT_RESAMPLES = 1000
DEFAULT_LEVEL = 0.95
NEGATIVE_ERROR_LABELS = ("ooc", "contradiction", "repetition", "less_quality", "less_info")
POSITIVE_ERROR_LABELS = ("proactivity",)
PAIRWISE_OUTCOMES = ("win", "tie", "lose", "both_bad")
OUTCOME_SCORE = {"win": 1.0, "tie": 0.5, "both_bad": 0.5, "lose": 0.0}
_POISSON_QUANTILES = poisson.ppf((np.arange(1 << 16) + 0.5) / (1 << 16), 1.0).astype(np.float32)
BT_REGULARISATION = 0.01  # only when a contestant never wins or never loses, to keep it finite


@dataclass(frozen=True)
class Estimate:
    mean: float
    ci_low: float
    ci_high: float
    n: int

    def as_dict(self) -> dict:
        return {"mean": self.mean, "ci_low": self.ci_low, "ci_high": self.ci_high, "n": self.n}


def _percentiles(samples: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    tail = (1.0 - level) / 2.0 * 100.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a column without values stays NaN
        low, high = np.nanpercentile(samples, [tail, 100.0 - tail], axis=0)
    return low, high


def bootstrap_weights(n_clusters: int, *, resamples: int, rng: np.random.Generator) -> np.ndarray:
    """(resamples × n_clusters) Poisson(1) weights: how often each cluster is drawn in each resample.

    The Poisson bootstrap (Hanley & MacGibbon 2006) approximates drawing ``n_clusters`` clusters
    with replacement, and any subset of the clusters (one category) is itself a Poisson bootstrap
    of that subset, so one matrix serves a contestant's overall and per-category intervals. The
    draws are the Poisson(1) quantiles of 16-bit uniforms (each probability within 2⁻¹⁶), which is
    several times faster than ``Generator.poisson`` on a million sessions.
    """
    return _POISSON_QUANTILES[rng.integers(0, len(_POISSON_QUANTILES), size=(resamples, n_clusters), dtype=np.uint16)]


def cluster_bootstrap(
    sums: np.ndarray,
    counts: np.ndarray,
    *,
    resamples: int = DEFAULT_RESAMPLES,
    level: float = DEFAULT_LEVEL,
    seed: int = 0,
    scale: float = 1.0,
    weights: np.ndarray | None = None,
) -> list[Estimate]:
    """Ratio means ``scale · Σsums / Σcounts`` per column, with CIs resampling the rows (sessions).

    ``sums`` and ``counts`` are (sessions × columns): the sum of the values of one session in one
    column (a dimension, an error label) and how many values (or model turns) that sum covers.
    ``n`` is the number of values; a column with none gets NaN. ``weights`` (resamples × sessions,
    from ``bootstrap_weights``) may be shared between calls over the same sessions.
    """
    sums = np.atleast_2d(np.asarray(sums, dtype=np.float64))
    counts = np.atleast_2d(np.asarray(counts, dtype=np.float64))
    if sums.shape != counts.shape:
        raise ValueError("sums and counts must have the same shape")
    n_sessions, n_columns = sums.shape
    if n_sessions == 0:
        return [Estimate(float("nan"), float("nan"), float("nan"), 0) for _ in range(n_columns)]
    total_counts = counts.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = scale * sums.sum(axis=0) / total_counts
        if weights is None:
            weights = bootstrap_weights(n_sessions, resamples=resamples, rng=np.random.default_rng(seed))
        resampled = scale * (weights @ sums.astype(np.float32)) / (weights @ counts.astype(np.float32))
    low, high = _percentiles(resampled, level)
    return [Estimate(float(means[k]), float(low[k]), float(high[k]), int(total_counts[k])) for k in range(n_columns)]


def mean_ci(
    values: Sequence[float],
    sessions: Sequence[object],
    *,
    resamples: int = DEFAULT_RESAMPLES,
    level: float = DEFAULT_LEVEL,
    seed: int = 0,
) -> Estimate:
    """Mean of ``values`` with a bootstrap CI that resamples the sessions the values belong to."""
    values = np.asarray(values, dtype=np.float64)
    _, session_index = np.unique(np.asarray(sessions, dtype=object).astype(str), return_inverse=True)
    n_sessions = int(session_index.max()) + 1 if len(values) else 0
    sums = np.bincount(session_index, weights=values, minlength=n_sessions)[:, None]
    counts = np.bincount(session_index, minlength=n_sessions).astype(np.float64)[:, None]
    return cluster_bootstrap(sums, counts, resamples=resamples, level=level, seed=seed)[0]


def characterglm_overall(rates: dict[str, float]) -> float:
    """CharacterGLM's summary of the per-turn labels: the five faults summed, minus proactivity."""
    return sum(rates.get(label, 0.0) for label in NEGATIVE_ERROR_LABELS) - sum(
        rates.get(label, 0.0) for label in POSITIVE_ERROR_LABELS
    )


def error_rates(
    label_counts: np.ndarray,
    model_turns: np.ndarray,
    labels: Sequence[str],
    *,
    resamples: int = DEFAULT_RESAMPLES,
    level: float = DEFAULT_LEVEL,
    seed: int = 0,
) -> dict[str, dict]:
    """Labels per 100 model turns, with session-bootstrap CIs, plus ``overall`` (CharacterGLM's).

    ``label_counts`` is (sessions × labels): how many model turns of the session carry the label;
    ``model_turns`` (sessions,) how many model turns the session had.
    """
    label_counts = np.atleast_2d(np.asarray(label_counts, dtype=np.float64)).reshape(len(model_turns), len(labels))
    turns = np.asarray(model_turns, dtype=np.float64)
    signs = np.array(
        [1.0 if label in NEGATIVE_ERROR_LABELS else -1.0 if label in POSITIVE_ERROR_LABELS else 0.0 for label in labels]
    )
    overall = (label_counts * signs).sum(axis=1, keepdims=True)
    sums = np.hstack([label_counts, overall])
    counts = np.repeat(turns[:, None], len(labels) + 1, axis=1)
    estimates = cluster_bootstrap(sums, counts, resamples=resamples, level=level, seed=seed, scale=100.0)
    result = {}
    for key, estimate in zip([*labels, "overall"], estimates, strict=True):
        result[key] = {
            "per_100_turns": estimate.mean,
            "ci_low": estimate.ci_low,
            "ci_high": estimate.ci_high,
            "model_turns": int(turns.sum()),
        }
    return result


def sign_test(wins: int, losses: int, *, level: float = DEFAULT_LEVEL) -> tuple[float, float, float]:
    """Exact two-sided sign test of ``wins`` against ``losses`` (p = 1/2), and the Clopper–Pearson
    interval of the win share: what ``scipy.stats.binomtest(wins, wins + losses)`` gives, computed
    with the incomplete-beta functions directly (a report runs thousands of these)."""
    n = wins + losses
    if n == 0:
        return 1.0, float("nan"), float("nan")
    p_value = min(1.0, 2.0 * float(special.bdtr(min(wins, losses), n, 0.5)))
    alpha = 1.0 - level
    low = float(special.betaincinv(wins, n - wins + 1, alpha / 2)) if wins > 0 else 0.0
    high = float(special.betaincinv(wins + 1, n - wins, 1 - alpha / 2)) if wins < n else 1.0
    return p_value, low, high


def pairwise_test(win: int, tie: int, lose: int, both_bad: int = 0, *, level: float = DEFAULT_LEVEL) -> dict:
    """Shares in percent (``tie`` includes ``both_bad``), sign-test p-value, CI of the decisive win share."""
    n = win + tie + lose + both_bad
    p_value, ci_low, ci_high = sign_test(win, lose, level=level)

    def share(count: int) -> float:
        return 100.0 * count / n if n else float("nan")

    return {
        "win": share(win),
        "tie": share(tie + both_bad),
        "lose": share(lose),
        "both_bad": share(both_bad),
        "n": n,
        "p_value": p_value,
        "ci_low": ci_low,
        "ci_high": ci_high,
    }


def comparison_matrix(a: np.ndarray, b: np.ndarray, score_a: np.ndarray, n_players: int) -> np.ndarray:
    """M[i, j] = wins of i over j, a tie adding half a win each way."""
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    score_a = np.asarray(score_a, dtype=np.float64)
    matrix = np.zeros((n_players, n_players))
    np.add.at(matrix, (a, b), score_a)
    np.add.at(matrix, (b, a), 1.0 - score_a)
    return matrix


def bradley_terry_fit(matrix: np.ndarray) -> np.ndarray:
    """Log-strengths (mean 0) of the Bradley–Terry model for a comparison matrix."""
    n_players = matrix.shape[0]
    if n_players < 2 or matrix.sum() == 0:
        return np.zeros(n_players)
    wins, losses = matrix.sum(axis=1), matrix.sum(axis=0)
    alpha = BT_REGULARISATION if (wins == 0).any() or (losses == 0).any() else 0.0
    return np.asarray(choix.ilsr_pairwise_dense(matrix, alpha=alpha))


def bradley_terry(
    a: np.ndarray,
    b: np.ndarray,
    score_a: np.ndarray,
    n_players: int,
    *,
    resamples: int = DEFAULT_RESAMPLES,
    level: float = DEFAULT_LEVEL,
    seed: int = 0,
) -> list[dict]:
    """Per player: log-strength ``score`` with a bootstrap CI resampling the judgments.

    A resample of the judgments only changes how many fall in each (a, b, outcome) cell, so it is
    drawn as one multinomial over those cells: the cost does not grow with the number of judgments.
    """
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    score_a = np.asarray(score_a, dtype=np.float64)
    scores = bradley_terry_fit(comparison_matrix(a, b, score_a, n_players))
    if len(a) == 0:
        return [{"score": 0.0, "ci_low": float("nan"), "ci_high": float("nan")} for _ in range(n_players)]
    cells, cell_counts = np.unique(np.stack([a, b, score_a]), axis=1, return_counts=True)
    rng = np.random.default_rng(seed)
    draws = rng.multinomial(len(a), cell_counts / cell_counts.sum(), size=resamples)
    boot = np.empty((resamples, n_players))
    cell_a, cell_b, cell_score = cells[0].astype(np.int64), cells[1].astype(np.int64), cells[2]
    for r in range(resamples):
        matrix = np.zeros((n_players, n_players))
        np.add.at(matrix, (cell_a, cell_b), cell_score * draws[r])
        np.add.at(matrix, (cell_b, cell_a), (1.0 - cell_score) * draws[r])
        boot[r] = bradley_terry_fit(matrix)
    low, high = _percentiles(boot, level)
    return [{"score": float(scores[i]), "ci_low": float(low[i]), "ci_high": float(high[i])} for i in range(n_players)]


def elo_ratings(
    a: Sequence[int],
    b: Sequence[int],
    score_a: Sequence[float],
    n_players: int,
    *,
    k: float = 4.0,
    base: float = 1000.0,
) -> list[float]:
    """Online Elo over the judgments in the order given (400-point logistic scale)."""
    ratings = [base] * n_players
    for i, j, s in zip(list(map(int, a)), list(map(int, b)), list(map(float, score_a)), strict=True):
        expected = 1.0 / (1.0 + 10.0 ** ((ratings[j] - ratings[i]) / 400.0))
        delta = k * (s - expected)
        ratings[i] += delta
        ratings[j] -= delta
    return ratings


def krippendorff_alpha(
    units: Sequence[object], coders: Sequence[object], values: Sequence[float], *, level: str = "ordinal"
) -> float | None:
    """Krippendorff's alpha over (unit, coder, value) triples; None when no unit has two values."""
    units = np.asarray(units, dtype=object).astype(str)
    coders = np.asarray(coders, dtype=object).astype(str)
    values = np.asarray(values, dtype=np.float64)
    unit_keys, unit_index = np.unique(units, return_inverse=True)
    coder_keys, coder_index = np.unique(coders, return_inverse=True)
    pairable = np.bincount(unit_index, minlength=len(unit_keys)) >= 2
    if not pairable.any() or len(coder_keys) < 2:
        return None
    data = np.full((len(coder_keys), len(unit_keys)), np.nan)
    data[coder_index, unit_index] = values
    data = data[:, pairable]
    if len(np.unique(data[~np.isnan(data)])) < 2:
        return None  # alpha is undefined when every value is the same
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement=level))


def pairwise_agreement(units: Sequence[object], choices: Sequence[object]) -> dict:
    """Share of agreeing pairs among all pairs of judgments of the same unit (units judged ≥ twice).

    A unit judged ``n`` times gives n(n−1)/2 pairs; ``c`` identical choices among them agree in
    c(c−1)/2 of those pairs.
    """
    _, unit_index = np.unique(np.asarray(units, dtype=object).astype(str), return_inverse=True)
    _, choice_index = np.unique(np.asarray(choices, dtype=object).astype(str), return_inverse=True)
    if len(unit_index) == 0:
        return {"rate": None, "items": 0, "pairs": 0}
    per_unit = np.bincount(unit_index).astype(np.int64)
    n_choices = int(choice_index.max()) + 1
    per_unit_choice = np.bincount(unit_index * n_choices + choice_index).astype(np.int64)
    total = int((per_unit * (per_unit - 1) // 2).sum())
    agreeing = int((per_unit_choice * (per_unit_choice - 1) // 2).sum())
    return {"rate": agreeing / total if total else None, "items": int((per_unit >= 2).sum()), "pairs": total}


def spearman(x: Sequence[float], y: Sequence[float]) -> float | None:
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if len(x) < 3 or np.all(x == x[0]) or np.all(y == y[0]):
        return None
    return float(spearmanr(x, y).statistic)


def evaluator_stats(evaluators: Sequence[object], values: Sequence[float]) -> dict[str, dict]:
    """Per evaluator: ratings given, their mean and standard deviation, and the modal answer's share."""
    keys, index = np.unique(np.asarray(evaluators, dtype=object).astype(str), return_inverse=True)
    values = np.asarray(values, dtype=np.float64)
    n = np.bincount(index, minlength=len(keys)).astype(np.float64)
    total = np.bincount(index, weights=values, minlength=len(keys))
    squares = np.bincount(index, weights=values * values, minlength=len(keys))
    levels, value_index = np.unique(values, return_inverse=True)
    per_value = np.bincount(index * len(levels) + value_index, minlength=len(keys) * len(levels))
    modal = per_value.reshape(len(keys), len(levels)).max(axis=1) if len(levels) else np.zeros(len(keys))
    stats = {}
    for i, key in enumerate(keys):
        mean = total[i] / n[i]
        variance = (squares[i] - n[i] * mean * mean) / (n[i] - 1) if n[i] > 1 else 0.0
        stats[str(key)] = {
            "n": int(n[i]),
            "mean": float(mean),
            "sd": float(np.sqrt(max(variance, 0.0))),
            "modal_share": float(modal[i] / n[i]),
        }
    return stats
