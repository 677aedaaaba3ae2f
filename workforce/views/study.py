"""Study links: arrival from a crowd platform, the study's steps, and the completion code."""

from django.contrib.auth import login
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from platform_core.permissions import WORKFORCE_SELF, public, requires_roles
from workforce.models import ParticipantOutcome, Study, StudyParticipant
from workforce.services.errors import WorkforceError
from workforce.services.studies import study_arrive, study_finish, study_onboardings_left, study_units_done
from workforce.services.sync import units_sync
from workforce.views.common import refuse

WORK_PAGES = {
    "play_character": "roleplay:live-waiting-room",
    "play_player": "roleplay:live-waiting-room",
    "review_rewrites": "annotation:review-queue",
    "extract_literature": "annotation:extraction-queue",
    "write_prompts": "annotation:prompt-queue",
}


@public
def study_arrival(request, slug: str) -> HttpResponse:
    """``/workforce/study/<slug>/?PROLIFIC_PID=…&STUDY_ID=…&SESSION_ID=…`` (or ``?external_id=…``)."""
    study = get_object_or_404(Study, slug=slug)
    try:
        participant = study_arrive(study=study, params=request.GET.dict())
    except WorkforceError as error:
        refuse(request, error)
        return render(request, "workforce/refused.html", {"study": study}, status=400)
    if request.user.is_authenticated and request.user.pk != participant.worker_id:
        request.session.flush()
    login(request, participant.worker, backend="django.contrib.auth.backends.ModelBackend")
    return redirect("workforce:study-home", slug=study.slug)


def _participant(request, slug: str) -> StudyParticipant:
    return get_object_or_404(StudyParticipant.objects.select_related("study"), study__slug=slug, worker=request.user)


@requires_roles(*WORKFORCE_SELF)
def study_home(request, slug: str) -> HttpResponse:
    participant = _participant(request, slug)
    units_sync()  # count the work the participant just finished
    here = reverse("workforce:study-home", kwargs={"slug": slug})
    request.session["workforce_study_next"] = here
    left = study_onboardings_left(participant=participant)
    work_links = sorted({reverse(WORK_PAGES[q]) for q in participant.study.qualifications if q in WORK_PAGES})
    return render(request, "workforce/study_home.html", {
        "participant": participant, "study": participant.study, "onboardings_left": left,
        "units_done": study_units_done(participant=participant), "work_links": work_links,
        "failed": participant.outcome == ParticipantOutcome.FAILED_ATTENTION,
    })


@requires_roles(*WORKFORCE_SELF)
@require_POST
def study_complete(request, slug: str) -> HttpResponse:
    participant = _participant(request, slug)
    units_sync()
    try:
        end = study_finish(participant=participant)
    except WorkforceError as error:
        refuse(request, error)
        return redirect("workforce:study-home", slug=slug)
    request.session.pop("workforce_study_next", None)
    if end.url and not end.failed_attention:
        return redirect(end.url)
    return render(request, "workforce/study_done.html", {"end": end, "study": participant.study})
