"""Annotation pages: thin shells that check roles, parse forms and call services."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from annotation import qc, selectors, services
from annotation.forms import BatchForm, ImportForm, TemplateForm, TemplateRevisionForm, WorkUploadForm
from annotation.models import (
    Adjudication,
    AnnotationTask,
    GoldStandard,
    ItemStatus,
    LiteraryWork,
    PromptTemplate,
    SynthesisBatch,
    TaskKind,
    TaskStatus,
)
from platform_core.models import User
from platform_core.permissions import ANY_ROLE, requires_roles
from platform_core.roles import Role
from roleplay.models import (
    Character,
    CharacterCategory,
    CharacterPrompt,
    Dialogue,
    PromptKind,
)

BATCH_MANAGERS = (Role.RESEARCHER, Role.ADMIN)
REVIEWERS = (Role.ANNOTATOR, Role.ADMIN)
WORK_READERS = (Role.ADMIN, Role.ANNOTATOR, Role.RESEARCHER)


def _render(request: HttpRequest, template: str, context: dict, *, invalid: bool = False) -> HttpResponse:
    """Render a page; a form that failed validation answers 400 so clients can tell."""
    return render(request, template, context, status=400 if invalid else 200)


@requires_roles(*ANY_ROLE)
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "annotation/index.html", {"counts": selectors.queue_counts(request.user)})


# --- Synthesis batches ------------------------------------------------------------------------


@requires_roles(*BATCH_MANAGERS)
def batch_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.batches_with_counts(), 50).get_page(request.GET.get("page"))
    return render(request, "annotation/batch_list.html", {"page": page})


@requires_roles(*BATCH_MANAGERS)
def batch_create(request: HttpRequest) -> HttpResponse:
    services.templates_ensure_defaults()
    form = BatchForm(request.POST or None, initial={"language": "zh-hans", "turns_per_dialogue": 17})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            batch = services.batch_create(
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
    return _render(request, "annotation/batch_form.html", {"form": form}, invalid=request.method == "POST")


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
                batch = services.batch_import_jsonl(
                    name=form.cleaned_data["name"],
                    llm_model=form.cleaned_data["llm_model"],
                    author=request.user,
                    lines=text,
                )
            except services.ImportRejected as rejected:
                errors = [str(error) for error in rejected.errors]
            else:
                messages.success(request, _("Imported %(count)d dialogues.") % {"count": batch.dialogues.count()})
                return redirect("annotation:batch-detail", pk=batch.pk)
    return _render(
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
    count = services.batch_retry_failed(batch=batch)
    messages.success(request, _("%(count)d failed items queued again.") % {"count": count})
    return redirect("annotation:batch-detail", pk=batch.pk)


@requires_roles(*BATCH_MANAGERS)
def template_list(request: HttpRequest) -> HttpResponse:
    services.templates_ensure_defaults()
    return render(request, "annotation/template_list.html", {"templates": PromptTemplate.objects.all()})


@requires_roles(*BATCH_MANAGERS)
def template_create(request: HttpRequest) -> HttpResponse:
    form = TemplateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.template_create(author=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("annotation:template-list")
    return _render(request, "annotation/template_form.html", {"form": form}, invalid=request.method == "POST")


@requires_roles(*BATCH_MANAGERS)
def template_edit(request: HttpRequest, pk: int) -> HttpResponse:
    template = get_object_or_404(PromptTemplate, pk=pk)
    form = TemplateRevisionForm(
        request.POST or None, initial={"text": template.text, "system_text": template.system_text}
    )
    if request.method == "POST" and form.is_valid():
        try:
            revised = services.template_revise(template=template, author=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error("text", error.message_dict.get("text", error.messages))
        else:
            messages.success(request, _("Saved as version %(version)d.") % {"version": revised.version})
            return redirect("annotation:template-list")
    return _render(
        request,
        "annotation/template_form.html",
        {"form": form, "template": template, "variables": template.kind},
        invalid=request.method == "POST",
    )


# --- Task queues (shared) ---------------------------------------------------------------------

QUEUE_PAGE = {
    TaskKind.REWRITE_REVIEW: "annotation:review-queue",
    TaskKind.EXTRACTION: "annotation:extraction-queue",
    TaskKind.PROMPT_WRITING: "annotation:prompt-queue",
    TaskKind.PROMPT_VARIANTS: "annotation:prompt-queue",
}
TASK_PAGE = {
    TaskKind.REWRITE_REVIEW: "annotation:review-task",
    TaskKind.EXTRACTION: "annotation:extraction-task",
    TaskKind.PROMPT_WRITING: "annotation:prompt-write",
    TaskKind.PROMPT_VARIANTS: "annotation:prompt-variants",
}
WORKERS = (Role.ANNOTATOR, Role.ADMIN, Role.CROWDWORKER)


def _claim_next(request: HttpRequest, kind: str) -> HttpResponse:
    try:
        task = services.task_claim_next(user=request.user, kind=kind)
    except services.TaskRefused as refused:
        messages.error(request, refused.message)
        return redirect(QUEUE_PAGE[kind])
    if task is None:
        messages.info(request, _("No open tasks right now. Thank you!"))
        return redirect(QUEUE_PAGE[kind])
    return redirect(TASK_PAGE[kind], pk=task.pk)


def _my_task(request: HttpRequest, pk: int, kind: str) -> AnnotationTask:
    task = get_object_or_404(AnnotationTask, pk=pk, kind=kind)
    services.task_for_worker(task=task, user=request.user)
    return task


def _queue_page(request: HttpRequest, kind: str, template: str, extra: dict | None = None) -> HttpResponse:
    held = AnnotationTask.objects.filter(assignee=request.user, kind=kind, status=TaskStatus.CLAIMED).first()
    refusal = None
    try:
        services.worker_may_work(request.user, kind)
    except services.TaskRefused as refused:
        refusal = refused.message
    context = {
        "kind": kind,
        "held": held,
        "refusal": refusal,
        "open_count": AnnotationTask.objects.filter(kind=kind, status=TaskStatus.OPEN, gold=None).count(),
        "done_count": AnnotationTask.objects.filter(
            kind=kind, assignee=request.user, status=TaskStatus.SUBMITTED
        ).count(),
        "task_page": TASK_PAGE[kind],
    }
    context.update(extra or {})
    return render(request, template, context)


@requires_roles(*WORKERS)
@require_POST
def task_release(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_object_or_404(AnnotationTask, pk=pk)
    try:
        services.task_release(task=task, user=request.user)
    except services.TaskRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.info(request, _("Task released back to the queue."))
    return redirect(QUEUE_PAGE[task.kind])


# --- Colloquial rewrite review ----------------------------------------------------------------


@requires_roles(*REVIEWERS)
def review_queue(request: HttpRequest) -> HttpResponse:
    return _queue_page(request, TaskKind.REWRITE_REVIEW, "annotation/review_queue.html")


@requires_roles(*REVIEWERS)
@require_POST
def review_next(request: HttpRequest) -> HttpResponse:
    return _claim_next(request, TaskKind.REWRITE_REVIEW)


def _review_lines(task: AnnotationTask, posted=None) -> list[dict]:
    lines = []
    ooc = {str(value) for value in posted.getlist("ooc")} if posted is not None else set()
    for turn in task.dialogue.turns.all():
        text = posted.get(f"text_{turn.pk}", turn.text) if posted is not None else turn.text
        lines.append(
            {
                "turn": turn,
                "text": text,
                "ooc": str(turn.pk) in ooc if posted is not None else turn.out_of_character,
                "diff": qc.char_diff(turn.text, text) if text != turn.text else None,
            }
        )
    return lines


@requires_roles(*REVIEWERS)
def review_task(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        task = _my_task(request, pk, TaskKind.REWRITE_REVIEW)
    except services.TaskRefused as refused:
        messages.error(request, refused.message)
        return redirect("annotation:review-queue")
    dialogue = task.dialogue
    error = None
    posted = request.POST if request.method == "POST" else None
    if posted is not None:
        texts = {}
        for key, value in posted.items():
            if key.startswith("text_"):
                try:
                    texts[int(key.removeprefix("text_"))] = value
                except ValueError:
                    continue
        try:
            ooc = [int(value) for value in posted.getlist("ooc")]
            rating = int(posted["rating"]) if posted.get("rating") else None
        except ValueError:
            error = services.TaskRefused("bad_input", _("Invalid rating or line."), field="rating")
        else:
            try:
                services.rewrite_review_submit(
                    task=task,
                    user=request.user,
                    decision=posted.get("decision", ""),
                    reason=posted.get("reason", ""),
                    rating=rating,
                    texts=texts,
                    out_of_character=ooc,
                )
            except services.TaskRefused as refused:
                error = refused
            else:
                messages.success(request, _("Review saved."))
                return redirect("annotation:review-queue")
    context = {
        "task": task,
        "dialogue": dialogue,
        "character": dialogue.character,
        "lines": _review_lines(task, posted),
        "error": error,
        "posted": posted or {},
    }
    return _render(request, "annotation/review_task.html", context, invalid=error is not None)


@requires_roles(Role.ADMIN)
def adjudication_list(request: HttpRequest) -> HttpResponse:
    adjudications = Adjudication.objects.select_related("dialogue__character").order_by("status", "-created_at")
    return render(request, "annotation/adjudication_list.html", {"adjudications": adjudications[:200]})


@requires_roles(Role.ADMIN)
def adjudication_detail(request: HttpRequest, pk: int) -> HttpResponse:
    adjudication = get_object_or_404(Adjudication.objects.select_related("dialogue__character"), pk=pk)
    dialogue = adjudication.dialogue
    reviews = list(
        AnnotationTask.objects.filter(
            kind=TaskKind.REWRITE_REVIEW, dialogue=dialogue, gold=None, status=TaskStatus.SUBMITTED
        ).select_related("assignee")
    )
    error = None
    if request.method == "POST":
        chosen = None
        if request.POST.get("chosen_task"):
            chosen = next((r for r in reviews if str(r.pk) == request.POST["chosen_task"]), None)
            if chosen is None:
                error = services.TaskRefused("bad_choice", _("Pick one of this dialogue's reviews."), "chosen_task")
        if error is None:
            try:
                services.adjudication_resolve(
                    adjudication=adjudication,
                    admin=request.user,
                    decision=request.POST.get("decision", ""),
                    chosen_task=chosen,
                    note=request.POST.get("note", ""),
                )
            except services.TaskRefused as refused:
                error = refused
            else:
                messages.success(request, _("Dialogue settled."))
                return redirect("annotation:adjudication-list")
    turns = list(dialogue.turns.all())
    review_rows = []
    for review in reviews:
        edits = review.result.get("edits", {})
        review_rows.append(
            {
                "task": review,
                "lines": [
                    {
                        "turn": turn,
                        "diff": qc.char_diff(turn.text, edits[str(turn.pk)]) if str(turn.pk) in edits else None,
                        "ooc": turn.pk in review.result.get("ooc", []),
                    }
                    for turn in turns
                ],
            }
        )
    return _render(
        request,
        "annotation/adjudication_detail.html",
        {"adjudication": adjudication, "dialogue": dialogue, "reviews": review_rows, "error": error},
        invalid=error is not None,
    )


# --- Literary extraction ----------------------------------------------------------------------


@requires_roles(*WORK_READERS)
def work_list(request: HttpRequest) -> HttpResponse:
    works = LiteraryWork.objects.annotate(
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
            work = services.work_upload(
                title=form.cleaned_data["title"],
                author=form.cleaned_data["author"],
                language=form.cleaned_data["language"],
                licence_note=form.cleaned_data["licence_note"],
                filename=upload.name,
                data=upload.read(),
                uploader=request.user,
            )
        except ValidationError as error:
            for field_name, problems in error.message_dict.items():
                form.add_error(field_name if field_name in form.fields else None, problems)
        else:
            messages.success(request, _("Uploaded; the work is being scanned for dialogues."))
            return redirect("annotation:work-detail", pk=work.pk)
    return _render(request, "annotation/work_upload.html", {"form": form}, invalid=request.method == "POST")


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
    return _queue_page(request, TaskKind.EXTRACTION, "annotation/extraction_queue.html")


@requires_roles(*REVIEWERS)
@require_POST
def extraction_next(request: HttpRequest) -> HttpResponse:
    return _claim_next(request, TaskKind.EXTRACTION)


PARTY_FIELDS = ("identity", "personality", "interests", "social_relationships", "stylistic_features", "greeting")


def _party_from_post(post, prefix: str) -> services.PartyProfile:
    existing = None
    if post.get(f"{prefix}_existing"):
        try:
            existing = Character.objects.get(pk=int(post[f"{prefix}_existing"]))
        except (ValueError, Character.DoesNotExist):
            raise services.TaskRefused(
                "bad_character", _("That character does not exist."), field=f"{prefix}_existing"
            ) from None
    category = post.get(f"{prefix}_category", CharacterCategory.DAILY_LIFE)
    if category not in CharacterCategory.values:
        raise services.TaskRefused("bad_category", _("Pick a category."), field=f"{prefix}_category")
    return services.PartyProfile(
        name=post.get(f"{prefix}_name", ""),
        existing=existing,
        category=category,
        fields={name: post.get(f"{prefix}_{name}", "").strip() for name in PARTY_FIELDS},
    )


@requires_roles(*REVIEWERS)
def extraction_task(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        task = _my_task(request, pk, TaskKind.EXTRACTION)
    except services.TaskRefused as refused:
        messages.error(request, refused.message)
        return redirect("annotation:extraction-queue")
    candidate = task.candidate
    work = candidate.work
    error = None
    post = request.POST if request.method == "POST" else None
    if post is not None:
        try:
            if post.get("action") == "discard":
                services.extraction_discard(task=task, user=request.user, reason=post.get("reason", ""))
            else:
                count = len(candidate.lines)
                services.extraction_submit(
                    task=task,
                    user=request.user,
                    roles=[post.get(f"role_{i}", "") for i in range(count)],
                    texts=[post.get(f"text_{i}", "") for i in range(count)],
                    party_a=_party_from_post(post, "a"),
                    party_b=_party_from_post(post, "b"),
                    topic=post.get("topic", ""),
                )
        except services.TaskRefused as refused:
            error = refused
        else:
            messages.success(request, _("Extraction saved."))
            return redirect("annotation:extraction-queue")
    speakers = candidate.speakers
    party_names = {"a": speakers[0] if speakers else "", "b": speakers[1] if len(speakers) > 1 else ""}
    if post is not None:
        party_names = {"a": post.get("a_name", ""), "b": post.get("b_name", "")}
    lines = []
    for index, line in enumerate(candidate.lines):
        if post is not None:
            role, text = post.get(f"role_{index}", "drop"), post.get(f"text_{index}", line["text"])
        else:
            role = "a" if line["speaker"] and line["speaker"] == party_names["a"] else "drop"
            role = "b" if line["speaker"] and line["speaker"] == party_names["b"] else role
            text = line["text"]
        lines.append({"index": index, "speaker": line["speaker"], "text": text, "role": role})
    names = [name for name in (party_names["a"], party_names["b"]) if name]
    posted = post or {}
    parties = []
    for prefix, title in (("a", _("Profile of party A")), ("b", _("Profile of party B"))):
        existing = posted.get(f"{prefix}_existing", "")
        parties.append(
            {
                "prefix": prefix,
                "title": title,
                "existing": int(existing) if existing.isdigit() else None,
                "category": posted.get(f"{prefix}_category", CharacterCategory.DAILY_LIFE),
                "fields": [
                    (name, Character._meta.get_field(name).verbose_name, posted.get(f"{prefix}_{name}", ""))
                    for name in PARTY_FIELDS
                ],
            }
        )
    context_start = max(0, candidate.start - 300)
    return _render(
        request,
        "annotation/extraction_task.html",
        {
            "task": task,
            "candidate": candidate,
            "work": work,
            "lines": lines,
            "party_names": party_names,
            "parties": parties,
            "categories": CharacterCategory.choices,
            "matches": Character.objects.filter(name__in=names).order_by("name", "id")[:20],
            "before": work.text[context_start : candidate.start],
            "passage": work.text[candidate.start : candidate.end],
            "after": work.text[candidate.end : candidate.end + 300],
            "error": error,
            "post": post or {},
        },
        invalid=error is not None,
    )


# --- Character-prompt writing -----------------------------------------------------------------

PROMPT_WORKERS = (Role.CROWDWORKER, Role.ADMIN)


@requires_roles(*PROMPT_WORKERS)
def prompt_queue(request: HttpRequest) -> HttpResponse:
    writing = _queue_page(request, TaskKind.PROMPT_WRITING, "annotation/_queue_box.html").content
    variants = _queue_page(request, TaskKind.PROMPT_VARIANTS, "annotation/_queue_box.html").content
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
    return _claim_next(request, kind)


@requires_roles(Role.ADMIN)
@require_POST
def prompt_tasks_create(request: HttpRequest) -> HttpResponse:
    characters = Character.objects.exclude(prompts__kind=PromptKind.WRITTEN)
    count = services.prompt_writing_tasks_create(characters=characters, admin=request.user)
    messages.success(request, _("%(count)d writing tasks created.") % {"count": count})
    return redirect("annotation:prompt-queue")


@requires_roles(Role.ADMIN)
@require_POST
def prompt_augment_again(request: HttpRequest, pk: int) -> HttpResponse:
    prompt = get_object_or_404(CharacterPrompt, pk=pk, kind=PromptKind.WRITTEN)
    services.prompt_augment_start(prompt=prompt)
    messages.info(request, _("Variants requested from the LLM."))
    return redirect("annotation:prompt-queue")


def _profile_rows(character: Character) -> list[tuple[str, str]]:
    return [(Character._meta.get_field("name").verbose_name, character.name), *character.profile_items]


@requires_roles(*PROMPT_WORKERS)
def prompt_write(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        task = _my_task(request, pk, TaskKind.PROMPT_WRITING)
    except services.TaskRefused as refused:
        messages.error(request, refused.message)
        return redirect("annotation:prompt-queue")
    error = None
    if request.method == "POST":
        try:
            services.written_prompt_submit(task=task, user=request.user, text=request.POST.get("text", ""))
        except services.TaskRefused as refused:
            error = refused
        else:
            messages.success(request, _("Prompt saved. Thank you!"))
            return redirect("annotation:prompt-queue")
    return _render(
        request,
        "annotation/prompt_write.html",
        {"task": task, "character": task.character, "profile": _profile_rows(task.character), "error": error},
        invalid=error is not None,
    )


@requires_roles(*PROMPT_WORKERS)
def prompt_variants(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        task = _my_task(request, pk, TaskKind.PROMPT_VARIANTS)
    except services.TaskRefused as refused:
        messages.error(request, refused.message)
        return redirect("annotation:prompt-queue")
    prompts = [task.prompt, *task.prompt.augmentations.order_by("kind", "id")]
    error = None
    if request.method == "POST":
        decisions = {
            prompt.pk: (request.POST.get(f"decision_{prompt.pk}", ""), request.POST.get(f"text_{prompt.pk}", ""))
            for prompt in prompts
        }
        try:
            services.prompt_variants_review(task=task, user=request.user, decisions=decisions)
        except services.TaskRefused as refused:
            error = refused
        else:
            messages.success(request, _("Review saved."))
            return redirect("annotation:prompt-queue")
    return _render(
        request,
        "annotation/prompt_variants.html",
        {"task": task, "character": task.character, "prompts": prompts, "error": error, "post": request.POST},
        invalid=error is not None,
    )


# --- Quality control --------------------------------------------------------------------------


@requires_roles(Role.ADMIN)
def quality(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "annotation/quality.html",
        {
            "stats": selectors.annotator_stats(),
            "agreement": selectors.review_agreement(),
            "golds": GoldStandard.objects.select_related("dialogue", "candidate").annotate(served=Count("tasks"))[:100],
            "gold_rate": settings.ANNOTATION_GOLD_RATE,
            "reviews_per_dialogue": settings.ANNOTATION_REVIEWS_PER_DIALOGUE,
        },
    )


@requires_roles(Role.ADMIN)
@require_POST
def worker_block(request: HttpRequest, user_id: int) -> HttpResponse:
    worker = get_object_or_404(User, pk=user_id)
    reason = request.POST.get("reason", "").strip()
    if not reason:
        messages.error(request, _("Blocking needs a reason."))
        return redirect("annotation:quality")
    requeued = services.annotator_block(user=worker, admin=request.user, reason=reason)
    messages.success(
        request, _("%(user)s is blocked; %(count)d tasks went back to the queue.") % {"user": worker, "count": requeued}
    )
    return redirect("annotation:quality")


@requires_roles(Role.ADMIN)
@require_POST
def gold_create(request: HttpRequest) -> HttpResponse:
    """Make a gold task from a settled dialogue (its final decision) or a submitted extraction."""
    kind = request.POST.get("kind")
    try:
        subject = int(request.POST.get("subject", ""))
    except ValueError:
        messages.error(request, _("Give the id of a dialogue or of a submitted extraction task."))
        return redirect("annotation:quality")
    if kind == TaskKind.REWRITE_REVIEW:
        dialogue = Dialogue.objects.filter(pk=subject, status__in=["accepted", "rejected"]).first()
        if dialogue is None:
            messages.error(request, _("Only an accepted or rejected dialogue can be a gold review task."))
            return redirect("annotation:quality")
        answer = {"decision": "accept" if dialogue.status == "accepted" else "reject"}
        services.gold_create(kind=kind, answer=answer, admin=request.user, dialogue=dialogue)
    elif kind == TaskKind.EXTRACTION:
        task = AnnotationTask.objects.filter(
            pk=subject, kind=TaskKind.EXTRACTION, status=TaskStatus.SUBMITTED, gold=None
        ).first()
        if task is None:
            messages.error(request, _("Only a submitted extraction task can become a gold task."))
            return redirect("annotation:quality")
        answer = {key: task.result[key] for key in ("roles", "discarded") if key in task.result}
        services.gold_create(kind=kind, answer=answer, admin=request.user, candidate=task.candidate)
    else:
        messages.error(request, _("Gold tasks exist for rewrite reviews and extractions."))
        return redirect("annotation:quality")
    messages.success(request, _("Gold task added."))
    return redirect("annotation:quality")
