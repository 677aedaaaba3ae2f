"""Character-prompt writing and the review of its LLM variants (crowdworkers, admins)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from annotation.forms import PromptVariantsForm, PromptWriteForm
from annotation.models import AnnotationTask, TaskKind
from annotation.services import prompts
from annotation.views.common import PROMPT_WORKERS, claim_next, claimed_task, page, queue_page, refusal_of
from platform_core.permissions import requires_roles
from platform_core.roles import Role
from roleplay.models import Character, CharacterPrompt, PromptKind


@requires_roles(*PROMPT_WORKERS)
def prompt_queue(request: HttpRequest) -> HttpResponse:
    writing = queue_page(request, TaskKind.PROMPT_WRITING, "annotation/_queue_box.html").content
    variants = queue_page(request, TaskKind.PROMPT_VARIANTS, "annotation/_queue_box.html").content
    context = {"writing_box": writing.decode(), "variants_box": variants.decode()}
    if Role.ADMIN in request.user.role_codes:
        context["without_written"] = (
            Character.objects.exclude(prompts__kind=PromptKind.WRITTEN)
            .exclude(annotation_tasks__kind=TaskKind.PROMPT_WRITING, annotation_tasks__status__in=["open", "claimed"])
            .count()
        )
        context["without_variants"] = CharacterPrompt.objects.filter(
            kind=PromptKind.WRITTEN, augmentations__isnull=True
        ).select_related("character")[:50]
    return render(request, "annotation/prompt_queue.html", context)


@requires_roles(*PROMPT_WORKERS)
@require_POST
def prompt_next(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in (TaskKind.PROMPT_WRITING, TaskKind.PROMPT_VARIANTS):
        return redirect("annotation:prompt-queue")
    return claim_next(request, kind)


@requires_roles(Role.ADMIN)
@require_POST
def prompt_tasks_create(request: HttpRequest) -> HttpResponse:
    characters = Character.objects.exclude(prompts__kind=PromptKind.WRITTEN)
    count = prompts.prompt_writing_tasks_create(characters=characters, admin=request.user)
    messages.success(request, _("%(count)d writing tasks created.") % {"count": count})
    return redirect("annotation:prompt-queue")


@requires_roles(Role.ADMIN)
@require_POST
def prompt_augment_again(request: HttpRequest, pk: int) -> HttpResponse:
    prompt = get_object_or_404(CharacterPrompt, pk=pk, kind=PromptKind.WRITTEN)
    prompts.prompt_augment_start(prompt=prompt)
    messages.info(request, _("Variants requested from the LLM."))
    return redirect("annotation:prompt-queue")


def _profile_rows(character: Character) -> list[tuple[str, str]]:
    return [(Character._meta.get_field("name").verbose_name, character.name), *character.profile_items]


@requires_roles(*PROMPT_WORKERS)
@claimed_task(TaskKind.PROMPT_WRITING)
def prompt_write(request: HttpRequest, task: AnnotationTask) -> HttpResponse:
    form = PromptWriteForm(request.POST if request.method == "POST" else None)
    error = None
    if form.is_bound:
        error = form.refusal() or refusal_of(
            lambda: prompts.written_prompt_submit(task=task, user=request.user, text=form.cleaned_data["text"])
        )
        if error is None:
            messages.success(request, _("Prompt saved. Thank you!"))
            return redirect("annotation:prompt-queue")
    return page(
        request,
        "annotation/prompt_write.html",
        {
            "task": task,
            "character": task.character,
            "profile": _profile_rows(task.character),
            "error": error,
            "form": form,
        },
        invalid=error is not None,
    )


@requires_roles(*PROMPT_WORKERS)
@claimed_task(TaskKind.PROMPT_VARIANTS)
def prompt_variants(request: HttpRequest, task: AnnotationTask) -> HttpResponse:
    reviewed = [task.prompt, *task.prompt.augmentations.order_by("kind", "id")]
    form = PromptVariantsForm(request.POST if request.method == "POST" else None, prompts=reviewed)
    error = None
    if form.is_bound:
        error = form.refusal() or refusal_of(
            lambda: prompts.prompt_variants_review(task=task, user=request.user, decisions=form.decisions())
        )
        if error is None:
            messages.success(request, _("Review saved."))
            return redirect("annotation:prompt-queue")
    return page(
        request,
        "annotation/prompt_variants.html",
        {"task": task, "character": task.character, "prompts": reviewed, "error": error, "form": form},
        invalid=error is not None,
    )
