"""Literary works (upload, progress) and extraction tasks (annotators)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from annotation import selectors
from annotation.forms import ExtractionForm, PartyForm, WorkUploadForm
from annotation.models import AnnotationTask, LiteraryWork, TaskKind, TaskStatus
from annotation.selectors import character_for_speaker
from annotation.services import extraction
from annotation.services.task_queue import TaskRefused
from annotation.views.common import REVIEWERS, WORK_READERS, claim_next, claimed_task, page, queue_page, refusal_of
from platform_core.permissions import requires_roles
from platform_core.roles import Role
from roleplay.models import Character, CharacterCategory


@requires_roles(*WORK_READERS)
def work_list(request: HttpRequest) -> HttpResponse:
    works = selectors.literary_works_listed().annotate(
        candidate_count=Count("candidates", distinct=True),
        dialogue_count=Count("dialogues", distinct=True),
    ).select_related("uploaded_by")
    return render(request, "annotation/work_list.html", {"works": works})


@requires_roles(Role.ADMIN)
def work_upload(request: HttpRequest) -> HttpResponse:
    form = WorkUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            work = extraction.work_upload(
                title=form.cleaned_data["title"],
                author=form.cleaned_data["author"],
                language=form.cleaned_data["language"],
                licence_note=form.cleaned_data["licence_note"],
                filename=upload.name,
                data=upload.read(),
                uploader=request.user,
                llm_provider=form.cleaned_data["llm_provider"],
            )
        except ValidationError as error:
            for field_name, problems in error.message_dict.items():
                form.add_error(field_name if field_name in form.fields else None, problems)
        else:
            messages.success(request, _("Uploaded; the work is being scanned for dialogues."))
            return redirect("annotation:work-detail", pk=work.pk)
    return page(request, "annotation/work_upload.html", {"form": form}, invalid=request.method == "POST")


@requires_roles(*WORK_READERS)
def work_detail(request: HttpRequest, pk: int) -> HttpResponse:
    work = get_object_or_404(LiteraryWork, pk=pk)
    chapters = work.chapters.annotate(candidate_count=Count("candidates"))
    tasks = AnnotationTask.objects.filter(candidate__work=work, gold=None)
    return render(
        request,
        "annotation/work_detail.html",
        {
            "work": work,
            "chapters": chapters,
            "task_counts": {status: tasks.filter(status=status).count() for status in TaskStatus.values},
            "dialogues": work.dialogues.select_related("character", "player_persona")[:200],
        },
    )


@requires_roles(*REVIEWERS)
def extraction_queue(request: HttpRequest) -> HttpResponse:
    return queue_page(request, TaskKind.EXTRACTION, "annotation/extraction_queue.html")


@requires_roles(*REVIEWERS)
@require_POST
def extraction_next(request: HttpRequest) -> HttpResponse:
    return claim_next(request, TaskKind.EXTRACTION)


def _extraction_save(
    request: HttpRequest, task: AnnotationTask, form: ExtractionForm, parties: list[PartyForm]
) -> TaskRefused | None:
    """Discard the passage or store its dialogue; the refusal, if any."""
    refused = form.refusal()
    if refused is not None:
        return refused
    if form.discards:
        reason = form.cleaned_data["reason"]
        return refusal_of(lambda: extraction.extraction_discard(task=task, user=request.user, reason=reason))
    party_a, party_b = parties
    refused = party_a.refusal() or party_b.refusal()
    if refused is not None:
        return refused
    return refusal_of(
        lambda: extraction.extraction_submit(
            task=task,
            user=request.user,
            roles=form.roles(),
            texts=form.texts(),
            party_a=party_a.profile(),
            party_b=party_b.profile(),
            topic=form.cleaned_data["topic"],
        )
    )


def _line_rows(task: AnnotationTask, form: ExtractionForm, party_names: dict[str, str]) -> list[dict]:
    """Each candidate line with its speaker choice: as posted, or guessed from the detected speaker."""
    rows = []
    for index, line in enumerate(task.candidate.lines):
        if form.is_bound:
            role, text = form.data.get(f"role_{index}", "drop"), form.data.get(f"text_{index}", line["text"])
        else:
            role = "a" if line["speaker"] and line["speaker"] == party_names["a"] else "drop"
            role = "b" if line["speaker"] and line["speaker"] == party_names["b"] else role
            text = line["text"]
        rows.append(
            {
                "index": index,
                "speaker": line["speaker"],
                "uncertain": line.get("uncertain", False),
                "method": line.get("method", ""),
                "text": text,
                "role": role,
            }
        )
    return rows


def _extraction_page(
    request: HttpRequest,
    task: AnnotationTask,
    form: ExtractionForm,
    parties: list[PartyForm],
    error: TaskRefused | None,
) -> HttpResponse:
    candidate = task.candidate
    work = candidate.work
    speakers = candidate.speakers
    party_names = {"a": speakers[0] if speakers else "", "b": speakers[1] if len(speakers) > 1 else ""}
    if form.is_bound:
        party_names = {"a": form.data.get("a_name", ""), "b": form.data.get("b_name", "")}
    names = [name for name in (party_names["a"], party_names["b"]) if name]
    context_start = max(0, candidate.start - 300)
    context = {
        "task": task,
        "candidate": candidate,
        "work": work,
        "lines": _line_rows(task, form, party_names),
        "party_names": party_names,
        "parties": parties,
        "categories": CharacterCategory.choices,
        "matches": Character.objects.filter(name__in=names).order_by("name", "id")[:20],
        "before": work.text[context_start : candidate.start],
        "passage": work.text[candidate.start : candidate.end],
        "after": work.text[candidate.end : candidate.end + 300],
        "error": error,
        "form": form,
    }
    return page(request, "annotation/extraction_task.html", context, invalid=error is not None)


def _party_initial(task: AnnotationTask, number: int) -> dict:
    """The existing character pre-selected for a party whose detected name matches one."""
    speakers = task.candidate.speakers
    name = speakers[number] if number < len(speakers) else ""
    match = character_for_speaker(name=name, work=task.candidate.work)
    return {"existing": match.pk} if match else {}


@requires_roles(*REVIEWERS)
@claimed_task(TaskKind.EXTRACTION)
def extraction_task(request: HttpRequest, task: AnnotationTask) -> HttpResponse:
    data = request.POST if request.method == "POST" else None
    form = ExtractionForm(data, line_count=len(task.candidate.lines))
    parties = [
        PartyForm(data, prefix=prefix, title=title, initial=_party_initial(task, number))
        for number, (prefix, title) in enumerate((("a", _("Profile of party A")), ("b", _("Profile of party B"))))
    ]
    error = None
    if form.is_bound:
        error = _extraction_save(request, task, form, parties)
        if error is None:
            messages.success(request, _("Extraction saved."))
            return redirect("annotation:extraction-queue")
    return _extraction_page(request, task, form, parties, error)
