"""Live-collection quotas per character category."""

from __future__ import annotations

from django.db.models import Q

from platform_core.models import User
from platform_core.services import audit_record
from roleplay.models import CategoryQuota, Dialogue, DialogueSource, DialogueStatus, LiveSession, LiveSessionStatus

LIVE_DIALOGUES = Q(source=DialogueSource.HUMAN_ROLEPLAY) & ~Q(status=DialogueStatus.REJECTED)


def categories_full() -> list[str]:
    """Categories whose collected plus pending live dialogues reached their quota."""
    full: list[str] = []
    for quota in CategoryQuota.objects.all():
        collected = Dialogue.objects.filter(LIVE_DIALOGUES, character__category=quota.category).count()
        pending = LiveSession.objects.filter(
            character__category=quota.category, status=LiveSessionStatus.JOINING, model_version__isnull=True
        ).count()
        if collected + pending >= quota.target_dialogues:
            full.append(quota.category)
    return full


def category_quota_set(*, category: str, target_dialogues: int, actor: User | None) -> CategoryQuota:
    """Set (or change) the live-collection quota of one character category."""
    quota = CategoryQuota(category=category, target_dialogues=target_dialogues)
    quota.full_clean(validate_unique=False)
    quota, _created = CategoryQuota.objects.update_or_create(
        category=category, defaults={"target_dialogues": target_dialogues}
    )
    audit_record(actor=actor, action="live.quota_set", target=quota, details={"target": target_dialogues})
    return quota
