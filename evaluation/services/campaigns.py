"""Creating, editing, opening and closing campaigns."""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from evaluation.models import Campaign, CampaignStatus, Contestant, Mode
from platform_core.errors import Refused
from platform_core.models import User
from platform_core.services import audit_record
from roleplay.models import Character, CharacterCategory, Topic
from training.models import ModelVersion

EDITABLE_FIELDS = (
    "title",
    "description",
    "modes",
    "topics",
    "dimensions",
    "min_turns",
    "characters_per_evaluator",
    "overlap",
    "daily_cap",
    "target_sessions",
    "target_pairwise",
    "attention_every",
    "min_seconds_per_turn",
    "allow_own_characters",
    "allow_regenerate",
    "exclude_flagged",
    "exclude_identity_leaks",
    "seed",
)
FROZEN_ONCE_JUDGED = ("dimensions", "modes")


class EvaluationRefused(Refused):
    """An evaluation action that may not happen (``field`` names the input at fault, if one)."""

    def __init__(self, code: str, message: str, *, field: str | None = None) -> None:
        super().__init__(code, message)
        self.field = field


def _check_lists(*, modes: Sequence[str], topics: Sequence[str]) -> None:
    if not modes or set(modes) - set(Mode.values):
        raise ValidationError({"modes": _("Pick one or more of: %(known)s.") % {"known": ", ".join(Mode.values)}})
    if not topics or set(topics) - set(Topic.values):
        raise ValidationError({"topics": _("Pick one or more of: %(known)s.") % {"known": ", ".join(Topic.values)}})


def characters_draw(*, per_category: int, seed: int, language: str | None = None) -> list[Character]:
    """``per_category`` characters of each category, drawn reproducibly from ``seed``."""
    rng = random.Random(seed)
    drawn: list[Character] = []
    for category in CharacterCategory.values:
        pool = Character.objects.filter(category=category)
        if language:
            pool = pool.filter(language=language)
        ids = sorted(pool.values_list("pk", flat=True))
        drawn_ids = rng.sample(ids, min(per_category, len(ids)))
        drawn.extend(Character.objects.filter(pk__in=drawn_ids).order_by("pk"))
    return drawn


def has_judgments(campaign: Campaign) -> bool:
    return (
        campaign.assignments.filter(ratings__isnull=False).exists()
        or campaign.assignments.filter(pairwise_judgments__choice__gt="").exists()
    )


