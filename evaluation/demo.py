"""The ``demo`` campaign of ``seed_demo``: three contestants judged pointwise, per turn and pairwise.

The sessions go through the same services as real ones (assignment; a pointwise session's turns
through the live chat's services, the evaluator's message path and the model seat's store; ratings,
labels, pairs); the model replies are scripted and the evaluators' answers are drawn from fixed contestant
qualities with a seeded generator, then the campaign is closed. Times are spread out so that
quality control sees plausible durations.
"""

from __future__ import annotations

import random
import uuid
from datetime import timedelta

from evaluation import services
from evaluation.definitions import ERROR_LABEL_KEYS
from evaluation.models import Assignment, Campaign, Mode, PairwiseJudgment
from platform_core.models import User
from roleplay.live.human_machine import live_model_turn_append
from roleplay.live.messages import live_message_send
from roleplay.models import Character, Turn
from training.models import ModelVersion, ServingBackend

DEMO_SLUG = "demo"
# model name, base model, mean quality (1–5 scale), backend, endpoint
DEMO_CONTESTANTS = (
    ("demo-characterglm-gen1", "characterglm-6b (external)", 3.4, ServingBackend.LOCAL, ""),
    ("demo-characterglm-gen2", "characterglm-6b (external)", 3.9, ServingBackend.LOCAL, ""),
    ("demo-gpt-4-reference", "gpt-4", 3.7, ServingBackend.OPENAI, "http://127.0.0.1:8001/v1"),
)
DEMO_LINES = {
    "zh-hans": ("你好呀，最近怎么样？", "说来听听吧。", "真的吗？然后呢？", "你怎么看这件事？"),
    "en": ("Hi! How have you been?", "Tell me more.", "Really? And then?", "What do you think about that?"),
}
DEMO_REPLIES = {
    "zh-hans": ("嗯，挺好的，谢谢关心。", "这个说来话长，我慢慢讲给你听。", "我也这么觉得呢。"),
    "en": ("Pretty good, thanks for asking.", "It's a long story, let me tell you.", "I feel the same way."),
}
MIN_TURNS = 7


def _contestants() -> tuple[list[ModelVersion], dict[int, float]]:
    versions, quality = [], {}
    for name, base, mean, backend, endpoint in DEMO_CONTESTANTS:
        version, _ = ModelVersion.objects.get_or_create(
            name=name,
            defaults={"base_model": base, "serving_backend": backend, "endpoint_url": endpoint, "served_name": base},
        )
        versions.append(version)
        quality[version.pk] = mean
    return versions, quality


def _lines(assignment: Assignment) -> tuple[tuple[str, ...], tuple[str, ...]]:
    language = assignment.character.language
    return DEMO_LINES.get(language, DEMO_LINES["en"]), DEMO_REPLIES.get(language, DEMO_REPLIES["en"])


def _chat_pointwise(assignment: Assignment, evaluator: User, rng: random.Random) -> None:
    """The evaluator's messages and the contestant's scripted replies, stored by the live chat's
    services as over the WebSocket. The lines go round from a random start: the chat refuses a
    worker's repeat of their own last messages."""
    lines, replies = _lines(assignment)
    start = rng.randrange(len(lines))
    session_id = assignment.live_session_id
    while Turn.objects.filter(dialogue=assignment.dialogue).count() < MIN_TURNS:
        sent = Turn.objects.filter(dialogue=assignment.dialogue, speaker="player").count()
        live_message_send(
            session_id=session_id, worker=evaluator, client_msg_id=uuid.uuid4(), text=lines[(start + sent) % len(lines)]
        )
        live_model_turn_append(session_id=session_id, text=rng.choice(replies), client_msg_id=uuid.uuid4())


