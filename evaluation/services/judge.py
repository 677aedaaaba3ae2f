"""The optional LLM judge: the configured OpenAI-compatible provider scores the campaign's submitted
pointwise sessions on the campaign's dimensions, and every judged pair in both orders (to measure
position bias). ``judge_agreement`` compares it with the humans: Spearman per dimension, pairwise
agreement excluding ties, and how often its choice survives swapping the sides.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from annotation.llm import LLMError, client_for
from evaluation import statistics as st
from evaluation.models import (
    Assignment,
    AssignmentStatus,
    Campaign,
    Choice,
    JudgeRun,
    JudgeRunStatus,
    JudgeScore,
    Mode,
    PairwiseJudgment,
)
from platform_core.jobs import job_claim, job_heartbeat
from platform_core.models import User
from platform_core.services import audit_record
from roleplay.models import Turn
from roleplay.prompting import profile_text

JUDGE_LEASE = timedelta(minutes=10)  # longer than one answer's worst case: timeout × retries + backoff
POINTWISE_PROMPT = (
    "You are judging a role-play chat model. The model plays the character below; a person talked with it.\n"
    "Character profile:\n{profile}\n\nConversation:\n{transcript}\n\n"
    "Rate the character's side of the conversation from 1 (worst) to 5 (best) on each dimension:\n{dimensions}\n"
    'Answer with one JSON object mapping each key to an integer, e.g. {{"{first}": 3}}.'
)
PAIRWISE_PROMPT = (
    "You are judging two role-play replies. The model plays the character below.\n"
    "Character profile:\n{profile}\n\nConversation so far:\n{transcript}\n\n"
    "Reply A:\n{a}\n\nReply B:\n{b}\n\n"
    'Which reply is better in character, more human-like, engaging and coherent? Answer with JSON {{"choice": "A"}}, '
    '{{"choice": "B"}} or {{"choice": "tie"}}.'
)


@transaction.atomic
def judge_run_start(*, campaign: Campaign, actor: User | None, model: str = "") -> JudgeRun:
    from evaluation import tasks

    run = JudgeRun.objects.create(campaign=campaign, model=model or settings.LLM_MODEL, created_by=actor)
    audit_record(actor=actor, action="evaluation.judge_start", target=run)
    transaction.on_commit(lambda: tasks.judge_run_execute.delay(run.pk))
    return run


def _transcript(turns: list[Turn], character_name: str) -> str:
    return "\n".join(f"[{character_name if t.speaker == 'character' else 'User'}] {t.text}" for t in turns)


def _json_answer(text: str) -> dict:
    match = re.search(r"\{.*\}", text, re.DOTALL)
    if not match:
        raise ValueError("no JSON object in the answer")
    value = json.loads(match.group(0))
    if not isinstance(value, dict):
        raise ValueError("the answer is not an object")
    return value


def _score_session(client, run: JudgeRun, assignment: Assignment) -> None:
    campaign = run.campaign
    turns = list(Turn.objects.filter(dialogue=assignment.dialogue).order_by("seq"))
    dimensions = "\n".join(f"- {d['key']}: {d['definition_en']}" for d in campaign.dimensions)
    prompt = POINTWISE_PROMPT.format(
        profile=profile_text(assignment.character),
        transcript=_transcript(turns, assignment.character.name),
        dimensions=dimensions,
        first=campaign.dimensions[0]["key"],
    )
    answer = _json_answer(client.complete([{"role": "user", "content": prompt}], temperature=0.0).text)
    rows = []
    for key in campaign.dimension_keys():
        value = answer.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 5:
            rows.append(JudgeScore(run=run, assignment=assignment, dimension=key, value=value))
    JudgeScore.objects.bulk_create(rows)


def _judge_pair(client, run: JudgeRun, judgment: PairwiseJudgment) -> None:
    assignment = judgment.assignment
    context = Turn.objects.filter(dialogue=assignment.dialogue, seq__lt=judgment.turn_seq).order_by("seq")
    for swapped in (False, True):
        a, b = (judgment.right_text, judgment.left_text) if swapped else (judgment.left_text, judgment.right_text)
        prompt = PAIRWISE_PROMPT.format(
            profile=profile_text(assignment.character),
            transcript=_transcript(list(context), assignment.character.name),
            a=a,
            b=b,
        )
        raw = str(
            _json_answer(client.complete([{"role": "user", "content": prompt}], temperature=0.0).text).get("choice", "")
        )
        picked = {"a": "first", "b": "second", "tie": "tie"}.get(raw.strip().lower())
        if picked is None:
            continue
        if picked == "tie":
            choice = Choice.TIE
        else:
            first_is_left = not swapped
            choice = Choice.LEFT if (picked == "first") == first_is_left else Choice.RIGHT
        JudgeScore.objects.create(run=run, assignment=assignment, judgment=judgment, swapped=swapped, choice=choice)


def judge_run_execute(*, run_id: int) -> JudgeRun:
    """Score every submitted session and judged pair of the run's campaign. One worker claims the
    run; a run whose worker died is taken over and goes on with what is not scored yet."""
    run = job_claim(JudgeRun, run_id, stale_after=JUDGE_LEASE, error="")
    if run is None:
        return JudgeRun.objects.get(pk=run_id)
    scored_sessions = run.scores.filter(judgment__isnull=True).values("assignment_id")
    scored_pairs = run.scores.filter(judgment__isnull=False).values("judgment_id")
    sessions = list(
        Assignment.objects.filter(campaign=run.campaign, mode=Mode.POINTWISE, status=AssignmentStatus.SUBMITTED)
        .exclude(pk__in=scored_sessions)
        .select_related("character", "dialogue")
        .order_by("pk")
    )
    pairs = list(
        PairwiseJudgment.objects.filter(assignment__campaign=run.campaign, attention_expected="")
        .exclude(choice="")
        .exclude(pk__in=scored_pairs)
        .select_related("assignment__character", "assignment__dialogue")
        .order_by("pk")
    )
    total, done, unreadable = len(sessions) + len(pairs), 0, 0
    client = client_for(None, model=run.model)
    try:
        for item in [*sessions, *pairs]:
            try:
                if isinstance(item, Assignment):
                    _score_session(client, run, item)
                else:
                    _judge_pair(client, run, item)
            except ValueError:
                unreadable += 1  # an answer without the JSON asked for: that item stays unscored
            done += 1
            job_heartbeat(JudgeRun, run.pk, progress=100.0 * done / max(total, 1))
    except LLMError as error:
        JudgeRun.objects.filter(pk=run.pk).update(
            status=JudgeRunStatus.FAILED, error=error.message, finished_at=timezone.now()
        )
        return JudgeRun.objects.get(pk=run.pk)
    note = f"{unreadable} answers without the JSON asked for." if unreadable else ""
    JudgeRun.objects.filter(pk=run.pk).update(
        status=JudgeRunStatus.SUCCEEDED, progress=100.0, error=note, finished_at=timezone.now()
    )
    return JudgeRun.objects.get(pk=run.pk)


def judge_agreement(campaign: Campaign) -> dict | None:
    """The latest succeeded judge run against the humans; None without one."""
    run = campaign.judge_runs.filter(status=JudgeRunStatus.SUCCEEDED).order_by("-created_at", "-id").first()
    if run is None:
        return None
    human = {
        (a, d): v
        for a, d, v in Assignment.objects.filter(campaign=campaign)
        .values_list("pk", "ratings__dimension", "ratings__value")
        .exclude(ratings__value__isnull=True)
    }
    spearman = {}
    for key in campaign.dimension_keys():
        paired = [
            (human[(a, key)], v)
            for a, v in run.scores.filter(dimension=key).values_list("assignment_id", "value")
            if (a, key) in human
        ]
        spearman[key] = st.spearman([h for h, _ in paired], [j for _, j in paired]) if paired else None
    human_choice = dict(PairwiseJudgment.objects.filter(assignment__campaign=campaign).values_list("pk", "choice"))
    by_judgment: dict[int, dict[bool, str]] = {}
    for judgment, swapped, choice in run.scores.filter(judgment__isnull=False).values_list(
        "judgment_id", "swapped", "choice"
    ):
        by_judgment.setdefault(judgment, {})[swapped] = choice
    decisive = [
        (human_choice[j], choice)
        for j, orders in by_judgment.items()
        for choice in orders.values()
        if human_choice.get(j) in (Choice.LEFT, Choice.RIGHT) and choice in (Choice.LEFT, Choice.RIGHT)
    ]
    both = [orders for orders in by_judgment.values() if len(orders) == 2]
    return {
        "run": run.pk,
        "model": run.model,
        "spearman": spearman,
        "pairwise_agreement": sum(h == j for h, j in decisive) / len(decisive) if decisive else None,
        "pairwise_compared": len(decisive),
        "position_consistency": sum(o[False] == o[True] for o in both) / len(both) if both else None,
    }
