"""Qualifications: the worker-profile flags that gate the work, granted by onboarding, audited."""

from django.db import transaction

from platform_core.models import User, WorkerProfile
from platform_core.services import audit_record
from workforce.models import Qualification, UnitKind

# The WorkerProfile flag each qualification sets (the one place a qualification is held).
QUALIFICATION_FLAGS: dict[str, str] = {
    Qualification.PLAY_CHARACTER: "can_play_character",
    Qualification.PLAY_PLAYER: "can_play_player",
    Qualification.REVIEW_REWRITES: "can_review_rewrites",
    Qualification.EXTRACT_LITERATURE: "can_extract_literary",
    Qualification.WRITE_PROMPTS: "can_write_prompts",
    Qualification.EVALUATE: "can_evaluate",
}
# The qualification a soft-rejection of a unit kind takes away.
UNIT_KIND_QUALIFICATION: dict[str, str] = {
    UnitKind.LIVE_CHARACTER: Qualification.PLAY_CHARACTER,
    UnitKind.LIVE_PLAYER: Qualification.PLAY_PLAYER,
    UnitKind.REWRITE_REVIEW: Qualification.REVIEW_REWRITES,
    UnitKind.DIALOGUE_REVIEW: Qualification.REVIEW_REWRITES,
    UnitKind.EXTRACTION: Qualification.EXTRACT_LITERATURE,
    UnitKind.PROMPT_WRITING: Qualification.WRITE_PROMPTS,
    UnitKind.PROMPT_VARIANTS: Qualification.WRITE_PROMPTS,
    UnitKind.EVALUATION_SESSION: Qualification.EVALUATE,
    UnitKind.EVALUATION_BATCH: Qualification.EVALUATE,
}


def _profile(worker: User) -> WorkerProfile:
    profile, _created = WorkerProfile.objects.get_or_create(user=worker, defaults={"display_name": worker.username})
    return profile


def qualifications_held(*, worker: User) -> set[str]:
    profile = _profile(worker)
    return {code for code, flag in QUALIFICATION_FLAGS.items() if getattr(profile, flag)}


@transaction.atomic
def qualification_set(*, worker: User, qualification: str, held: bool, reason: str, actor: User | None) -> bool:
    """Grant or revoke; returns whether anything changed. Every change is audited with its reason."""
    if qualification not in Qualification.values:
        raise ValueError(f"Unknown qualification {qualification!r}.")
    profile = WorkerProfile.objects.select_for_update().get(pk=_profile(worker).pk)
    flag = QUALIFICATION_FLAGS[qualification]
    if getattr(profile, flag) == held:
        return False
    setattr(profile, flag, held)
    profile.save(update_fields=[flag])
    action = "workforce.qualification.grant" if held else "workforce.qualification.revoke"
    audit_record(actor=actor, action=action, target=worker, details={"qualification": qualification, "reason": reason})
    return True


def qualification_grant(*, worker: User, qualification: str, reason: str, actor: User | None) -> bool:
    return qualification_set(worker=worker, qualification=qualification, held=True, reason=reason, actor=actor)


def qualification_revoke(*, worker: User, qualification: str, reason: str, actor: User | None) -> bool:
    return qualification_set(worker=worker, qualification=qualification, held=False, reason=reason, actor=actor)
