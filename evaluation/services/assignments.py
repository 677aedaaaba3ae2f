"""The balanced plan of each evaluator, and handing out the next session.

Each evaluator gets ``characters_per_evaluator`` characters (a share ``overlap`` of the draws
reuses a character another evaluator already has, so that some items are judged twice) and meets
every contestant (pointwise) or every pair of contestants (pairwise) on each of them, in the order
of one row of a Williams Latin square: evaluator ``e`` on their ``p``-th character takes row
``e + p``, so each contestant comes first, second, … equally often and follows every other
contestant equally often (for an even number of contestants).

A pointwise session is a live session of the live chat (``roleplay.live``): the contestant's model
version holds the character seat, blind, and the evaluator chats over the WebSocket like any
worker with a model. The evaluation opens and ends it (submitted, or dropped back to the pool).
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Max
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from evaluation.models import (
    Assignment,
    AssignmentStatus,
    Campaign,
    CampaignStatus,
    Contestant,
    EvaluatorCharacter,
    Mode,
)
from evaluation.services.campaigns import EvaluationRefused
from platform_core.models import User
from roleplay.live.human_machine import live_owned_session_open, player_persona_for
from roleplay.live.sessions import live_owned_session_end
from roleplay.models import Character, CharacterSource, Dialogue, DialogueSource, DialogueStatus, Speaker
from roleplay.services import character_create, dialogue_create, turn_append


@dataclass(frozen=True)
class PlanItem:
    mode: str
    character: Character
    topic: str
    contestant: Contestant
    opponent: Contestant | None
    order: int

    @property
    def key(self) -> tuple:
        return (self.mode, self.character.pk, self.contestant.pk, self.opponent.pk if self.opponent else None)


def williams_row(k: int, row: int) -> list[int]:
    """Row ``row`` of the Williams design for ``k`` treatments (balanced for first-order carry-over
    when ``k`` is even; a plain cyclic Latin square otherwise)."""
    first = [0]
    low, high = 1, k - 1
    while len(first) < k:
        first.append(low)
        low += 1
        if len(first) < k:
            first.append(high)
            high -= 1
    return [(x + row) % k for x in first]


def _evaluator_index(campaign: Campaign, evaluator: User) -> int:
    """The evaluator's row of the Latin square: how many evaluators joined the campaign before them."""
    taken = EvaluatorCharacter.objects.filter(campaign=campaign)
    mine = taken.filter(evaluator=evaluator).first()
    return mine.evaluator_index if mine else taken.values("evaluator").distinct().count()


def _evaluator_characters(campaign: Campaign, evaluator: User) -> list[EvaluatorCharacter]:
    """The evaluator's characters: any they wrote themselves, topped up by a draw on first use."""
    mine = list(EvaluatorCharacter.objects.filter(campaign=campaign, evaluator=evaluator).select_related("character"))
    if any(slot.drawn for slot in mine) or len(mine) >= campaign.characters_per_evaluator:
        return mine
    taken = EvaluatorCharacter.objects.filter(campaign=campaign)
    index = _evaluator_index(campaign, evaluator)
    usage = dict(taken.values_list("character").annotate(n=Count("id")).values_list("character", "n"))
    own = {slot.character_id for slot in mine}
    pool = [c for c in campaign.characters.order_by("pk") if c.pk not in own]
    rng = random.Random(f"{campaign.seed}:{campaign.pk}:{index}")
    rng.shuffle(pool)
    picked: list[Character] = []
    for _slot in range(min(campaign.characters_per_evaluator - len(mine), len(pool))):
        rest = [c for c in pool if c not in picked]
        shared = [c for c in rest if usage.get(c.pk)]
        fresh = [c for c in rest if not usage.get(c.pk)]
        if shared and (not fresh or rng.random() < campaign.overlap):
            choice = min(shared, key=lambda c: usage[c.pk])  # the least-shared character already in use
        else:
            choice = min(fresh or rest, key=lambda c: usage.get(c.pk, 0))
        picked.append(choice)
    rows = [
        EvaluatorCharacter(
            campaign=campaign, evaluator=evaluator, character=c, position=len(mine) + p, evaluator_index=index
        )
        for p, c in enumerate(picked)
    ]
    try:
        with transaction.atomic():
            EvaluatorCharacter.objects.bulk_create(rows)
    except IntegrityError:  # a concurrent request drew first: use its draw
        return list(
            EvaluatorCharacter.objects.filter(campaign=campaign, evaluator=evaluator).select_related("character")
        )
    return list(EvaluatorCharacter.objects.filter(campaign=campaign, evaluator=evaluator).select_related("character"))


