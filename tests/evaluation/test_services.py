"""Campaign lifecycle, balanced assignment and the judgment services, including what they refuse."""

import pytest
from django.core.exceptions import ValidationError

from evaluation import services
from evaluation.models import (
    Assignment,
    AssignmentStatus,
    CampaignStatus,
    ErrorLabel,
    Mode,
    PairwiseJudgment,
    PointwiseRating,
)
from evaluation.services.assignments import williams_row
from evaluation.services.campaigns import EvaluationRefused
from platform_core.roles import Role
from roleplay.live.errors import LiveRefused
from roleplay.models import DialogueSource, Turn
from tests.evaluation.conftest import chat_pointwise, pairwise_turn, say_pointwise
from tests.factories import TEST_PASSWORD, ModelVersionFactory

pytestmark = pytest.mark.django_db


def test_williams_rows_form_a_latin_square_balanced_for_carry_over():
    k = 4
    rows = [williams_row(k, r) for r in range(k)]
    for row in rows:
        assert sorted(row) == list(range(k))
    for position in range(k):
        assert sorted(row[position] for row in rows) == list(range(k))
    followers = {(row[i], row[i + 1]) for row in rows for i in range(k - 1)}
    assert len(followers) == k * (k - 1)  # every ordered pair follows exactly once


def test_campaign_states_go_draft_open_closed(make_campaign, researcher):
    campaign = make_campaign(open_it=False)
    assert campaign.status == CampaignStatus.DRAFT
    assert [c.alias for c in campaign.contestants.all()] == ["Model A", "Model B", "Model C"]
    campaign = services.campaign_open(campaign=campaign, actor=researcher)
    with pytest.raises(EvaluationRefused) as refused:
        services.campaign_open(campaign=campaign, actor=researcher)
    assert refused.value.code == "not_draft"
    assert services.campaign_close(campaign=campaign, actor=researcher).status == CampaignStatus.CLOSED


def test_campaign_create_rejects_bad_settings_and_stores_nothing(researcher):
    with pytest.raises(ValidationError) as error:
        services.campaign_create(
            slug="bad", title="Bad", contestants=[ModelVersionFactory()], created_by=researcher, topics=["poetry"]
        )
    assert "topics" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.campaign_create(
            slug="bad", title="Bad", contestants=[ModelVersionFactory()], created_by=researcher
        )  # pairwise by default needs two
    assert "contestants" in error.value.message_dict
    from evaluation.models import Campaign

    assert not Campaign.objects.exists()


def test_every_evaluator_meets_every_contestant_on_the_same_characters(make_campaign, evaluator):
    campaign = make_campaign(contestants=3, characters=3)
    seen = []
    for _ in range(6):
        assignment = services.assignment_next(campaign=campaign, evaluator=evaluator, mode=Mode.POINTWISE)
        chat_pointwise(assignment, evaluator, 3)
        services.rating_submit(
            assignment_id=assignment.pk, evaluator=evaluator, ratings={k: 4 for k in campaign.dimension_keys()}
        )
        seen.append((assignment.character_id, assignment.contestant_id))
    characters = {character for character, _ in seen}
    assert len(characters) == 2 and len(set(seen)) == 6
    for character in characters:
        assert {c for ch, c in seen if ch == character} == set(campaign.contestants.values_list("pk", flat=True))
    with pytest.raises(EvaluationRefused) as refused:
        services.assignment_next(campaign=campaign, evaluator=evaluator, mode=Mode.POINTWISE)
    assert refused.value.code == "plan_complete"


def test_evaluators_start_on_different_contestants(make_campaign, evaluator, second_evaluator):
    campaign = make_campaign(contestants=3)
    first = services.assignment_next(campaign=campaign, evaluator=evaluator, mode=Mode.POINTWISE)
    second = services.assignment_next(campaign=campaign, evaluator=second_evaluator, mode=Mode.POINTWISE)
    assert first.contestant_id != second.contestant_id


def test_evaluation_dialogue_is_stored_with_its_campaign(make_campaign, evaluator):
    campaign = make_campaign()
    assignment = services.assignment_next(campaign=campaign, evaluator=evaluator, mode=Mode.POINTWISE)
    assert assignment.dialogue.source == DialogueSource.HUMAN_MACHINE
    assert assignment.dialogue.evaluation_assignment.campaign == campaign
    assert services.assignment_next(campaign=campaign, evaluator=evaluator, mode=Mode.POINTWISE) == assignment


