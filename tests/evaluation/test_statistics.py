"""The statistics module against values computed by hand or published."""

import math

import numpy as np
import pytest

from evaluation import statistics as st

NAN = float("nan")


def test_mean_ci_mean_is_the_plain_mean_and_the_interval_contains_it():
    estimate = st.mean_ci([1, 2, 3, 4, 5, 5], ["s1", "s1", "s2", "s2", "s3", "s3"], resamples=500)
    assert estimate.mean == pytest.approx(20 / 6)
    assert estimate.n == 6
    assert estimate.ci_low <= estimate.mean <= estimate.ci_high


def test_bootstrap_of_independent_values_matches_the_normal_interval():
    values = np.array([0, 1] * 200, dtype=float)  # p = 0.5, n = 400: half-width 1.96·sqrt(.25/400) = 0.049
    estimate = st.mean_ci(values, np.arange(400), resamples=4000, seed=1)
    assert estimate.mean == 0.5
    assert estimate.ci_low == pytest.approx(0.5 - 0.049, abs=0.008)
    assert estimate.ci_high == pytest.approx(0.5 + 0.049, abs=0.008)


def test_bootstrap_resamples_sessions_not_values():
    # 40 sessions of 10 identical ratings: the information is 40 values, half-width 1.96·sqrt(.25/40) = 0.155
    values = np.repeat(np.array([0, 1] * 20, dtype=float), 10)
    sessions = np.repeat(np.arange(40), 10)
    estimate = st.mean_ci(values, sessions, resamples=4000, seed=2)
    assert estimate.n == 400
    assert estimate.ci_high - estimate.ci_low == pytest.approx(2 * 0.155, abs=0.03)


def test_a_column_without_values_is_nan_not_an_error():
    sums = np.array([[4.0, 0.0], [6.0, 0.0]])
    counts = np.array([[1.0, 0.0], [2.0, 0.0]])
    first, empty = st.cluster_bootstrap(sums, counts, resamples=50)
    assert first.mean == pytest.approx(10 / 3)
    assert empty.n == 0 and math.isnan(empty.mean)


def test_error_rates_per_hundred_model_turns_and_characterglm_overall():
    labels = ["ooc", "repetition", "proactivity"]
    # session 1: 10 model turns, 2 OOC, 1 proactive; session 2: 10 model turns, 1 repetition
    counts = np.array([[2, 0, 1], [0, 1, 0]])
    rates = st.error_rates(counts, np.array([10, 10]), labels, resamples=200)
    assert rates["ooc"]["per_100_turns"] == pytest.approx(10.0)
    assert rates["repetition"]["per_100_turns"] == pytest.approx(5.0)
    assert rates["proactivity"]["per_100_turns"] == pytest.approx(5.0)
    assert rates["overall"]["per_100_turns"] == pytest.approx(10.0 + 5.0 - 5.0)
    assert rates["overall"]["model_turns"] == 20


def test_characterglm_overall_subtracts_proactivity():
    rates = {"ooc": 1, "contradiction": 2, "repetition": 3, "less_quality": 4, "less_info": 5, "proactivity": 6}
    assert st.characterglm_overall(rates) == 9


def test_pairwise_shares_and_the_paper_table_is_not_significant():
    result = st.pairwise_test(44, 11, 45)
    assert (result["win"], result["tie"], result["lose"]) == (44.0, 11.0, 45.0)
    assert result["p_value"] == pytest.approx(1.0)  # 44 of 89 decisive: as balanced as it gets


def test_sign_test_and_exact_interval_by_hand():
    result = st.pairwise_test(9, 3, 1, both_bad=2)
    # P(X ≥ 9) + P(X ≤ 1) for X ~ Bin(10, 1/2) = 2·(1 + 10)/1024
    assert result["p_value"] == pytest.approx(22 / 1024)
    # Clopper–Pearson for 9 of 10
    assert result["ci_low"] == pytest.approx(0.55498, abs=1e-4)
    assert result["ci_high"] == pytest.approx(0.99747, abs=1e-4)
    assert result["tie"] == pytest.approx(100 * 5 / 15)
    assert result["both_bad"] == pytest.approx(100 * 2 / 15)
    assert result["n"] == 15


def test_bradley_terry_recovers_the_strengths_of_a_hand_made_table():
    # Strengths 1, 2, 4: every pair's wins are exactly proportional to p_i / (p_i + p_j), so the MLE
    # is exactly log(1, 2, 4) centred: (-ln 2, 0, ln 2).
    a, b, s = [], [], []
    for i, j, wins_i, wins_j in [(0, 1, 1, 2), (0, 2, 1, 4), (1, 2, 1, 2)]:
        a += [i] * (wins_i + wins_j)
        b += [j] * (wins_i + wins_j)
        s += [1.0] * wins_i + [0.0] * wins_j
    result = st.bradley_terry(np.array(a), np.array(b), np.array(s), 3, resamples=200)
    scores = [entry["score"] for entry in result]
    assert scores == pytest.approx([-math.log(2), 0.0, math.log(2)], abs=0.01)
    for entry in result:
        assert entry["ci_low"] <= entry["score"] <= entry["ci_high"]


