"""Synthesis batches and prompt templates (researchers, admins)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from annotation import selectors
from annotation.forms import BatchForm, ImportForm, TemplateForm, TemplateRevisionForm
from annotation.models import ItemStatus, PromptTemplate, SynthesisBatch
from annotation.services import synthesis, templates
from annotation.views.common import BATCH_MANAGERS, page
from platform_core.permissions import requires_roles


@requires_roles(*BATCH_MANAGERS)
def batch_list(request: HttpRequest) -> HttpResponse:
    listing = Paginator(selectors.batches_with_counts(), 50).get_page(request.GET.get("page"))
    return render(request, "annotation/batch_list.html", {"page": listing})


@requires_roles(*BATCH_MANAGERS)
def batch_create(request: HttpRequest) -> HttpResponse:
    templates.templates_ensure_defaults()
    form = BatchForm(request.POST or None, initial={"language": "zh-hans", "turns_per_dialogue": 17})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            batch = synthesis.batch_create(
                name=data["name"],
                author=request.user,
                categories=data["categories"],
                language=data["language"],
                provider=data["provider"],
                llm_model=data["llm_model"],
                character_template=data["character_template"],
                dialogue_template=data["dialogue_template"],
                characters_per_category=data["characters_per_category"],
                dialogues_per_category=data["dialogues_per_category"],
                turns_per_dialogue=data["turns_per_dialogue"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Batch started."))
            return redirect("annotation:batch-detail", pk=batch.pk)
    return page(request, "annotation/batch_form.html", {"form": form}, invalid=request.method == "POST")


@requires_roles(*BATCH_MANAGERS)
def batch_import(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        raw = form.cleaned_data["file"].read()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            form.add_error("file", _("The file is not UTF-8."))
        else:
            try:
                batch = synthesis.batch_import_jsonl(
                    name=form.cleaned_data["name"],
                    llm_model=form.cleaned_data["llm_model"],
                    author=request.user,
                    lines=text,
                )
            except synthesis.ImportRejected as rejected:
                errors = [str(error) for error in rejected.errors]
            else:
                messages.success(request, _("Imported %(count)d dialogues.") % {"count": batch.dialogues.count()})
                return redirect("annotation:batch-detail", pk=batch.pk)
    return page(
        request,
        "annotation/batch_import.html",
        {"form": form, "errors": errors},
        invalid=request.method == "POST",
    )


@requires_roles(*BATCH_MANAGERS)
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(SynthesisBatch.objects.select_related("provider", "created_by"), pk=pk)
    items = batch.items.select_related("character", "dialogue")
    counts = {status: items.filter(status=status).count() for status in ItemStatus.values}
    total = sum(counts.values()) or 1
    return render(
        request,
        "annotation/batch_detail.html",
        {
            "batch": batch,
            "counts": counts,
            "percent": round(100 * (total - counts[ItemStatus.PENDING]) / total, 1),
            "failed_items": items.filter(status=ItemStatus.FAILED),
            "dialogues": batch.dialogues.select_related("character")[:200],
        },
    )


@requires_roles(*BATCH_MANAGERS)
@require_POST
def batch_retry(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(SynthesisBatch, pk=pk)
    count = synthesis.batch_retry_failed(batch=batch)
    messages.success(request, _("%(count)d failed items queued again.") % {"count": count})
    return redirect("annotation:batch-detail", pk=batch.pk)


@requires_roles(*BATCH_MANAGERS)
def template_list(request: HttpRequest) -> HttpResponse:
    templates.templates_ensure_defaults()
    return render(request, "annotation/template_list.html", {"templates": PromptTemplate.objects.all()})


@requires_roles(*BATCH_MANAGERS)
def template_create(request: HttpRequest) -> HttpResponse:
    form = TemplateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            templates.template_create(author=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("annotation:template-list")
    return page(request, "annotation/template_form.html", {"form": form}, invalid=request.method == "POST")


@requires_roles(*BATCH_MANAGERS)
def template_edit(request: HttpRequest, pk: int) -> HttpResponse:
    template = get_object_or_404(PromptTemplate, pk=pk)
    form = TemplateRevisionForm(
        request.POST or None, initial={"text": template.text, "system_text": template.system_text}
    )
    if request.method == "POST" and form.is_valid():
        try:
            revised = templates.template_revise(template=template, author=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error("text", error.message_dict.get("text", error.messages))
        else:
            messages.success(request, _("Saved as version %(version)d.") % {"version": revised.version})
            return redirect("annotation:template-list")
    return page(
        request,
        "annotation/template_form.html",
        {"form": form, "template": template, "variables": template.kind},
        invalid=request.method == "POST",
    )