def test_abandoned_session_goes_back_to_the_pool(make_campaign, evaluator):
    campaign = make_campaign()
    first = services.assignment_next(campaign=campaign, evaluator=evaluator, mode=Mode.POINTWISE)
    services.assignment_abandon(assignment=first, evaluator=evaluator)
    again = services.assignment_next(campaign=campaign, evaluator=evaluator, mode=Mode.POINTWISE)
    assert again.pk != first.pk
    assert (again.character_id, again.contestant_id) == (first.character_id, first.contestant_id)
    assert Assignment.objects.get(pk=first.pk).status == AssignmentStatus.ABANDONED


def test_unqualified_worker_gets_no_session(make_campaign, make_user):
    campaign = make_campaign()
    worker = make_user(Role.CROWDWORKER)
    with pytest.raises(EvaluationRefused) as refused:
        services.assignment_next(campaign=campaign, evaluator=worker, mode=Mode.POINTWISE)
    assert refused.value.code == "not_qualified"


def test_daily_cap_stops_new_sessions(make_campaign, evaluator):
    campaign = make_campaign(daily_cap=1)
    assignment = services.assignment_next(campaign=campaign, evaluator=evaluator, mode=Mode.POINTWISE)
    chat_pointwise(assignment, evaluator, 3)
    services.rating_submit(
        assignment_id=assignment.pk, evaluator=evaluator, ratings={k: 3 for k in campaign.dimension_keys()}
    )
    with pytest.raises(EvaluationRefused) as refused:
        services.assignment_next(campaign=campaign, evaluator=evaluator, mode=Mode.POINTWISE)
    assert refused.value.code == "daily_cap"


def test_rating_form_unlocks_at_the_minimum_turns(make_campaign, evaluator):
    campaign = make_campaign(min_turns=5)
    assignment = services.assignment_next(campaign=campaign, evaluator=evaluator, mode=Mode.POINTWISE)
    chat_pointwise(assignment, evaluator, 3)
    ratings = {k: 4 for k in campaign.dimension_keys()}
    with pytest.raises(EvaluationRefused) as refused:
        services.rating_submit(assignment_id=assignment.pk, evaluator=evaluator, ratings=ratings)
    assert refused.value.code == "too_few_turns"
    chat_pointwise(assignment, evaluator, 5)
    services.rating_submit(assignment_id=assignment.pk, evaluator=evaluator, ratings=ratings, comment="Nice.")
    assert PointwiseRating.objects.filter(assignment=assignment).count() == 7


@pytest.mark.parametrize("bad", [0, 6, 3.5, "five", True, None])
def test_out_of_range_rating_is_refused_and_nothing_stored(make_campaign, evaluator, bad):
    campaign = make_campaign()
    assignment = services.assignment_next(campaign=campaign, evaluator=evaluator, mode=Mode.POINTWISE)
    chat_pointwise(assignment, evaluator, 3)
    ratings = {k: 4 for k in campaign.dimension_keys()}
    ratings["safety"] = bad
    with pytest.raises(EvaluationRefused) as refused:
        services.rating_submit(assignment_id=assignment.pk, evaluator=evaluator, ratings=ratings)
    assert refused.value.code == "out_of_range" and refused.value.field == "ratings.safety"
    assert not PointwiseRating.objects.exists()
    assert Assignment.objects.get(pk=assignment.pk).status == AssignmentStatus.ACTIVE


def test_a_session_is_rated_once(make_campaign, evaluator):
    campaign = make_campaign()
    assignment = services.assignment_next(campaign=campaign, evaluator=evaluator, mode=Mode.POINTWISE)
    chat_pointwise(assignment, evaluator, 3)
    ratings = {k: 4 for k in campaign.dimension_keys()}
    services.rating_submit(assignment_id=assignment.pk, evaluator=evaluator, ratings=ratings)
    with pytest.raises(EvaluationRefused) as refused:
        services.rating_submit(assignment_id=assignment.pk, evaluator=evaluator, ratings=ratings)
    assert refused.value.code == "already_submitted"
    assert PointwiseRating.objects.count() == 7


def test_judgment_by_someone_not_assigned_is_refused(make_campaign, evaluator, second_evaluator):
    campaign = make_campaign()
    assignment = services.assignment_next(campaign=campaign, evaluator=evaluator, mode=Mode.POINTWISE)
    chat_pointwise(assignment, evaluator, 3)
    with pytest.raises(EvaluationRefused) as refused:
        services.rating_submit(
            assignment_id=assignment.pk, evaluator=second_evaluator, ratings={k: 3 for k in campaign.dimension_keys()}
        )
    assert refused.value.code == "not_assigned"
    with pytest.raises(EvaluationRefused) as refused:
        services.error_label_set(assignment_id=assignment.pk, evaluator=second_evaluator, turn_seq=3, labels=["ooc"])
    assert refused.value.code == "not_assigned"
    with pytest.raises(LiveRefused) as refused:  # nor can they chat in it
        say_pointwise(assignment, second_evaluator, "Hi")
    assert refused.value.code == "not_your_session"
    assert Turn.objects.filter(dialogue=assignment.dialogue).count() == 3
    assert not PointwiseRating.objects.exists() and not ErrorLabel.objects.exists()


