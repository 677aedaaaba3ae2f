"""Training pages: jobs (launch, live loss curve, logs, cancel/resume), the model registry and deployment,
and the start of a human–machine round (the chat itself is roleplay's live chat)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from platform_core.permissions import requires_roles
from platform_core.roles import Role
from roleplay.models import Character
from training import selectors, services
from training.forms import ServingForm, TrainingJobForm
from training.job_progress import LOG_TAIL_CHARS
from training.models import Deployment, JobStatus, ModelVersion, TrainingJob

LAUNCHERS = (Role.RESEARCHER,)
VIEWERS = (Role.RESEARCHER, Role.ADMIN)
CHATTERS = (Role.CROWDWORKER, Role.RESEARCHER)


def _form_errors(form, error: ValidationError) -> None:
    for field, field_messages in error.message_dict.items():
        for message in field_messages:
            form.add_error(field if field in form.fields else None, message)


@requires_roles(*VIEWERS)
def job_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.training_jobs(), 50).get_page(request.GET.get("page"))
    return render(request, "training/job_list.html", {"page": page})


@requires_roles(*LAUNCHERS)
def job_create(request: HttpRequest) -> HttpResponse:
    form = TrainingJobForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            job = services.training_job_create(
                creator=request.user,
                export_build=data["export_build"],
                base_model=data["base_model"],
                method=data["method"],
                hardware=data["hardware"],
                num_gpus=data["num_gpus"],
                name=data["name"],
                hyperparameters=form.hyperparameters(),
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Training job queued."))
            return redirect("training:job-detail", pk=job.pk)
    return render(request, "training/job_form.html", {"form": form})


@requires_roles(*VIEWERS)
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(selectors.training_jobs(), pk=pk)
    data_reports, notices = selectors.job_data_reports(job)
    return render(
        request,
        "training/job_detail.html",
        {
            "job": job,
            "log": selectors.log_tail(job, chars=LOG_TAIL_CHARS),
            "data_reports": data_reports,
            "notices": notices,
            "status_labels": {code: str(label) for code, label in JobStatus.choices},
            "can_cancel": not job.is_finished and job.status != JobStatus.CANCELLING,
            "can_resume": job.status in (JobStatus.FAILED, JobStatus.CANCELLED, JobStatus.RUNNING),
            "is_launcher": Role.RESEARCHER in request.user.role_codes,
        },
    )


@requires_roles(*LAUNCHERS)
@require_POST
def job_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(TrainingJob, pk=pk)
    try:
        services.training_job_cancel(job=job, actor=request.user)
        messages.success(request, _("Cancelling the job."))
    except services.JobRefused as refused:
        messages.error(request, refused.message)
    return redirect("training:job-detail", pk=pk)


@requires_roles(*LAUNCHERS)
@require_POST
def job_resume(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(TrainingJob, pk=pk)
    try:
        services.training_job_resume(job=job, actor=request.user)
        messages.success(request, _("The job is queued again; it continues from its last checkpoint."))
    except services.JobRefused as refused:
        messages.error(request, refused.message)
    return redirect("training:job-detail", pk=pk)


@requires_roles(*VIEWERS)
def model_list(request: HttpRequest) -> HttpResponse:
    active = selectors.active_deployment()
    return render(
        request,
        "training/model_list.html",
        {
            "versions": ModelVersion.objects.select_related("export_build")[:200],
            "active": active,
            "history": Deployment.objects.select_related("model_version", "deployed_by")[:20],
            "is_launcher": Role.RESEARCHER in request.user.role_codes,
        },
    )


@requires_roles(*VIEWERS)
def model_detail(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_object_or_404(ModelVersion.objects.select_related("export_build"), pk=pk)
    is_launcher = Role.RESEARCHER in request.user.role_codes
    form = ServingForm.for_version(version, request.POST if request.method == "POST" and is_launcher else None)
    if request.method == "POST" and is_launcher and form.is_valid():
        try:
            services.model_version_update_serving(
                version=version,
                actor=request.user,
                generation_settings=form.generation_settings(),
                serving_backend=form.cleaned_data["serving_backend"],
                endpoint_url=form.cleaned_data["endpoint_url"],
                served_name=form.cleaned_data["served_name"],
                runtime_lora=form.cleaned_data["runtime_lora"],
                server_adapter_path=form.cleaned_data["server_adapter_path"],
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Serving settings saved."))
            return redirect("training:model-detail", pk=pk)
    from evaluation.selectors import latest_results

    return render(
        request,
        "training/model_detail.html",
        {"version": version, "form": form, "is_launcher": is_launcher, "evaluation": latest_results(version)},
    )


@requires_roles(*LAUNCHERS)
@require_POST
def model_deploy(request: HttpRequest, pk: int) -> HttpResponse:
    from evaluation.selectors import lost_to

    version = get_object_or_404(ModelVersion, pk=pk)
    active = Deployment.objects.filter(active=True).select_related("model_version").first()
    if active is not None and request.POST.get("confirm") != "1":
        lost = lost_to(version, active.model_version)
        if lost is not None:  # its last evaluation campaign says it is worse than what is deployed
            return render(request, "training/deploy_confirm.html", {"version": version, "active": active, "lost": lost})
    try:
        services.model_version_deploy(version=version, actor=request.user, note=request.POST.get("note", ""))
        messages.success(request, _("%(name)s now plays the characters in human–machine chats.") % {"name": version})
    except (services.JobRefused, ValidationError) as error:
        messages.error(request, getattr(error, "message", None) or "; ".join(error.messages))
    return redirect("training:model-list")


@requires_roles(*LAUNCHERS)
@require_POST
def deployment_rollback(request: HttpRequest) -> HttpResponse:
    try:
        deployment = services.deployment_rollback(actor=request.user)
        messages.success(request, _("Rolled back to %(name)s.") % {"name": deployment.model_version})
    except (services.JobRefused, ValidationError) as error:
        messages.error(request, getattr(error, "message", None) or "; ".join(error.messages))
    return redirect("training:model-list")


@requires_roles(*CHATTERS)
def chat_start(request: HttpRequest) -> HttpResponse:
    """Choose a character and open a live chat with the deployed model playing it."""
    if request.method == "POST":
        character = get_object_or_404(Character, pk=request.POST.get("character") or 0)
        # roleplay's live chat serves the model seat; training imports it only when a round starts.
        from roleplay.live import human_machine as hm

        try:
            session = hm.hm_session_start(worker=request.user, character=character)
        except hm.ChatRefused as refused:
            messages.error(request, refused.message)
            return redirect("training:chat-start")
        return redirect("roleplay:live-chat", session_id=session.pk)
    languages = getattr(getattr(request.user, "profile", None), "languages", None) or []
    characters = Character.objects.all()
    if languages:
        characters = characters.filter(language__in=languages)
    return render(
        request,
        "training/chat_start.html",
        {"active": selectors.active_model_version(), "characters": characters[:200]},
    )