def test_bradley_terry_counts_a_tie_as_half_a_win_each_way():
    # A beats B once and ties once: 1.5 wins to 0.5, strength ratio 3, log gap ln 3
    result = st.bradley_terry(np.array([0, 0]), np.array([1, 1]), np.array([1.0, 0.5]), 2, resamples=50)
    assert result[0]["score"] - result[1]["score"] == pytest.approx(math.log(3), abs=0.02)


def test_comparison_matrix_from_both_sides():
    matrix = st.comparison_matrix(np.array([0, 1]), np.array([1, 0]), np.array([1.0, 0.5]), 2)
    # judgment 1: 0 beats 1; judgment 2: 1 ties 0 → 0 has 1.5 wins over 1, 1 has 0.5 over 0
    assert matrix.tolist() == [[0.0, 1.5], [0.5, 0.0]]


def test_elo_one_game_by_hand():
    assert st.elo_ratings([0], [1], [1.0], 2, k=4) == [1002.0, 998.0]
    ratings = st.elo_ratings([0, 0], [1, 1], [1.0, 0.0], 2, k=32)
    # second game: expected for A = 1/(1+10^(-32/400)) = 0.54592; A loses 32·0.54592
    assert ratings[0] == pytest.approx(1016 - 32 * 0.545922, abs=1e-3)


# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", example C: four observers,
# twelve units, values 1–5 with missing data; published alpha: nominal 0.743, ordinal 0.815,
# interval 0.849.
KRIPPENDORFF_EXAMPLE = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
    [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN],
]


def _triples(matrix):
    for coder, row in enumerate(matrix):
        for unit, value in enumerate(row):
            if not math.isnan(value):
                yield unit, f"observer-{coder}", value


@pytest.mark.parametrize("level, published", [("ordinal", 0.815), ("nominal", 0.743), ("interval", 0.849)])
def test_krippendorff_alpha_on_the_published_example(level, published):
    units, coders, values = zip(*_triples(KRIPPENDORFF_EXAMPLE), strict=True)
    assert st.krippendorff_alpha(units, coders, values, level=level) == pytest.approx(published, abs=5e-4)


def test_alpha_is_none_without_a_doubly_rated_unit():
    assert st.krippendorff_alpha(["u1", "u2"], ["a", "b"], [1, 2]) is None


def test_pairwise_agreement_counts_pairs_of_judgments_per_item():
    result = st.pairwise_agreement(["t1", "t1", "t1", "t2", "t2", "t3"], ["left", "left", "tie", "a", "b", "a"])
    # t1: 3 pairs, 1 agrees; t2: 1 pair, none; t3 judged once
    assert result == {"rate": 1 / 4, "items": 2, "pairs": 4}


def test_spearman_and_its_degenerate_cases():
    assert st.spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert st.spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    assert st.spearman([1, 1, 1], [1, 2, 3]) is None


def test_evaluator_stats_by_hand():
    stats = st.evaluator_stats(["a", "a", "a", "b"], [5, 5, 2, 3])
    assert stats["a"]["n"] == 3 and stats["a"]["mean"] == 4.0
    assert stats["a"]["sd"] == pytest.approx(math.sqrt(3.0))
    assert stats["a"]["modal_share"] == pytest.approx(2 / 3)
    assert stats["b"] == {"n": 1, "mean": 3.0, "sd": 0.0, "modal_share": 1.0}


def test_bradley_terry_stays_finite_when_a_contestant_never_wins():
    result = st.bradley_terry(np.array([0, 0, 1]), np.array([1, 2, 2]), np.array([1.0, 1.0, 1.0]), 3, resamples=50)
    scores = [entry["score"] for entry in result]
    assert all(math.isfinite(score) for score in scores)
    assert scores[0] > scores[1] > scores[2]


@pytest.mark.parametrize("wins, losses", [(9, 1), (44, 45), (0, 7), (12, 0), (30, 18), (1, 1), (0, 1)])
def test_sign_test_equals_scipy_binomtest(wins, losses):
    from scipy.stats import binomtest

    reference = binomtest(wins, wins + losses, 0.5)
    interval = reference.proportion_ci(confidence_level=0.95, method="exact")
    p_value, low, high = st.sign_test(wins, losses)
    assert p_value == pytest.approx(reference.pvalue, rel=1e-9)
    assert (low, high) == pytest.approx((interval.low, interval.high), rel=1e-7, abs=1e-12)
