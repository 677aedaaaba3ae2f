"""The worker's own pages: earnings, work history, qualifications and onboarding quizzes."""

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from platform_core.models import AuditEvent, WorkerProfile
from platform_core.permissions import WORKFORCE_SELF, requires_roles
from workforce import selectors
from workforce.models import Onboarding, QuizAttempt
from workforce.services.errors import WorkforceError
from workforce.services.onboarding import attempt_start, attempt_submit, onboarding_status
from workforce.services.qualifications import qualifications_held
from workforce.views.common import refuse


@requires_roles(*WORKFORCE_SELF)
def earnings(request):
    summary = selectors.worker_earnings(worker=request.user, currency=settings.WORKFORCE_CURRENCY)
    entries = Paginator(selectors.worker_entries(worker=request.user), 50).get_page(request.GET.get("page"))
    return render(request, "workforce/earnings.html", {"earnings": summary, "entries": entries,
                                                       "minimum": settings.WORKFORCE_MIN_HOURLY})


@requires_roles(*WORKFORCE_SELF)
def work_history(request):
    units = Paginator(selectors.worker_units(worker=request.user), 50).get_page(request.GET.get("page"))
    return render(request, "workforce/work_history.html", {"units": units})


@requires_roles(*WORKFORCE_SELF)
def qualifications(request):
    profile, _created = WorkerProfile.objects.get_or_create(user=request.user,
                                                            defaults={"display_name": request.user.username})
    held = qualifications_held(worker=request.user)
    onboardings = [onboarding_status(worker=request.user, onboarding=o) for o in Onboarding.objects.filter(active=True)]
    notes = AuditEvent.objects.filter(action="workforce.message", target_type="User", target_id=str(request.user.pk))
    return render(request, "workforce/qualifications.html", {
        "profile": profile, "held": sorted(held), "onboardings": onboardings, "notes": notes[:10],
    })


@requires_roles(*WORKFORCE_SELF)
def onboarding_detail(request, pk: int):
    onboarding = get_object_or_404(Onboarding, pk=pk, active=True)
    status = onboarding_status(worker=request.user, onboarding=onboarding)
    if request.method == "POST":
        try:
            attempt = attempt_start(worker=request.user, onboarding=onboarding)
        except WorkforceError as error:
            refuse(request, error)
            return render(request, "workforce/onboarding.html", {"status": status}, status=400)
        return redirect("workforce:attempt", pk=attempt.pk)
    return render(request, "workforce/onboarding.html", {"status": status})


@requires_roles(*WORKFORCE_SELF)
def attempt(request, pk: int):
    found = get_object_or_404(QuizAttempt.objects.select_related("onboarding"), pk=pk)
    if found.worker_id != request.user.pk:
        messages.error(request, _("This quiz attempt is not yours."))
        return render(request, "workforce/refused.html", status=403)
    questions = list(found.onboarding.questions.all())
    if request.method == "POST":
        answers = {key[1:]: value for key, value in request.POST.items() if key.startswith("q")}
        try:
            found = attempt_submit(attempt_id=found.pk, worker=request.user, answers=answers)
        except WorkforceError as error:
            refuse(request, error)
            return render(request, "workforce/attempt.html", {"attempt": found, "questions": questions}, status=400)
        if found.passed:
            messages.success(request, _("Passed: you now hold this qualification."))
        next_url = request.session.get("workforce_study_next")
        if next_url and found.passed:
            return redirect(next_url)
    return render(request, "workforce/attempt.html", {"attempt": found, "questions": questions,
                                                      "study_next": request.session.get("workforce_study_next")})