def test_judgment_on_a_closed_campaign_is_refused(make_campaign, evaluator, researcher):
    campaign = make_campaign()
    assignment = services.assignment_next(campaign=campaign, evaluator=evaluator, mode=Mode.PAIRWISE)
    services.player_turn_append(assignment_id=assignment.pk, evaluator=evaluator, text="Hi")
    pair = services.pairwise_pair_store(
        assignment_id=assignment.pk,
        evaluator=evaluator,
        replies={assignment.contestant_id: "a", assignment.opponent_id: "b"},
    )
    services.campaign_close(campaign=campaign, actor=researcher)
    with pytest.raises(EvaluationRefused) as refused:
        services.pairwise_judge(assignment_id=assignment.pk, evaluator=evaluator, turn_seq=pair.turn_seq, choice="left")
    assert refused.value.code == "campaign_closed"
    assert PairwiseJudgment.objects.get().choice == ""


def test_pairwise_stores_both_replies_sides_and_continues_with_the_chosen_one(make_campaign, evaluator):
    campaign = make_campaign()
    assignment = services.assignment_next(campaign=campaign, evaluator=evaluator, mode=Mode.PAIRWISE)
    judgment, turn = pairwise_turn(assignment, evaluator, "right", texts=("From contestant.", "From opponent."))
    assert {judgment.left_id, judgment.right_id} == {assignment.contestant_id, assignment.opponent_id}
    assert turn.text == judgment.right_text
    assert turn.author_model == judgment.right.model_version
    assert {judgment.left_text, judgment.right_text} == {"From contestant.", "From opponent."}
    with pytest.raises(EvaluationRefused) as refused:
        services.pairwise_judge(
            assignment_id=assignment.pk, evaluator=evaluator, turn_seq=judgment.turn_seq, choice="left"
        )
    assert refused.value.code == "already_judged"
    assert PairwiseJudgment.objects.get().choice == "right"


def test_pairwise_sides_are_randomised(make_campaign, evaluator):
    campaign = make_campaign(contestants=2)
    assignment = services.assignment_next(campaign=campaign, evaluator=evaluator, mode=Mode.PAIRWISE)
    lefts = [pairwise_turn(assignment, evaluator, "tie")[0].left_id for _ in range(12)]
    assert len(set(lefts)) == 2


def test_bad_pairwise_choice_is_refused(make_campaign, evaluator):
    campaign = make_campaign()
    assignment = services.assignment_next(campaign=campaign, evaluator=evaluator, mode=Mode.PAIRWISE)
    with pytest.raises(EvaluationRefused) as refused:
        pairwise_turn(assignment, evaluator, "middle")
    assert refused.value.code == "bad_choice"


def test_attention_check_plants_a_reply_with_a_known_answer(make_campaign, evaluator):
    campaign = make_campaign(attention_every=2)
    assignment = services.assignment_next(campaign=campaign, evaluator=evaluator, mode=Mode.PAIRWISE)
    first, _ = pairwise_turn(assignment, evaluator, "left")
    second, turn = pairwise_turn(assignment, evaluator, "tie")
    assert first.attention_expected == "" and second.attention_expected in ("left", "right")
    planted = second.right_text if second.attention_expected == "left" else second.left_text
    assert "ttention" in planted
    assert turn.text != planted  # the real reply continues


