"""Quality control: replies that reveal a model's identity, and evaluators whose judgments are suspect.

``evaluator_flags`` reads a campaign's judgments and flags an evaluator who failed an attention
check, judged implausibly fast (median seconds per judged pairwise turn, or per turn of a rated
session, below ``campaign.min_seconds_per_turn``), or always gave the same answer (at least
``SAME_ANSWER_MIN`` answers). The report excludes flagged evaluators when
``campaign.exclude_flagged`` is on, and says so.
"""

from __future__ import annotations

import re
from statistics import median

from evaluation.models import Assignment, AssignmentStatus, Campaign, Mode, PairwiseJudgment, PointwiseRating

SAME_ANSWER_MIN = 10
IDENTITY_PATTERN = re.compile(
    r"(chat\s*gpt|gpt-?[345]|openai|anthropic|claude|gemini|llama|qwen|通义千问|文心一言|chatglm|characterglm|智谱|"
    r"deepseek|mistral|large language model|language model developed|as an ai\b|i am an ai\b|"
    r"(大|人工智能)?语言模型|人工智能助手|AI\s*助手)",
    re.IGNORECASE,
)
ATTENTION_TEXT = {
    "zh-hans": "（注意力检查：这条回复与对话无关，请选择另一条回复。）",
    "en": "(Attention check: this reply is unrelated to the conversation; please choose the other reply.)",
}


def reveals_identity(text: str) -> bool:
    """True when a reply names a model, a vendor or itself as an AI (Chatbot Arena's rule)."""
    return bool(IDENTITY_PATTERN.search(text or ""))


def attention_text(language: str) -> str:
    return ATTENTION_TEXT.get(language, ATTENTION_TEXT["en"])


def _failed_attention(campaign: Campaign) -> set[int]:
    checks = (
        PairwiseJudgment.objects.filter(assignment__campaign=campaign).exclude(attention_expected="").exclude(choice="")
    )
    return {
        evaluator
        for evaluator, expected, choice in checks.values_list("assignment__evaluator", "attention_expected", "choice")
        if expected != choice
    }


def _too_fast(campaign: Campaign) -> set[int]:
    seconds: dict[int, list[float]] = {}
    judged = PairwiseJudgment.objects.filter(assignment__campaign=campaign, judged_at__isnull=False)
    for evaluator, shown, judged_at in judged.values_list("assignment__evaluator", "shown_at", "judged_at"):
        seconds.setdefault(evaluator, []).append((judged_at - shown).total_seconds())
    rated = Assignment.objects.filter(campaign=campaign, mode=Mode.POINTWISE, status=AssignmentStatus.SUBMITTED)
    for assignment in rated.select_related("dialogue"):
        turns = assignment.dialogue.turns.count() if assignment.dialogue else 0
        if turns and assignment.submitted_at:
            duration = (assignment.submitted_at - assignment.created_at).total_seconds()
            seconds.setdefault(assignment.evaluator_id, []).append(duration / turns)
    return {evaluator for evaluator, values in seconds.items() if median(values) < campaign.min_seconds_per_turn}


def _same_answer(campaign: Campaign) -> set[int]:
    answers: dict[int, list[str]] = {}
    ratings = PointwiseRating.objects.filter(assignment__campaign=campaign)
    for evaluator, value in ratings.values_list("assignment__evaluator", "value"):
        answers.setdefault(evaluator, []).append(f"r{value}")
    choices = PairwiseJudgment.objects.filter(assignment__campaign=campaign, attention_expected="").exclude(choice="")
    for evaluator, choice in choices.values_list("assignment__evaluator", "choice"):
        answers.setdefault(evaluator, []).append(f"c{choice}")
    flagged = set()
    for evaluator, given in answers.items():
        for prefix in ("r", "c"):
            mine = [answer for answer in given if answer.startswith(prefix)]
            if len(mine) >= SAME_ANSWER_MIN and len(set(mine)) == 1:
                flagged.add(evaluator)
    return flagged


def evaluator_flags(campaign: Campaign) -> dict[int, list[str]]:
    """Evaluator id → the reasons they are flagged (``attention``, ``too_fast``, ``same_answer``)."""
    flags: dict[int, list[str]] = {}
    for reason, evaluators in (
        ("attention", _failed_attention(campaign)),
        ("too_fast", _too_fast(campaign)),
        ("same_answer", _same_answer(campaign)),
    ):
        for evaluator in evaluators:
            flags.setdefault(evaluator, []).append(reason)
    return flags
