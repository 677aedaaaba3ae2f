"""Study links: a crowd-platform participant arrives with their ids and leaves with a code."""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _

from platform_core.models import User
from platform_core.roles import Role
from platform_core.services import user_create
from workforce.models import (
    Onboarding,
    ParticipantOutcome,
    Study,
    StudyParticipant,
    UnitState,
    WorkerExternalId,
    WorkUnit,
)
from workforce.services.errors import WorkforceError
from workforce.services.qualifications import qualifications_held

ID_PARAMS = ("PROLIFIC_PID", "external_id")


@dataclass(frozen=True)
class StudyEnd:
    code: str
    url: str
    failed_attention: bool


def study_external_id(params: dict) -> str:
    value = next((str(params[p]).strip() for p in ID_PARAMS if str(params.get(p, "")).strip()), "")
    if not value:
        raise WorkforceError(_("This study link needs your participant id (PROLIFIC_PID or external_id)."),
                             field="PROLIFIC_PID", code="missing_id")
    if len(value) > 100 or not value.replace("-", "").replace("_", "").isalnum():
        raise WorkforceError(_("The participant id must be letters, digits, - or _, at most 100."),
                             field="PROLIFIC_PID")
    return value


def study_arrive(*, study: Study, params: dict) -> StudyParticipant:
    """Create or link the worker for these platform ids (no password form) and record the visit."""
    external_id = study_external_id(params)
    if not study.active or (study.ends_at and study.ends_at <= timezone.now()):
        raise WorkforceError(_("This study has ended."), code="ended")
    link = WorkerExternalId.objects.filter(platform=study.platform, external_id=external_id).select_related("worker")
    worker = link.first().worker if link.exists() else None
    if worker is not None:
        existing = StudyParticipant.objects.filter(study=study, worker=worker).first()
        if existing:
            return existing
    with transaction.atomic():
        Study.objects.select_for_update().get(pk=study.pk)  # one quota count at a time
        if study.participants.count() >= study.quota:
            raise WorkforceError(_("This study is full."), code="full")
        if worker is None:
            worker = _worker_create(platform=study.platform, external_id=external_id)
        try:
            with transaction.atomic():
                return StudyParticipant.objects.create(
                    study=study, worker=worker, external_id=external_id,
                    platform_study_id=str(params.get("STUDY_ID", ""))[:100],
                    platform_session_id=str(params.get("SESSION_ID", ""))[:100],
                )
        except IntegrityError:
            return StudyParticipant.objects.get(study=study, worker=worker)


def _worker_create(*, platform: str, external_id: str) -> User:
    username = f"{platform}-{external_id}"[:140]
    if User.objects.filter(username=username).exists():
        username = f"{username[:130]}-{get_random_string(6)}"
    user = user_create(username=username, password=get_random_string(32), roles=[Role.CROWDWORKER],
                       display_name=f"{platform} {external_id[:8]}")
    user.set_unusable_password()
    user.save(update_fields=["password"])
    WorkerExternalId.objects.create(worker=user, platform=platform, external_id=external_id)
    return user


def study_onboardings_left(*, participant: StudyParticipant) -> list[Onboarding]:
    held = qualifications_held(worker=participant.worker)
    wanted = [q for q in participant.study.qualifications if q not in held]
    found = {o.qualification: o for o in Onboarding.objects.filter(qualification__in=wanted, active=True)}
    return [found[q] for q in wanted if q in found]


def study_units_done(*, participant: StudyParticipant) -> int:
    return WorkUnit.objects.filter(
        worker=participant.worker, started_at__gte=participant.joined_at,
        state__in=(UnitState.SUBMITTED, UnitState.APPROVED, UnitState.SOFT_REJECTED, UnitState.REJECTED),
    ).count()


@transaction.atomic
def study_finish(*, participant: StudyParticipant) -> StudyEnd:
    """The completion code (or URL) once the work is done; the failed-check code after a failed check."""
    participant = StudyParticipant.objects.select_for_update().select_related("study").get(pk=participant.pk)
    study = participant.study
    if participant.outcome == ParticipantOutcome.FAILED_ATTENTION:
        return StudyEnd(study.failed_attention_code, "", True)
    if participant.outcome == ParticipantOutcome.STARTED:
        if study_onboardings_left(participant=participant):
            raise WorkforceError(_("Finish the onboarding first."), code="onboarding")
        if study_units_done(participant=participant) < study.required_units:
            raise WorkforceError(_("Submit %(n)d piece(s) of work before finishing.") % {"n": study.required_units},
                                 code="work")
        participant.outcome = ParticipantOutcome.COMPLETED
        participant.finished_at = timezone.now()
        participant.save(update_fields=["outcome", "finished_at"])
    return StudyEnd(study.completion_code, study.completion_url, False)


def participations_fail_attention(*, worker: User) -> int:
    """A failed attention check ends the worker's open studies with the failed-check code."""
    return StudyParticipant.objects.filter(worker=worker, outcome=ParticipantOutcome.STARTED).update(
        outcome=ParticipantOutcome.FAILED_ATTENTION, finished_at=timezone.now()
    )


def study_counts() -> dict[int, int]:
    return dict(Study.objects.annotate(n=Count("participants")).values_list("pk", "n"))
