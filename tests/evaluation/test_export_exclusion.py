"""Evaluation dialogues are test data: corpus exports leave them out unless a spec asks for them."""

import pytest

from evaluation import services
from evaluation.models import Mode
from exports.build.splits import dialogue_queryset
from tests.evaluation.conftest import chat_pointwise
from tests.factories import DialogueFactory

pytestmark = pytest.mark.django_db


def test_exports_leave_evaluation_dialogues_out_unless_the_spec_asks(make_campaign, evaluator):
    campaign = make_campaign()
    assignment = services.assignment_next(campaign=campaign, evaluator=evaluator, mode=Mode.POINTWISE)
    chat_pointwise(assignment, evaluator, 3)
    services.rating_submit(
        assignment_id=assignment.pk, evaluator=evaluator, ratings={k: 3 for k in campaign.dimension_keys()}
    )
    corpus = DialogueFactory(status="submitted")
    spec = {"statuses": ["submitted"]}
    assert set(dialogue_queryset(spec)) == {corpus}
    assert set(dialogue_queryset({**spec, "include_evaluation": True})) == {corpus, assignment.dialogue}