@transaction.atomic
def own_character_add(*, campaign: Campaign, evaluator: User, **fields) -> Character:
    """A character the evaluator writes (as in CharacterGLM), judged by them like a drawn one and
    open to other evaluators' draws. Only before the evaluator's characters are drawn."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    _refuse_unless_may_evaluate(campaign, evaluator, Mode.POINTWISE)
    if not campaign.allow_own_characters:
        raise EvaluationRefused("own_characters_off", _("This campaign does not take evaluators' own characters."))
    mine = EvaluatorCharacter.objects.filter(campaign=campaign, evaluator=evaluator)
    if mine.filter(drawn=True).exists() or mine.count() >= campaign.characters_per_evaluator:
        raise EvaluationRefused("characters_drawn", _("Your characters for this campaign are already set."))
    character = character_create(author=evaluator, source=CharacterSource.CROWD, **fields)
    campaign.characters.add(character)
    EvaluatorCharacter.objects.create(
        campaign=campaign,
        evaluator=evaluator,
        character=character,
        position=mine.count(),
        evaluator_index=_evaluator_index(campaign, evaluator),
        drawn=False,
    )
    return character


def evaluator_plan(*, campaign: Campaign, evaluator: User, mode: str) -> list[PlanItem]:
    """Every item the evaluator will judge in ``mode``, in counterbalanced order."""
    contestants = list(campaign.contestants.select_related("model_version"))
    if mode == Mode.POINTWISE:
        units: list[tuple[Contestant, Contestant | None]] = [(c, None) for c in contestants]
    else:
        units = list(itertools.combinations(contestants, 2))
    # A character always comes with the same topic, so two evaluators who share a character judge the same item.
    character_ids = list(campaign.characters.order_by("pk").values_list("pk", flat=True))
    plan: list[PlanItem] = []
    for slot in _evaluator_characters(campaign, evaluator):
        row = slot.evaluator_index + slot.position
        topic = campaign.topics[character_ids.index(slot.character_id) % len(campaign.topics)]
        for i in williams_row(len(units), row) if units else []:
            contestant, opponent = units[i]
            plan.append(PlanItem(mode, slot.character, topic, contestant, opponent, len(plan)))
    return plan


def _refuse_unless_may_evaluate(campaign: Campaign, evaluator: User, mode: str) -> None:
    if campaign.status != CampaignStatus.OPEN:
        raise EvaluationRefused("campaign_not_open", _("This campaign is not open for judgments."))
    profile = getattr(evaluator, "profile", None)
    if profile is None or not profile.can_evaluate or profile.is_blocked:
        raise EvaluationRefused("not_qualified", _("You are not qualified to evaluate models."))
    if mode not in campaign.modes:
        raise EvaluationRefused(
            "mode_not_in_campaign", _("This campaign has no %(mode)s sessions.") % {"mode": mode}, field="mode"
        )


def _start_dialogue(item: PlanItem, evaluator: User) -> Dialogue:
    """The session's dialogue, opening with the character's greeting (the character's own words,
    not the contestant's). The evaluator plays themselves under their persona, as with a model."""
    dialogue = dialogue_create(
        character=item.character,
        source=DialogueSource.HUMAN_MACHINE,
        model_version=item.contestant.model_version,
        topic_kind=item.topic,
        status=DialogueStatus.COLLECTING,
        player_worker=evaluator,
        player_persona=player_persona_for(evaluator, item.character.language),
    )
    if item.character.greeting.strip():
        turn_append(dialogue_id=dialogue.pk, speaker=Speaker.CHARACTER, text=item.character.greeting)
    return dialogue


@transaction.atomic
def assignment_next(*, campaign: Campaign, evaluator: User, mode: str) -> Assignment:
    """The evaluator's session in progress in ``mode``, or a new one for the next item of their plan."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    _refuse_unless_may_evaluate(campaign, evaluator, mode)
    mine = Assignment.objects.filter(campaign=campaign, evaluator=evaluator)
    active = mine.filter(mode=mode, status=AssignmentStatus.ACTIVE).order_by("order").first()
    if active is not None:
        return active
    since = timezone.now() - timedelta(days=1)
    if mine.exclude(status=AssignmentStatus.ABANDONED).filter(created_at__gte=since).count() >= campaign.daily_cap:
        raise EvaluationRefused("daily_cap", _("You have reached today's limit of sessions for this campaign."))
    done = {
        (a.mode, a.character_id, a.contestant_id, a.opponent_id)
        for a in mine.exclude(status=AssignmentStatus.ABANDONED)
    }
    upcoming = [
        item for item in evaluator_plan(campaign=campaign, evaluator=evaluator, mode=mode) if item.key not in done
    ]
    if not upcoming:
        raise EvaluationRefused("plan_complete", _("You have judged every item of this campaign. Thank you!"))
    item = upcoming[0]
    dialogue = _start_dialogue(item, evaluator)
    live_session = None
    if mode == Mode.POINTWISE:
        live_session = live_owned_session_open(
            worker=evaluator,
            dialogue=dialogue,
            allow_regenerate=campaign.allow_regenerate,
            min_turns=campaign.min_turns,
        )
    return Assignment.objects.create(
        campaign=campaign,
        evaluator=evaluator,
        mode=mode,
        character=item.character,
        topic=item.topic,
        contestant=item.contestant,
        opponent=item.opponent,
        order=item.order,
        dialogue=dialogue,
        live_session=live_session,
    )


@transaction.atomic
def assignment_abandon(*, assignment: Assignment, evaluator: User) -> Assignment:
    """Drop a session: its item goes back to the pool and it counts toward nobody's quota."""
    assignment = Assignment.objects.select_for_update(of=("self",)).select_related("dialogue").get(pk=assignment.pk)
    if assignment.evaluator_id != evaluator.pk:
        raise EvaluationRefused("not_assigned", _("This session is not assigned to you."))
    if assignment.status != AssignmentStatus.ACTIVE:
        raise EvaluationRefused("not_active", _("This session is already finished."))
    return _abandon(assignment)


def assignments_release_idle(*, now=None) -> int:
    """Drop every session without a turn for ``EVALUATION_SESSION_IDLE_S``; how many were dropped."""
    cutoff = (now or timezone.now()) - timedelta(seconds=settings.EVALUATION_SESSION_IDLE_S)
    idle = (
        Assignment.objects.filter(status=AssignmentStatus.ACTIVE)
        .annotate(last=Coalesce(Max("dialogue__turns__created_at"), "created_at"))
        .filter(last__lt=cutoff)
        .values_list("pk", flat=True)
    )
    released = 0
    for pk in list(idle):
        with transaction.atomic():
            assignment = Assignment.objects.select_for_update(of=("self",)).select_related("dialogue").get(pk=pk)
            if assignment.status == AssignmentStatus.ACTIVE:
                _abandon(assignment)
                released += 1
    return released


def _abandon(assignment: Assignment) -> Assignment:
    assignment.status = AssignmentStatus.ABANDONED
    assignment.save(update_fields=["status"])
    if assignment.live_session_id is not None:
        live_owned_session_end(session_id=assignment.live_session_id, finished=False)
    if assignment.dialogue is not None:
        assignment.dialogue.status = DialogueStatus.REJECTED
        assignment.dialogue.review_note = "evaluation session abandoned"
        assignment.dialogue.save(update_fields=["status", "review_note"])
    return assignment
