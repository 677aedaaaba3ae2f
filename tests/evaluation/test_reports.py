"""The report from the database, ``judgments.csv``, and recomputing the report from the CSV."""

import json

import pandas as pd
import pytest
from django.core.management import CommandError, call_command

from evaluation import services
from evaluation.models import Mode
from evaluation.reports import campaign_report, report_from_table
from evaluation.table import COLUMNS, judgments_table
from tests.evaluation.conftest import chat_pointwise, pairwise_turn

pytestmark = pytest.mark.django_db


def _rate(campaign, evaluator, overall_by_contestant):
    """Rate every pointwise session of the evaluator's plan: ``overall`` by contestant, 3 elsewhere."""
    while True:
        try:
            assignment = services.assignment_next(campaign=campaign, evaluator=evaluator, mode=Mode.POINTWISE)
        except services.EvaluationRefused:
            return
        chat_pointwise(assignment, evaluator, 3)
        ratings = {key: 3 for key in campaign.dimension_keys()}
        ratings["overall"] = overall_by_contestant[assignment.contestant.name]
        model_turn = assignment.dialogue.turns.filter(author_model__isnull=False).first()
        services.error_label_set(
            assignment_id=assignment.pk, evaluator=evaluator, turn_seq=model_turn.seq, labels=["ooc"]
        )
        services.rating_submit(assignment_id=assignment.pk, evaluator=evaluator, ratings=ratings)


@pytest.fixture
def judged_campaign(make_campaign, evaluator, second_evaluator):
    campaign = make_campaign(contestants=2, characters=2, overlap=1.0)
    first, second = [c.name for c in campaign.contestants.all()]
    _rate(campaign, evaluator, {first: 5, second: 2})
    _rate(campaign, second_evaluator, {first: 4, second: 2})
    for judge, choices in ((evaluator, ["win", "win", "tie"]), (second_evaluator, ["win", "lose", "both_bad"])):
        assignment = services.assignment_next(campaign=campaign, evaluator=judge, mode=Mode.PAIRWISE)
        for outcome in choices:
            # the outcome from the assignment's contestant's side → the side to click
            services.player_turn_append(assignment_id=assignment.pk, evaluator=judge, text="Go on.")
            pair = services.pairwise_pair_store(
                assignment_id=assignment.pk,
                evaluator=judge,
                replies={assignment.contestant_id: "mine", assignment.opponent_id: "theirs"},
            )
            mine = "left" if pair.left_id == assignment.contestant_id else "right"
            theirs = "right" if mine == "left" else "left"
            choice = {"win": mine, "lose": theirs}.get(outcome, outcome)
            services.pairwise_judge(assignment_id=assignment.pk, evaluator=judge, turn_seq=pair.turn_seq, choice=choice)
    return campaign, first, second


def test_report_figures_by_hand(judged_campaign):
    campaign, first, second = judged_campaign
    report = campaign_report(campaign, resamples=200)
    assert set(report) >= {"pointwise", "errors", "pairwise", "bradley_terry", "agreement"}
    # each evaluator rated each contestant on 2 characters: first got 5, 5, 4, 4
    assert report["pointwise"][first]["overall"]["mean"] == pytest.approx(4.5)
    assert report["pointwise"][first]["overall"]["n"] == 4
    assert report["pointwise"][second]["overall"]["mean"] == pytest.approx(2.0)
    # one OOC label on one of the (3 turns → 1 model turn) per session: 100 per 100 model turns
    assert report["errors"][first]["ooc"]["per_100_turns"] == pytest.approx(100.0)
    assert report["errors"][first]["overall"]["per_100_turns"] == pytest.approx(100.0)
    (pair,) = report["pairwise"]
    a_is_first = pair["a"] == min(first, second)
    wins, losses = (3, 1) if pair["a"] == first else (1, 3)
    assert a_is_first
    assert pair["win"] == pytest.approx(100 * wins / 6) and pair["lose"] == pytest.approx(100 * losses / 6)
    assert pair["tie"] == pytest.approx(100 * 2 / 6)
    assert set(pair["by_topic"]) and set(pair["by_category"])
    bt = report["bradley_terry"]
    assert bt[first]["score"] > bt[second]["score"]
    assert "elo" in bt[first]