def _chat_pairwise(assignment: Assignment, evaluator: User, rng: random.Random, pairwise_quality: dict) -> None:
    lines, replies = _lines(assignment)
    while Turn.objects.filter(dialogue=assignment.dialogue).count() < MIN_TURNS:
        services.player_turn_append(assignment_id=assignment.pk, evaluator=evaluator, text=rng.choice(lines))
        a, b = assignment.contestant, assignment.opponent
        pair = services.pairwise_pair_store(
            assignment_id=assignment.pk,
            evaluator=evaluator,
            replies={a.pk: rng.choice(replies), b.pk: rng.choice(replies) + " …"},
        )
        gap = pairwise_quality[pair.left.model_version_id] - pairwise_quality[pair.right.model_version_id]
        draw = rng.random()
        if draw < 0.15:
            choice = "tie" if draw < 0.12 else "both_bad"
        else:
            choice = "left" if rng.random() < 1 / (1 + 10 ** (-gap)) else "right"
        if pair.attention_expected:
            choice = pair.attention_expected
        services.pairwise_judge(assignment_id=assignment.pk, evaluator=evaluator, turn_seq=pair.turn_seq, choice=choice)


def _rate(assignment: Assignment, evaluator: User, rng: random.Random, quality: dict[int, float]) -> None:
    mean = quality[assignment.contestant.model_version_id]
    model_turns = Turn.objects.filter(dialogue=assignment.dialogue, author_model__isnull=False).order_by("seq")
    for turn in model_turns:
        labels = [
            label for label in ERROR_LABEL_KEYS if rng.random() < (0.25 if label == "proactivity" else (4.5 - mean) / 8)
        ]
        if labels:
            services.error_label_set(assignment_id=assignment.pk, evaluator=evaluator, turn_seq=turn.seq, labels=labels)
    ratings = {
        key: max(1, min(5, round(rng.gauss(mean + (0.4 if key == "safety" else 0.0), 0.8))))
        for key in assignment.campaign.dimension_keys()
    }
    services.rating_submit(assignment_id=assignment.pk, evaluator=evaluator, ratings=ratings, comment="")


def _spread_times(campaign: Campaign) -> None:
    """Give the scripted sessions plausible durations (about 40 s per turn)."""
    for i, assignment in enumerate(campaign.assignments.all()):
        start = assignment.created_at - timedelta(hours=2 * (i + 1))
        turns = Turn.objects.filter(dialogue=assignment.dialogue).count()
        Assignment.objects.filter(pk=assignment.pk).update(
            created_at=start, submitted_at=start + timedelta(seconds=40 * turns)
        )
        for judgment in PairwiseJudgment.objects.filter(assignment=assignment):
            shown = start + timedelta(seconds=40 * judgment.turn_seq)
            PairwiseJudgment.objects.filter(pk=judgment.pk).update(
                shown_at=shown, judged_at=shown + timedelta(seconds=25)
            )


def demo_campaign_seed(*, researcher: User, evaluators: list[User]) -> Campaign | None:
    """Create and fill the closed campaign ``demo``; None when it already exists."""
    if Campaign.objects.filter(slug=DEMO_SLUG).exists():
        return None
    versions, quality = _contestants()
    characters = [
        Character.objects.filter(category=category).order_by("pk").first()
        for category in ("celebrities", "daily_life", "games_videos", "virtual_love")
    ]
    campaign = services.campaign_create(
        slug=DEMO_SLUG,
        title="Demo: CharacterGLM gen 1 vs gen 2 vs GPT-4",
        description="Scripted demo judgments, so that the results page has something to show.",
        contestants=versions,
        characters=[c for c in characters if c is not None],
        created_by=researcher,
        min_turns=MIN_TURNS,
        characters_per_evaluator=2,
        overlap=0.6,
        attention_every=3,
        daily_cap=100,
    )
    services.campaign_open(campaign=campaign, actor=researcher)
    rng = random.Random(15)
    for evaluator in evaluators:
        for mode in (Mode.POINTWISE, Mode.PAIRWISE):
            while True:
                try:
                    assignment = services.assignment_next(campaign=campaign, evaluator=evaluator, mode=mode)
                except services.EvaluationRefused:
                    break
                if mode == Mode.POINTWISE:
                    _chat_pointwise(assignment, evaluator, rng)
                    _rate(assignment, evaluator, rng, quality)
                else:
                    _chat_pairwise(assignment, evaluator, rng, quality)
                    services.pairwise_finish(assignment_id=assignment.pk, evaluator=evaluator)
    _spread_times(campaign)
    return services.campaign_close(campaign=campaign, actor=researcher)
