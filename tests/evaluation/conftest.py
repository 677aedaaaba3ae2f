import uuid

import pytest

from evaluation import services
from evaluation.models import Mode
from platform_core.roles import Role
from roleplay.live.human_machine import live_model_turn_append
from roleplay.live.messages import live_message_send

# The shared live-server and browser fixtures (uvicorn subprocess, shared database, Chromium), and
# the tiny local model.
from tests.e2e.conftest import (  # noqa: F401
    _sqlite_live_template,
    chromium,
    live_db,
    redis_url,
    session_cookie,
    uvicorn_server,
    uvicorn_server_factory,
)
from tests.factories import CharacterFactory, ModelVersionFactory
from tests.training.conftest import tiny_model_dir  # noqa: F401


@pytest.fixture
def evaluator(make_user):
    return make_user(Role.CROWDWORKER, profile__can_evaluate=True)


@pytest.fixture
def second_evaluator(make_user):
    return make_user(Role.CROWDWORKER, profile__can_evaluate=True)


@pytest.fixture
def make_campaign(researcher):
    def make(*, contestants: int = 3, characters: int = 2, open_it: bool = True, **settings):
        settings.setdefault("min_turns", 3)
        settings.setdefault("min_seconds_per_turn", 0.0)  # test sessions take milliseconds
        settings.setdefault("modes", [Mode.POINTWISE, Mode.PAIRWISE])
        campaign = services.campaign_create(
            slug=settings.pop("slug", "camp"),
            title="Campaign",
            contestants=[ModelVersionFactory() for _ in range(contestants)],
            characters=[CharacterFactory(greeting="Hello.") for _ in range(characters)],
            created_by=researcher,
            **settings,
        )
        if open_it:
            services.campaign_open(campaign=campaign, actor=researcher)
        return campaign

    return make


def say_pointwise(assignment, evaluator, text: str):
    """The evaluator's message in a pointwise session, through the live chat's message path."""
    return live_message_send(
        session_id=assignment.live_session_id, worker=evaluator, client_msg_id=uuid.uuid4(), text=text
    ).result.turn


def chat_pointwise(assignment, evaluator, turns: int, reply: str = "Well, the sea…") -> None:
    """Alternate evaluator messages and model replies until the dialogue has ``turns`` turns, through
    the live chat's services (the evaluator's message path, the model seat's store)."""
    while assignment.dialogue.turns.count() < turns:
        last = assignment.dialogue.turns.order_by("-seq").first()
        if last is None or last.speaker == "character":
            say_pointwise(assignment, evaluator, f"Tell me more, part {last.seq if last else 0}.")  # no repeats
        else:
            live_model_turn_append(session_id=assignment.live_session_id, text=reply, client_msg_id=uuid.uuid4())


def pairwise_turn(assignment, evaluator, choice: str, texts=("Reply one.", "Reply two.")):
    services.player_turn_append(assignment_id=assignment.pk, evaluator=evaluator, text="And then?")
    pair = services.pairwise_pair_store(
        assignment_id=assignment.pk,
        evaluator=evaluator,
        replies={assignment.contestant_id: texts[0], assignment.opponent_id: texts[1]},
    )
    return services.pairwise_judge(
        assignment_id=assignment.pk, evaluator=evaluator, turn_seq=pair.turn_seq, choice=choice
    )