def test_judgments_csv_has_exactly_the_columns_and_recomputes_the_report(judged_campaign, tmp_path):
    campaign, *_ = judged_campaign
    call_command("eval_report", campaign.slug, "--json", str(tmp_path / "report.json"), "--csv", str(tmp_path))
    table = pd.read_csv(tmp_path / "judgments.csv")
    assert list(table.columns) == COLUMNS
    assert set(table["mode"]) == {"pointwise", "error", "pairwise"}
    assert table["evaluator"].str.startswith("worker-").all()
    stored = json.loads((tmp_path / "report.json").read_text())
    recomputed = report_from_table(
        table[table["excluded"] == 0], dimensions=campaign.dimension_keys(), seed=campaign.seed
    )
    for key in ("pointwise", "errors", "pairwise", "bradley_terry", "agreement"):
        assert _close(recomputed[key], stored[key]), key


def _close(left, right) -> bool:
    """Equal structure and values, floats to 1e-9 (the JSON round trip)."""
    if isinstance(left, dict):
        return isinstance(right, dict) and left.keys() == right.keys() and all(_close(left[k], right[k]) for k in left)
    if isinstance(left, list):
        return isinstance(right, list) and len(left) == len(right) and all(map(_close, left, right))
    if isinstance(left, float) and isinstance(right, float | int):
        return left == pytest.approx(right, rel=1e-9, abs=1e-12)
    return left == right


def test_failed_attention_check_excludes_the_evaluator(make_campaign, evaluator, second_evaluator):
    campaign = make_campaign(contestants=2, attention_every=1)
    assignment = services.assignment_next(campaign=campaign, evaluator=evaluator, mode=Mode.PAIRWISE)
    services.player_turn_append(assignment_id=assignment.pk, evaluator=evaluator, text="Hi")
    pair = services.pairwise_pair_store(
        assignment_id=assignment.pk,
        evaluator=evaluator,
        replies={assignment.contestant_id: "a", assignment.opponent_id: "b"},
    )
    wrong = "left" if pair.attention_expected == "right" else "right"
    services.pairwise_judge(assignment_id=assignment.pk, evaluator=evaluator, turn_seq=pair.turn_seq, choice=wrong)
    table = judgments_table(campaign)
    assert table["excluded"].tolist() == [1]
    report = campaign_report(campaign, resamples=50)
    assert report["meta"]["flag_reasons"]["attention"] == 1
    assert report["pairwise"] == []


def test_eval_report_names_an_unknown_campaign(tmp_path):
    with pytest.raises(CommandError, match="No campaign named 'nope'"):
        call_command("eval_report", "nope", "--json", str(tmp_path / "r.json"))


def test_pairwise_row_values_are_from_the_contestants_side(make_campaign, evaluator):
    campaign = make_campaign(contestants=2)
    assignment = services.assignment_next(campaign=campaign, evaluator=evaluator, mode=Mode.PAIRWISE)
    judgment, _ = pairwise_turn(assignment, evaluator, "left")
    row = judgments_table(campaign).iloc[0]
    contestant_side = "left" if judgment.left_id == assignment.contestant_id else "right"
    assert row["position"] == contestant_side
    assert row["value"] == ("win" if contestant_side == "left" else "lose")


def test_implausibly_fast_evaluator_is_flagged_and_excluded(make_campaign, evaluator):
    campaign = make_campaign(contestants=2, min_seconds_per_turn=3.0)
    assignment = services.assignment_next(campaign=campaign, evaluator=evaluator, mode=Mode.PAIRWISE)
    pairwise_turn(assignment, evaluator, "left")  # judged within milliseconds of being shown
    assert judgments_table(campaign)["excluded"].tolist() == [1]
    assert campaign_report(campaign, resamples=20)["meta"]["flag_reasons"]["too_fast"] == 1