def _contestants_set(campaign: Campaign, model_versions: Iterable[ModelVersion]) -> None:
    versions = list(dict.fromkeys(model_versions))
    if not versions:
        raise ValidationError({"contestants": _("Add at least one contestant.")})
    campaign.contestants.all().delete()
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    Contestant.objects.bulk_create(
        [
            Contestant(
                campaign=campaign,
                model_version=version,
                alias=_("Model %(letter)s") % {"letter": letters[i % 26] + (str(i // 26) if i >= 26 else "")},
                position=i,
            )
            for i, version in enumerate(versions)
        ]
    )


@transaction.atomic
def campaign_create(
    *,
    slug: str,
    title: str,
    contestants: Iterable[ModelVersion],
    created_by: User | None,
    characters: Iterable[Character] = (),
    draw_per_category: int = 0,
    **settings: Any,
) -> Campaign:
    """A draft campaign. ``characters`` are chosen; ``draw_per_category`` adds drawn ones."""
    unknown = set(settings) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({"__all__": _("Unknown settings: %(names)s.") % {"names": ", ".join(sorted(unknown))}})
    campaign = Campaign(slug=slug, title=title, created_by=created_by, **settings)
    _check_lists(modes=campaign.modes, topics=campaign.topics)
    campaign.full_clean()
    campaign.save()
    _contestants_set(campaign, contestants)
    if Mode.PAIRWISE in campaign.modes and campaign.contestants.count() < 2:
        raise ValidationError({"contestants": _("Pairwise comparison needs at least two contestants.")})
    chosen = list(characters)
    if draw_per_category:
        chosen += [c for c in characters_draw(per_category=draw_per_category, seed=campaign.seed) if c not in chosen]
    campaign.characters.set(chosen)
    audit_record(actor=created_by, action="evaluation.campaign_create", target=campaign)
    return campaign


@transaction.atomic
def campaign_update(
    *,
    campaign: Campaign,
    actor: User | None,
    contestants: Iterable[ModelVersion] | None = None,
    characters: Iterable[Character] | None = None,
    **fields: Any,
) -> Campaign:
    """Edit a campaign; contestants, dimensions and modes are frozen once any judgment exists."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status == CampaignStatus.CLOSED:
        raise EvaluationRefused("campaign_closed", _("This campaign is closed."))
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({"__all__": _("Unknown settings: %(names)s.") % {"names": ", ".join(sorted(unknown))}})
    judged = has_judgments(campaign)
    for name in FROZEN_ONCE_JUDGED:
        if judged and name in fields and fields[name] != getattr(campaign, name):
            raise EvaluationRefused(
                "frozen", _("%(field)s cannot change once judgments exist.") % {"field": name}, field=name
            )
    if judged and contestants is not None:
        current = set(campaign.contestants.values_list("model_version_id", flat=True))
        if {version.pk for version in contestants} != current:
            raise EvaluationRefused("frozen", _("Contestants cannot change once judgments exist."), field="contestants")
        contestants = None
    for name, value in fields.items():
        setattr(campaign, name, value)
    _check_lists(modes=campaign.modes, topics=campaign.topics)
    campaign.full_clean()
    campaign.save()
    if contestants is not None:
        if campaign.assignments.exists():
            raise EvaluationRefused("frozen", _("Contestants cannot change once sessions exist."), field="contestants")
        _contestants_set(campaign, contestants)
    if characters is not None:
        campaign.characters.set(list(characters))
    audit_record(actor=actor, action="evaluation.campaign_update", target=campaign, details={"fields": sorted(fields)})
    return campaign


@transaction.atomic
def campaign_open(*, campaign: Campaign, actor: User | None) -> Campaign:
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status != CampaignStatus.DRAFT:
        raise EvaluationRefused("not_draft", _("Only a draft campaign can be opened."))
    if not campaign.characters.exists():
        raise EvaluationRefused("no_characters", _("Add characters before opening."), field="characters")
    if Mode.PAIRWISE in campaign.modes and campaign.contestants.count() < 2:
        raise EvaluationRefused(
            "too_few_contestants", _("Pairwise comparison needs at least two contestants."), field="contestants"
        )
    campaign.status = CampaignStatus.OPEN
    campaign.opened_at = timezone.now()
    campaign.save(update_fields=["status", "opened_at"])
    audit_record(actor=actor, action="evaluation.campaign_open", target=campaign)
    return campaign


@transaction.atomic
def campaign_close(*, campaign: Campaign, actor: User | None) -> Campaign:
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status != CampaignStatus.OPEN:
        raise EvaluationRefused("not_open", _("Only an open campaign can be closed."))
    campaign.status = CampaignStatus.CLOSED
    campaign.closed_at = timezone.now()
    campaign.save(update_fields=["status", "closed_at"])
    model_cards_update(campaign=campaign)
    audit_record(actor=actor, action="evaluation.campaign_close", target=campaign)
    return campaign


CARD_MARKER = "## Latest evaluation"


def model_cards_update(*, campaign: Campaign) -> None:
    """Write the campaign's results (with intervals) into each contestant's model card, replacing
    the previous "Latest evaluation" section."""
    from evaluation.selectors import latest_results, model_card_section

    for contestant in campaign.contestants.select_related("model_version"):
        version = contestant.model_version
        results = latest_results(version)
        if results is None or results["campaign"].pk != campaign.pk:
            continue
        card = version.model_card.split(CARD_MARKER)[0].rstrip()
        version.model_card = (card + "\n\n" if card else "") + model_card_section(results) + "\n"
        version.save(update_fields=["model_card"])