def test_error_labels_are_set_per_model_turn_and_editable_until_submitted(make_campaign, evaluator):
    campaign = make_campaign()
    assignment = services.assignment_next(campaign=campaign, evaluator=evaluator, mode=Mode.POINTWISE)
    chat_pointwise(assignment, evaluator, 3)
    model_turn = Turn.objects.filter(dialogue=assignment.dialogue, author_model__isnull=False).first()
    services.error_label_set(
        assignment_id=assignment.pk, evaluator=evaluator, turn_seq=model_turn.seq, labels=["ooc", "repetition"]
    )
    services.error_label_set(assignment_id=assignment.pk, evaluator=evaluator, turn_seq=model_turn.seq, labels=["ooc"])
    assert list(ErrorLabel.objects.values_list("label", flat=True)) == ["ooc"]
    with pytest.raises(EvaluationRefused) as refused:
        services.error_label_set(assignment_id=assignment.pk, evaluator=evaluator, turn_seq=2, labels=["ooc"])
    assert refused.value.code == "not_a_model_turn"  # turn 2 is the evaluator's
    with pytest.raises(EvaluationRefused) as refused:
        services.error_label_set(
            assignment_id=assignment.pk, evaluator=evaluator, turn_seq=model_turn.seq, labels=["rude"]
        )
    assert refused.value.code == "bad_label"
    services.rating_submit(
        assignment_id=assignment.pk, evaluator=evaluator, ratings={k: 2 for k in campaign.dimension_keys()}
    )
    with pytest.raises(EvaluationRefused) as refused:
        services.error_label_set(assignment_id=assignment.pk, evaluator=evaluator, turn_seq=model_turn.seq, labels=[])
    assert refused.value.code == "already_submitted"
    assert ErrorLabel.objects.count() == 1


def test_reply_revealing_a_model_identity_is_flagged(make_campaign, evaluator):
    campaign = make_campaign()
    assignment = services.assignment_next(campaign=campaign, evaluator=evaluator, mode=Mode.PAIRWISE)
    judgment, _ = pairwise_turn(assignment, evaluator, "left", texts=("As an AI developed by OpenAI…", "Ahoy!"))
    assert judgment.identity_leak


def test_dimensions_and_contestants_freeze_once_judged(make_campaign, evaluator, researcher):
    campaign = make_campaign()
    assignment = services.assignment_next(campaign=campaign, evaluator=evaluator, mode=Mode.PAIRWISE)
    pairwise_turn(assignment, evaluator, "left")
    dimensions = [dict(d) for d in campaign.dimensions][:3]
    with pytest.raises(EvaluationRefused) as refused:
        services.campaign_update(campaign=campaign, actor=researcher, dimensions=dimensions)
    assert refused.value.field == "dimensions"
    with pytest.raises(EvaluationRefused):
        services.campaign_update(campaign=campaign, actor=researcher, contestants=[ModelVersionFactory()])
    services.campaign_update(campaign=campaign, actor=researcher, title="Renamed")


def test_an_idle_session_is_dropped_back_to_the_pool(make_campaign, evaluator, settings):
    from datetime import timedelta

    from django.utils import timezone

    from evaluation.services.assignments import assignments_release_idle

    settings.EVALUATION_SESSION_IDLE_S = 3600
    campaign = make_campaign()
    idle = services.assignment_next(campaign=campaign, evaluator=evaluator, mode=Mode.POINTWISE)
    assert assignments_release_idle() == 0  # the greeting is fresh
    later = timezone.now() + timedelta(hours=2)
    assert assignments_release_idle(now=later) == 1
    assert Assignment.objects.get(pk=idle.pk).status == AssignmentStatus.ABANDONED
    again = services.assignment_next(campaign=campaign, evaluator=evaluator, mode=Mode.POINTWISE)
    assert (again.character_id, again.contestant_id) == (idle.character_id, idle.contestant_id)


def test_an_evaluator_may_bring_their_own_character_when_the_campaign_takes_them(
    make_campaign, evaluator, second_evaluator, client
):
    closed_to_them = make_campaign(slug="no-own")
    with pytest.raises(EvaluationRefused) as refused:
        services.own_character_add(
            campaign=closed_to_them,
            evaluator=evaluator,
            name="Mine",
            category="daily_life",
            language="en",
            identity="A baker.",
        )
    assert refused.value.code == "own_characters_off"

    campaign = make_campaign(slug="own", allow_own_characters=True, characters=3)
    client.login(username=evaluator.username, password=TEST_PASSWORD)
    response = client.post(
        f"/evaluation/work/{campaign.pk}/own-character/",
        {"name": "Baker Bo", "category": "daily_life", "language": "en", "identity": "A night-shift baker."},
    )
    assert response.status_code == 302
    plan = services.evaluator_plan(campaign=campaign, evaluator=evaluator, mode=Mode.POINTWISE)
    characters = list(dict.fromkeys(item.character.name for item in plan))
    assert characters[0] == "Baker Bo" and len(characters) == 2  # their own, then one drawn
    assert len(plan) == 2 * 3  # every contestant on both
    with pytest.raises(EvaluationRefused) as refused:
        services.own_character_add(
            campaign=campaign,
            evaluator=evaluator,
            name="Late",
            category="daily_life",
            language="en",
            identity="Too late.",
        )
    assert refused.value.code == "characters_drawn"
    assert campaign.characters.filter(name="Baker Bo").exists()  # open to the other evaluators' draws
