"""Every write of the annotation workflows. Each public function is one transaction."""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field as dc_field
from datetime import timedelta
from statistics import mean
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from annotation.extraction import UndecodableText, decode_text, detect_candidates, epub_text, split_chapters
from annotation.llm import LLMError, client_for
from annotation.models import (
    TEMPLATE_VARIABLES,
    Adjudication,
    AdjudicationStatus,
    AnnotationTask,
    BatchOrigin,
    BatchStatus,
    ExtractionCandidate,
    GoldStandard,
    ItemKind,
    ItemStatus,
    LiteraryChapter,
    LiteraryWork,
    LLMProvider,
    PromptTemplate,
    SynthesisBatch,
    SynthesisItem,
    TaskKind,
    TaskStatus,
    TemplateKind,
    WorkStatus,
)
from annotation.synthesis import (
    DialogueDraft,
    ImportError_,
    OutputRejected,
    character_fields,
    dialogue_draft,
    load_json_object,
    parse_jsonl,
)
from platform_core.errors import Refused
from platform_core.jobs import job_claim, job_heartbeat
from platform_core.models import User
from platform_core.progress import progress_publish
from platform_core.selectors import profile_of
from platform_core.services import audit_record, worker_block
from roleplay.models import (
    ATTRIBUTE_FIELDS,
    AUGMENTATION_KINDS,
    BEHAVIOUR_FIELDS,
    Character,
    CharacterCategory,
    CharacterPrompt,
    CharacterSource,
    Dialogue,
    DialogueSource,
    DialogueStatus,
    Language,
    PlayerPersona,
    PromptKind,
    ReviewStatus,
    Speaker,
    Turn,
)
from roleplay.prompting import profile_text
from roleplay.services import character_create, dialogue_create, dialogue_set_status, persona_create, turn_append


class TaskRefused(Refused):
    """A queue or submission action that may not happen; ``field`` names the bad input if any."""

    def __init__(self, code: str, message: str, field: str = "") -> None:
        super().__init__(code, message)
        self.field = field


# --- Prompt templates -------------------------------------------------------------------------

DEFAULT_TEMPLATES: dict[str, tuple[str, str, str]] = {
    TemplateKind.CHARACTER: (
        "character-profile",
        "You write character profiles for a role-play dataset. Answer with one JSON object only.",
        'Invent character number $index in the category "$category". Write every value in the language '
        '"$language". Answer with a JSON object with the keys name, identity, interests, viewpoints, '
        "experiences, achievements, social_relationships, others (strings), catchphrases and "
        "frequent_phrases (lists of strings), dialect, stylistic_features, personality, greeting (strings).",
    ),
    TemplateKind.DIALOGUE: (
        "character-dialogue",
        "You write natural role-play conversations. Answer with one JSON object only.",
        'Here is a character in the category "$category":\n$profile\n\nWrite a conversation of $turns turns '
        'in the language "$language" between $name and a player who chats with them. Answer with a JSON '
        'object: {"topic": string, "player": {"name": string, "description": string}, '
        '"turns": [{"speaker": "character" or "player", "text": string}, ...]}.',
    ),
    TemplateKind.SUMMARY: (
        "prompt-summary",
        "",
        'Summarise this description of the character $name in a few sentences, in the language "$language". '
        "Answer with the summary only.\n\n$prompt",
    ),
    TemplateKind.PARAPHRASE: (
        "prompt-paraphrase",
        "",
        'Paraphrase this description of the character $name, keeping every fact, in the language "$language". '
        "Answer with the paraphrase only.\n\n$prompt",
    ),
    TemplateKind.STYLIZED: (
        "prompt-stylized",
        "",
        "Rewrite this description of $name in the first person, in $name's own voice and speaking style, in "
        'the language "$language". Answer with the rewritten description only.\n\n$prompt',
    ),
}


def templates_ensure_defaults() -> None:
    """Store version 1 of each default template the first time templates are needed."""
    for kind, (name, system_text, text) in DEFAULT_TEMPLATES.items():
        if not PromptTemplate.objects.filter(kind=kind).exists():
            PromptTemplate.objects.get_or_create(
                name=name, version=1, defaults={"kind": kind, "system_text": system_text, "text": text}
            )


def template_latest(*, kind: str) -> PromptTemplate:
    templates_ensure_defaults()
    return PromptTemplate.objects.filter(kind=kind).order_by("-created_at", "-version").first()


@transaction.atomic
def template_create(*, name: str, kind: str, text: str, system_text: str = "", author: User | None) -> PromptTemplate:
    template = PromptTemplate(name=name, kind=kind, text=text, system_text=system_text, created_by=author)
    template.full_clean()
    template.save()
    return template


@transaction.atomic
def template_revise(*, template: PromptTemplate, text: str, system_text: str, author: User | None) -> PromptTemplate:
    """A new version of ``template``; batches that used an older version keep pointing at it."""
    latest = PromptTemplate.objects.select_for_update().filter(name=template.name).order_by("-version").first()
    revised = PromptTemplate(
        name=template.name,
        kind=template.kind,
        version=latest.version + 1,
        text=text,
        system_text=system_text,
        created_by=author,
    )
    revised.full_clean()
    revised.save()
    return revised


# --- Synthesis batches ------------------------------------------------------------------------


def _check_template(template: PromptTemplate | None, kind: str, field: str) -> None:
    if template is not None and template.kind != kind:
        raise ValidationError({field: f"Pick a template of kind {kind!r}."})


@transaction.atomic
def batch_create(
    *,
    name: str,
    author: User | None,
    categories: Iterable[str],
    characters_per_category: int,
    dialogues_per_category: int,
    turns_per_dialogue: int,
    language: str = Language.ZH_HANS,
    provider: LLMProvider | None = None,
    llm_model: str = "",
    character_template: PromptTemplate | None = None,
    dialogue_template: PromptTemplate | None = None,
    start: bool = True,
) -> SynthesisBatch:
    """Create a batch with one item per character and dialogue to generate, and start it."""
    categories = list(dict.fromkeys(categories))
    if not categories:
        raise ValidationError({"categories": _("Pick at least one category.")})
    _check_template(character_template, TemplateKind.CHARACTER, "character_template")
    _check_template(dialogue_template, TemplateKind.DIALOGUE, "dialogue_template")
    batch = SynthesisBatch(
        name=name,
        created_by=author,
        origin=BatchOrigin.LLM,
        provider=provider,
        llm_model=llm_model or (provider.default_model if provider else settings.LLM_MODEL),
        character_template=character_template or template_latest(kind=TemplateKind.CHARACTER),
        dialogue_template=dialogue_template or template_latest(kind=TemplateKind.DIALOGUE),
        language=language,
        categories=categories,
        characters_per_category=characters_per_category,
        dialogues_per_category=dialogues_per_category,
        turns_per_dialogue=turns_per_dialogue,
    )
    batch.full_clean()
    if characters_per_category < 1 and dialogues_per_category > 0:
        raise ValidationError({"characters_per_category": _("Dialogues need at least one character per category.")})
    batch.save()
    items = []
    for category in categories:
        items += [
            SynthesisItem(batch=batch, kind=ItemKind.CHARACTER, category=category, index=i)
            for i in range(characters_per_category)
        ]
        items += [
            SynthesisItem(batch=batch, kind=ItemKind.DIALOGUE, category=category, index=i)
            for i in range(dialogues_per_category)
        ]
    SynthesisItem.objects.bulk_create(items)
    if start:
        batch_start(batch=batch)
    return batch


def batch_start(*, batch: SynthesisBatch) -> None:
    from annotation import tasks

    SynthesisBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.QUEUED, error="")
    batch.status = BatchStatus.QUEUED
    transaction.on_commit(lambda: tasks.synthesis_batch_run.delay(batch.pk))


@transaction.atomic
def batch_retry_failed(*, batch: SynthesisBatch) -> int:
    """Put failed items back to pending and run the batch again; returns how many."""
    count = batch.items.filter(status=ItemStatus.FAILED).update(
        status=ItemStatus.PENDING, attempts=0, error="", raw_output=""
    )
    batch_start(batch=batch)
    return count


def _label(value: str, choices) -> str:
    return str(dict(choices.choices).get(value, value))


def _account(batch: SynthesisBatch, prompt_tokens: int, completion_tokens: int) -> None:
    cost = batch.provider.cost_of(prompt_tokens, completion_tokens) if batch.provider else 0
    SynthesisBatch.objects.filter(pk=batch.pk).update(
        requests_made=F("requests_made") + 1,
        prompt_tokens=F("prompt_tokens") + prompt_tokens,
        completion_tokens=F("completion_tokens") + completion_tokens,
        cost_usd=F("cost_usd") + cost,
    )


class _BatchAborted(Exception):
    pass


def _generate(batch: SynthesisBatch, item: SynthesisItem, messages: list[dict[str, str]], parse) -> Any:
    """Call the model until ``parse`` accepts its output; record a failed item otherwise."""
    client = client_for(batch.provider, model=batch.llm_model)
    attempts = max(1, settings.ANNOTATION_SYNTHESIS_ATTEMPTS)
    last_raw, last_error = "", ""
    for _attempt in range(attempts):
        item.attempts += 1
        try:
            result = client.complete(messages, model=batch.llm_model, json_mode=True)
        except LLMError as error:
            if error.code in ("bad_key", "unreachable", "bad_request"):
                raise _BatchAborted(error.message) from error
            last_raw, last_error = error.body, error.message
            break  # the client already retried 429/5xx with backoff
        _account(batch, result.prompt_tokens, result.completion_tokens)
        item.prompt_tokens += result.prompt_tokens
        item.completion_tokens += result.completion_tokens
        try:
            return parse(result.text)
        except OutputRejected as error:
            last_raw, last_error = result.text, f"Malformed output: {error}"
    item.status = ItemStatus.FAILED
    item.raw_output = last_raw
    item.error = last_error
    item.save()
    return None


def _character_item_run(batch: SynthesisBatch, item: SynthesisItem) -> None:
    messages = batch.character_template.render(
        {
            "category": _label(item.category, CharacterCategory),
            "language": _label(batch.language, Language),
            "index": item.index + 1,
        }
    )
    fields = _generate(
        batch,
        item,
        messages,
        lambda text: character_fields(load_json_object(text), category=item.category, language=batch.language),
    )
    if fields is None:
        return
    with transaction.atomic():
        character = character_create(author=None, **fields)
        item.character = character
        item.status = ItemStatus.DONE
        item.error = ""
        item.save()


def _dialogue_item_run(batch: SynthesisBatch, item: SynthesisItem) -> None:
    characters = list(
        batch.items.filter(kind=ItemKind.CHARACTER, category=item.category, status=ItemStatus.DONE)
        .exclude(character=None)
        .order_by("index")
        .values_list("character_id", flat=True)
    )
    if not characters:
        item.status = ItemStatus.FAILED
        item.error = "No character of this category was generated, so there is nobody to talk to."
        item.save()
        return
    character = Character.objects.get(pk=characters[item.index % len(characters)])
    variables = {field: getattr(character, field) for field in ("name", *ATTRIBUTE_FIELDS, *BEHAVIOUR_FIELDS)}
    variables = {key: ", ".join(value) if isinstance(value, list) else value for key, value in variables.items()}
    variables.update(
        {
            "greeting": character.greeting,
            "category": _label(item.category, CharacterCategory),
            "language": _label(batch.language, Language),
            "turns": batch.turns_per_dialogue,
            "profile": profile_text(character),
        }
    )
    assert set(variables) >= set(TEMPLATE_VARIABLES[TemplateKind.DIALOGUE])
    draft = _generate(
        batch,
        item,
        batch.dialogue_template.render(variables),
        lambda text: dialogue_draft(load_json_object(text), max_turns=max(4, batch.turns_per_dialogue * 2)),
    )
    if draft is None:
        return
    with transaction.atomic():
        dialogue = synthetic_dialogue_store(batch=batch, character=character, draft=draft)
        item.character = character
        item.dialogue = dialogue
        item.status = ItemStatus.DONE
        item.error = ""
        item.save()


def synthetic_dialogue_store(*, batch: SynthesisBatch, character: Character, draft: DialogueDraft) -> Dialogue:
    """Store a synthetic dialogue, submitted for review, and queue its k review tasks."""
    with transaction.atomic():
        persona = persona_create(
            author=None, name=draft.player_name, description=draft.player_description, language=character.language
        )
        dialogue = dialogue_create(
            character=character,
            source=DialogueSource.LLM_SYNTHESIS,
            synthesis_batch=batch,
            player_persona=persona,
            topic=draft.topic,
            status=DialogueStatus.COLLECTING,
        )
        for speaker, text in draft.turns:
            turn_append(dialogue_id=dialogue.pk, speaker=speaker, text=text)
        dialogue_set_status(dialogue=dialogue, status=DialogueStatus.SUBMITTED)
        review_tasks_create(dialogue=dialogue)
        return dialogue


BATCH_LEASE = timedelta(minutes=10)  # longer than one item's worst case: timeout x retries + backoff


def synthesis_batch_run(*, batch_id: int) -> SynthesisBatch:
    """Generate every pending item of a batch, characters first; resumable after a crash."""
    batch = SynthesisBatch.objects.select_related("provider", "character_template", "dialogue_template").get(
        pk=batch_id
    )
    # The lease: of two deliveries of this task, only one generates (GPT-4 calls cost money).
    if job_claim(SynthesisBatch, batch.pk, stale_after=BATCH_LEASE, error="") is None:
        return batch
    total = batch.items.count() or 1
    topic = batch.progress_topic
    try:
        for kind in (ItemKind.CHARACTER, ItemKind.DIALOGUE):
            for item in batch.items.filter(kind=kind, status=ItemStatus.PENDING).order_by("category", "index"):
                if kind == ItemKind.CHARACTER:
                    _character_item_run(batch, item)
                else:
                    _dialogue_item_run(batch, item)
                job_heartbeat(SynthesisBatch, batch.pk)
                finished = batch.items.exclude(status=ItemStatus.PENDING).count()
                progress_publish(
                    topic=topic,
                    percent=100.0 * finished / total,
                    message=f"{finished}/{total} · {item.get_kind_display()} {item.get_status_display()}",
                )
    except _BatchAborted as error:
        SynthesisBatch.objects.filter(pk=batch.pk).update(
            status=BatchStatus.FAILED, error=str(error), finished_at=timezone.now()
        )
        progress_publish(topic=topic, percent=100.0, message=f"failed: {error}")
        batch.refresh_from_db()
        return batch
    SynthesisBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.COMPLETED, finished_at=timezone.now())
    failed = batch.items.filter(status=ItemStatus.FAILED).count()
    progress_publish(topic=topic, percent=100.0, message=f"completed, {failed} failed item(s)")
    batch.refresh_from_db()
    return batch


class ImportRejected(Exception):
    def __init__(self, errors: list[ImportError_]) -> None:
        super().__init__("; ".join(str(error) for error in errors[:20]))
        self.errors = errors


@transaction.atomic
def batch_import_jsonl(*, name: str, llm_model: str, author: User | None, lines: list[str] | str) -> SynthesisBatch:
    """Import a batch made elsewhere. Every line is validated first; any error imports nothing."""
    records, errors = parse_jsonl(lines)
    if not name.strip():
        errors.insert(0, ImportError_(0, "name", "the batch needs a name"))
    if errors:
        raise ImportRejected(errors)
    batch = SynthesisBatch(
        name=name,
        llm_model=llm_model or "unknown",
        created_by=author,
        origin=BatchOrigin.IMPORT,
        status=BatchStatus.COMPLETED,
        categories=sorted({record.character["category"] for record in records}),
        started_at=timezone.now(),
        finished_at=timezone.now(),
    )
    batch.save()
    characters: dict[tuple, Character] = {}
    for record in records:
        key = (record.character["name"], record.character["category"], record.character["language"])
        if key not in characters:
            characters[key] = character_create(author=author, **record.character)
        synthetic_dialogue_store(batch=batch, character=characters[key], draft=record.dialogue)
    audit_record(actor=author, action="synthesis.import", target=batch, details={"records": len(records)})
    return batch


# --- Task queue -------------------------------------------------------------------------------

QUALIFICATION_FOR_KIND = {
    TaskKind.REWRITE_REVIEW: "can_review_rewrites",
    TaskKind.EXTRACTION: "can_extract_literary",
    TaskKind.PROMPT_WRITING: "can_write_prompts",
    TaskKind.PROMPT_VARIANTS: "can_write_prompts",
}


def claim_timeout() -> timedelta:
    return timedelta(minutes=settings.ANNOTATION_CLAIM_TIMEOUT_MINUTES)


def tasks_release_expired(*, now=None) -> int:
    """Return claimed tasks whose claim ran out to the queue; gold copies are cancelled instead."""
    now = now or timezone.now()
    expired = AnnotationTask.objects.filter(status=TaskStatus.CLAIMED, claim_expires_at__lt=now)
    cancelled = expired.filter(gold__isnull=False).update(status=TaskStatus.CANCELLED)
    released = expired.filter(gold__isnull=True).update(
        status=TaskStatus.OPEN, assignee=None, claimed_at=None, claim_expires_at=None
    )
    return released + cancelled


def worker_may_work(user: User, kind: str) -> None:
    profile = profile_of(user)
    if profile.is_blocked or profile.is_soft_blocked:
        raise TaskRefused("blocked", _("Your account is blocked from annotation work."))
    qualification = QUALIFICATION_FOR_KIND[kind]
    if not getattr(profile, qualification):
        raise TaskRefused(
            "not_qualified", _("Your profile lacks the qualification %(name)s; ask an admin.") % {"name": qualification}
        )


def _gold_for(user: User, kind: str) -> GoldStandard | None:
    served = AnnotationTask.objects.filter(assignee=user, gold__isnull=False).values("gold_id")
    return GoldStandard.objects.filter(kind=kind, active=True).exclude(pk__in=served).order_by("?").first()


def task_claim_next(*, user: User, kind: str, rng: random.Random | None = None) -> AnnotationTask | None:
    """The user's current task of ``kind``, or the next open one (a gold task at the gold rate)."""
    worker_may_work(user, kind)
    now = timezone.now()
    tasks_release_expired(now=now)
    current = AnnotationTask.objects.filter(assignee=user, kind=kind, status=TaskStatus.CLAIMED).first()
    if current is not None:
        return current
    expires = now + claim_timeout()
    if (rng or random).random() < settings.ANNOTATION_GOLD_RATE:
        gold = _gold_for(user, kind)
        if gold is not None:
            return AnnotationTask.objects.create(
                kind=kind,
                status=TaskStatus.CLAIMED,
                slot=0,
                assignee=user,
                claimed_at=now,
                claim_expires_at=expires,
                dialogue=gold.dialogue,
                candidate=gold.candidate,
                gold=gold,
            )
    # Independent reviews: never a second slot of a subject this user has already worked on.
    mine = AnnotationTask.objects.filter(assignee=user, gold__isnull=True)
    open_tasks = AnnotationTask.objects.filter(kind=kind, status=TaskStatus.OPEN, gold__isnull=True)
    open_tasks = open_tasks.exclude(dialogue__in=mine.exclude(dialogue=None).values("dialogue"))
    open_tasks = open_tasks.exclude(candidate__in=mine.exclude(candidate=None).values("candidate"))
    for task_id in open_tasks.order_by("created_at", "id").values_list("pk", flat=True)[:20]:
        # A conditional update is the claim: of two annotators racing for a task, one wins.
        won = AnnotationTask.objects.filter(pk=task_id, status=TaskStatus.OPEN).update(
            status=TaskStatus.CLAIMED, assignee=user, claimed_at=now, claim_expires_at=expires
        )
        if won:
            return AnnotationTask.objects.get(pk=task_id)
    return None


def task_for_worker(*, task: AnnotationTask, user: User) -> AnnotationTask:
    """Refuse work on a task that is not this user's live claim."""
    if task.assignee_id != user.pk or task.status != TaskStatus.CLAIMED:
        raise TaskRefused("not_yours", _("This task is not claimed by you (it may have been released)."))
    if task.claim_expires_at and task.claim_expires_at < timezone.now():
        tasks_release_expired()
        raise TaskRefused("expired", _("Your claim on this task ran out; it went back to the queue."))
    return task


@transaction.atomic
def task_release(*, task: AnnotationTask, user: User) -> None:
    task = AnnotationTask.objects.select_for_update().get(pk=task.pk)
    task_for_worker(task=task, user=user)
    if task.gold_id:
        task.status = TaskStatus.CANCELLED
        task.save(update_fields=["status"])
        return
    task.status = TaskStatus.OPEN
    task.assignee = None
    task.claimed_at = None
    task.claim_expires_at = None
    task.save(update_fields=["status", "assignee", "claimed_at", "claim_expires_at"])


def _submit(task: AnnotationTask, result: dict[str, Any]) -> None:
    task.result = result
    task.status = TaskStatus.SUBMITTED
    task.submitted_at = timezone.now()
    task.save(update_fields=["result", "status", "submitted_at", "gold_score"])


# --- Colloquial rewrite review ----------------------------------------------------------------


@transaction.atomic
def review_tasks_create(*, dialogue: Dialogue, reviews: int | None = None) -> list[AnnotationTask]:
    k = reviews or settings.ANNOTATION_REVIEWS_PER_DIALOGUE
    existing = set(
        AnnotationTask.objects.filter(kind=TaskKind.REWRITE_REVIEW, dialogue=dialogue, gold=None).values_list(
            "slot", flat=True
        )
    )
    created = [
        AnnotationTask(kind=TaskKind.REWRITE_REVIEW, dialogue=dialogue, slot=slot)
        for slot in range(1, k + 1)
        if slot not in existing
    ]
    return AnnotationTask.objects.bulk_create(created)


def turn_rewrite(*, turn: Turn, text: str, out_of_character: bool | None = None) -> Turn:
    """Replace a turn's text with its spoken-style rewrite; the first original is kept."""
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("A rewritten line cannot be empty.")})
    fields = []
    if text != turn.text:
        if turn.original_text is None:
            turn.original_text = turn.text
            fields.append("original_text")
        turn.text = text
        fields.append("text")
    if out_of_character is not None and out_of_character != turn.out_of_character:
        turn.out_of_character = out_of_character
        fields.append("out_of_character")
    if fields:
        turn.save(update_fields=fields)
    return turn


DECISIONS = ("accept", "reject")


@transaction.atomic
def rewrite_review_submit(
    *,
    task: AnnotationTask,
    user: User,
    decision: str,
    reason: str,
    rating: int | None,
    texts: dict[int, str],
    out_of_character: Iterable[int] = (),
) -> AnnotationTask:
    """Store one independent review; when all k are in, settle the dialogue or ask an admin."""
    task = AnnotationTask.objects.select_for_update().get(pk=task.pk)
    task_for_worker(task=task, user=user)
    if task.kind != TaskKind.REWRITE_REVIEW:
        raise TaskRefused("wrong_kind", _("This is not a rewrite review task."))
    if decision not in DECISIONS:
        raise TaskRefused("bad_decision", _("Choose accept or reject."), field="decision")
    reason = reason.strip()
    if decision == "reject" and not reason:
        raise TaskRefused("reason_required", _("Say why the dialogue is rejected."), field="reason")
    if rating is None or not 1 <= int(rating) <= 5:
        raise TaskRefused("bad_rating", _("Rate the dialogue from 1 to 5."), field="rating")
    turns = {turn.pk: turn for turn in task.dialogue.turns.all()}
    ooc = sorted({int(turn_id) for turn_id in out_of_character})
    unknown = (set(texts) | set(ooc)) - set(turns)
    if unknown:
        raise TaskRefused("bad_turn", _("Edits name lines of another dialogue."), field="texts")
    edits: dict[str, str] = {}
    for turn_id, text in texts.items():
        text = (text or "").strip()
        if not text:
            raise TaskRefused(
                "empty_line", _("Line %(seq)d is empty.") % {"seq": turns[turn_id].seq}, field=f"text_{turn_id}"
            )
        if text != turns[turn_id].text:
            edits[str(turn_id)] = text
    result = {"decision": decision, "reason": reason, "rating": int(rating), "edits": edits, "ooc": ooc}
    if task.gold_id:
        task.gold_score = 1.0 if task.gold.answer.get("decision") == decision else 0.0
        _submit(task, result)
        return task
    _submit(task, result)
    _review_settle(task.dialogue)
    return task


def _apply_review_edits(dialogue: Dialogue, reviews: list[AnnotationTask]) -> None:
    """Each line takes the edit of the earliest review that changed it; out-of-character flags add up."""
    turns = {turn.pk: turn for turn in dialogue.turns.all()}
    chosen: dict[int, str] = {}
    flagged: set[int] = set()
    for review in sorted(reviews, key=lambda r: (r.submitted_at, r.pk)):
        for turn_id, text in review.result.get("edits", {}).items():
            chosen.setdefault(int(turn_id), text)
        flagged.update(int(turn_id) for turn_id in review.result.get("ooc", []))
    for turn_id, turn in turns.items():
        if turn_id in chosen or turn_id in flagged:
            turn_rewrite(turn=turn, text=chosen.get(turn_id, turn.text), out_of_character=turn_id in flagged)


def _finalise(dialogue: Dialogue, decision: str, reviews: list[AnnotationTask], note: str) -> None:
    ratings = [review.result["rating"] for review in reviews if review.result.get("rating")]
    if decision == "accept":
        _apply_review_edits(dialogue, reviews)
    dialogue_set_status(
        dialogue=dialogue,
        status=DialogueStatus.ACCEPTED if decision == "accept" else DialogueStatus.REJECTED,
        note=note,
        quality_rating=round(mean(ratings), 2) if ratings else None,
    )


def _review_settle(dialogue: Dialogue) -> None:
    tasks = list(AnnotationTask.objects.filter(kind=TaskKind.REWRITE_REVIEW, dialogue=dialogue, gold=None))
    if any(task.status != TaskStatus.SUBMITTED for task in tasks if task.status != TaskStatus.CANCELLED):
        return
    reviews = [task for task in tasks if task.status == TaskStatus.SUBMITTED]
    decisions = {review.result["decision"] for review in reviews}
    if len(decisions) == 1:
        decision = decisions.pop()
        note = "\n".join(review.result["reason"] for review in reviews if review.result.get("reason"))
        _finalise(dialogue, decision, reviews, note)
    else:
        Adjudication.objects.get_or_create(dialogue=dialogue)


@transaction.atomic
def adjudication_resolve(
    *, adjudication: Adjudication, admin: User, decision: str, chosen_task: AnnotationTask | None, note: str
) -> Adjudication:
    adjudication = Adjudication.objects.select_for_update().get(pk=adjudication.pk)
    if adjudication.status == AdjudicationStatus.RESOLVED:
        raise TaskRefused("resolved", _("This adjudication is already resolved."))
    if decision not in DECISIONS:
        raise TaskRefused("bad_decision", _("Choose accept or reject."), field="decision")
    reviews = list(
        AnnotationTask.objects.filter(
            kind=TaskKind.REWRITE_REVIEW, dialogue=adjudication.dialogue, gold=None, status=TaskStatus.SUBMITTED
        )
    )
    if chosen_task is not None and chosen_task not in reviews:
        raise TaskRefused("bad_choice", _("Pick one of this dialogue's reviews."), field="chosen_task")
    if decision == "accept" and chosen_task is None:
        chosen_task = next((r for r in reviews if r.result.get("decision") == "accept"), None)
    _finalise(
        adjudication.dialogue,
        decision,
        [chosen_task] if chosen_task is not None else reviews,
        note or "; ".join(r.result.get("reason", "") for r in reviews if r.result.get("reason")),
    )
    adjudication.status = AdjudicationStatus.RESOLVED
    adjudication.decision = decision
    adjudication.chosen_task = chosen_task
    adjudication.note = note
    adjudication.resolved_by = admin
    adjudication.resolved_at = timezone.now()
    adjudication.save()
    audit_record(
        actor=admin, action="adjudication.resolve", target=adjudication.dialogue, details={"decision": decision}
    )
    return adjudication


@transaction.atomic
def gold_create(
    *, kind: str, answer: dict[str, Any], admin: User | None, dialogue=None, candidate=None
) -> GoldStandard:
    gold = GoldStandard(kind=kind, answer=answer, created_by=admin, dialogue=dialogue, candidate=candidate)
    gold.full_clean()
    gold.save()
    return gold


# --- Blocking ---------------------------------------------------------------------------------


@transaction.atomic
def annotator_block(*, user: User, admin: User, reason: str, status: str = "blocked") -> int:
    """Block an annotator and put every task they hold back in the queue; returns how many."""
    worker_block(profile=profile_of(user), status=status, reason=reason, actor=admin)
    held = AnnotationTask.objects.filter(assignee=user, status=TaskStatus.CLAIMED)
    cancelled = held.filter(gold__isnull=False).update(status=TaskStatus.CANCELLED)
    released = held.filter(gold__isnull=True).update(
        status=TaskStatus.OPEN, assignee=None, claimed_at=None, claim_expires_at=None
    )
    return released + cancelled


# --- Literary extraction ----------------------------------------------------------------------


@transaction.atomic
def work_upload(
    *,
    title: str,
    language: str,
    filename: str,
    data: bytes,
    uploader: User | None,
    author: str = "",
    licence_note: str = "",
) -> LiteraryWork:
    """Decode an uploaded work (or refuse it with a clear error) and queue its scan."""
    try:
        if filename.lower().endswith(".epub"):
            text, encoding = epub_text(data), "epub"
        else:
            decoded = decode_text(data)
            text, encoding = decoded.text, decoded.encoding
    except UndecodableText as error:
        raise ValidationError({"file": str(error)}) from error
    if not text.strip():
        raise ValidationError({"file": _("The file holds no text.")})
    work = LiteraryWork(
        title=title,
        author=author,
        language=language,
        licence_note=licence_note,
        uploaded_by=uploader,
        text=text.replace("\r\n", "\n"),
        original_filename=filename[:300],
        detected_encoding=encoding,
        status=WorkStatus.UPLOADED,
    )
    work.full_clean()
    work.save()
    audit_record(actor=uploader, action="literary.upload", target=work, details={"encoding": encoding})
    from annotation import tasks

    transaction.on_commit(lambda: tasks.literary_work_scan.delay(work.pk))
    return work


def literary_work_scan(*, work_id: int) -> LiteraryWork:
    """Split a work into chapters and turn every candidate passage into an extraction task."""
    work = LiteraryWork.objects.get(pk=work_id)
    topic = f"work-{work.pk}"
    LiteraryWork.objects.filter(pk=work.pk).update(status=WorkStatus.SCANNING, error="")
    if work.candidates.filter(tasks__isnull=False).exists():
        # Tasks already point at these candidates (a repeated task delivery): keep them.
        LiteraryWork.objects.filter(pk=work.pk).update(status=WorkStatus.READY)
        work.refresh_from_db()
        return work
    try:
        with transaction.atomic():
            work.candidates.all().delete()
            work.chapters.all().delete()
            chapters = split_chapters(work.text)
            for index, found in enumerate(chapters):
                chapter = LiteraryChapter.objects.create(
                    work=work, index=index, title=found.title, start=found.start, end=found.end
                )
                for candidate in detect_candidates(work.text[found.start : found.end]):
                    stored = ExtractionCandidate.objects.create(
                        work=work,
                        chapter=chapter,
                        start=found.start + candidate.start,
                        end=found.start + candidate.end,
                        lines=[{"speaker": line.speaker, "text": line.text} for line in candidate.lines],
                    )
                    AnnotationTask.objects.create(kind=TaskKind.EXTRACTION, candidate=stored)
                progress_publish(topic=topic, percent=100.0 * (index + 1) / len(chapters), message=found.title)
    except Exception as error:
        # Recorded for the work page, then re-raised so the worker logs the traceback.
        LiteraryWork.objects.filter(pk=work.pk).update(status=WorkStatus.FAILED, error=str(error)[:2000])
        raise
    else:
        LiteraryWork.objects.filter(pk=work.pk).update(status=WorkStatus.READY)
    work.refresh_from_db()
    return work


@dataclass
class PartyProfile:
    """One side of an extracted dialogue: an existing character, or the fields of a new one."""

    name: str
    existing: Character | None = None
    category: str = CharacterCategory.DAILY_LIFE
    fields: dict[str, Any] = dc_field(default_factory=dict)


LINE_ROLES = ("a", "b", "drop")


def _party_character(party: PartyProfile, work: LiteraryWork, user: User, path: str) -> Character:
    if party.existing is not None:
        return party.existing
    fields = {key: value for key, value in party.fields.items() if key in PROFILE_FORM_FIELDS}
    try:
        return character_create(
            author=user,
            name=party.name,
            category=party.category,
            language=work.language,
            source=CharacterSource.LITERARY,
            **fields,
        )
    except ValidationError as error:
        field_name, messages = next(iter(error.message_dict.items()))
        raise TaskRefused("bad_profile", _("; ").join(messages), field=f"{path}_{field_name}") from None


PROFILE_FORM_FIELDS = (*ATTRIBUTE_FIELDS, "personality", "stylistic_features", "catchphrases", "greeting")


@transaction.atomic
def extraction_submit(
    *,
    task: AnnotationTask,
    user: User,
    roles: list[str],
    texts: list[str],
    party_a: PartyProfile,
    party_b: PartyProfile,
    topic: str = "",
) -> AnnotationTask:
    """Turn a confirmed candidate into a two-party ``Dialogue(source=literary)``.

    ``roles[i]`` says who speaks candidate line ``i``: party ``a`` (stored as the character),
    party ``b`` (the player side), or ``drop`` (narration or a third party).
    """
    task = (
        AnnotationTask.objects.select_for_update(of=("self",))
        .select_related("candidate__work", "candidate__chapter")
        .get(pk=task.pk)
    )
    task_for_worker(task=task, user=user)
    candidate = task.candidate
    if len(roles) != len(candidate.lines) or len(texts) != len(candidate.lines):
        raise TaskRefused("bad_lines", _("Every line needs a speaker choice."), field="roles")
    if any(role not in LINE_ROLES for role in roles):
        raise TaskRefused("bad_role", _("A line's speaker must be party A, party B or dropped."), field="roles")
    kept = [(role, text.strip()) for role, text in zip(roles, texts, strict=True) if role != "drop"]
    if any(not text for _role, text in kept):
        raise TaskRefused("empty_line", _("A kept line is empty."), field="texts")
    if {role for role, _ in kept} != {"a", "b"}:
        raise TaskRefused("not_two_party", _("Keep lines from both party A and party B."), field="roles")
    for party, path in ((party_a, "a"), (party_b, "b")):
        party.name = (party.existing.name if party.existing else party.name).strip()
        if not party.name:
            raise TaskRefused("name_required", _("Name both parties."), field=f"{path}_name")
    if party_a.name == party_b.name and (party_a.existing is None or party_a.existing == party_b.existing):
        raise TaskRefused("same_party", _("Party A and party B must be different people."), field="b_name")
    result: dict[str, Any] = {
        "roles": roles,
        "texts": [text.strip() for text in texts],
        "party_a": party_a.name,
        "party_b": party_b.name,
    }
    if task.gold_id:
        answer = task.gold.answer.get("roles", [])
        task.gold_score = sum(a == b for a, b in zip(answer, roles, strict=False)) / max(len(answer), 1)
        _submit(task, result)
        return task
    work = candidate.work
    character_a = _party_character(party_a, work, user, "a")
    character_b = _party_character(party_b, work, user, "b")
    persona = PlayerPersona.objects.filter(name=character_b.name, language=character_b.language).first()
    if persona is None:
        persona = persona_create(
            author=user,
            name=character_b.name,
            description=profile_text(character_b),
            language=character_b.language,
        )
    dialogue = dialogue_create(
        character=character_a,
        source=DialogueSource.LITERARY,
        literary_work=work,
        literary_chapter=candidate.chapter.title[:200],
        player_persona=persona,
        topic=topic[:200],
        creator=user,
        status=DialogueStatus.COLLECTING,
    )
    # Consecutive lines of one speaker form one turn, as in the other corpus sources.
    joiner = "" if work.language == "zh-hans" else " "
    merged: list[tuple[str, str]] = []
    for role, text in kept:
        if merged and merged[-1][0] == role:
            merged[-1] = (role, merged[-1][1] + joiner + text)
        else:
            merged.append((role, text))
    for role, text in merged:
        turn_append(dialogue_id=dialogue.pk, speaker=Speaker.CHARACTER if role == "a" else Speaker.PLAYER, text=text)
    dialogue_set_status(dialogue=dialogue, status=DialogueStatus.SUBMITTED)
    result.update({"dialogue_id": dialogue.pk, "character_a_id": character_a.pk, "character_b_id": character_b.pk})
    _submit(task, result)
    return task


@transaction.atomic
def extraction_discard(*, task: AnnotationTask, user: User, reason: str) -> AnnotationTask:
    """The candidate holds no usable two-party dialogue."""
    task = AnnotationTask.objects.select_for_update().get(pk=task.pk)
    task_for_worker(task=task, user=user)
    if not reason.strip():
        raise TaskRefused("reason_required", _("Say why the passage is unusable."), field="reason")
    if task.gold_id:
        task.gold_score = 1.0 if task.gold.answer.get("discarded") else 0.0
    _submit(task, {"discarded": True, "reason": reason.strip()})
    return task


# --- Character-prompt writing -----------------------------------------------------------------

MIN_PROMPT_LENGTH = 10


@transaction.atomic
def prompt_writing_tasks_create(*, characters: Iterable[Character], admin: User | None) -> int:
    """One writing task per character that has neither a written prompt nor a task in progress."""
    created = 0
    for character in characters:
        if CharacterPrompt.objects.filter(character=character, kind=PromptKind.WRITTEN).exists():
            continue
        if AnnotationTask.objects.filter(
            kind=TaskKind.PROMPT_WRITING, character=character, status__in=(TaskStatus.OPEN, TaskStatus.CLAIMED)
        ).exists():
            continue
        AnnotationTask.objects.create(kind=TaskKind.PROMPT_WRITING, character=character)
        created += 1
    audit_record(actor=admin, action="prompt.tasks_create", details={"created": created})
    return created


@transaction.atomic
def written_prompt_submit(*, task: AnnotationTask, user: User, text: str) -> CharacterPrompt:
    """Store the crowdworker's prompt and ask the LLM for its three variants."""
    task = AnnotationTask.objects.select_for_update().get(pk=task.pk)
    task_for_worker(task=task, user=user)
    if task.kind != TaskKind.PROMPT_WRITING:
        raise TaskRefused("wrong_kind", _("This is not a prompt-writing task."))
    text = text.strip()
    if len(text) < MIN_PROMPT_LENGTH:
        raise TaskRefused("too_short", _("Write at least %(n)d characters.") % {"n": MIN_PROMPT_LENGTH}, field="text")
    prompt = CharacterPrompt(character=task.character, kind=PromptKind.WRITTEN, text=text, author=user)
    prompt.full_clean()
    prompt.save()
    task.prompt = prompt
    task.save(update_fields=["prompt"])
    _submit(task, {"prompt_id": prompt.pk})
    prompt_augment_start(prompt=prompt)
    return prompt


def prompt_augment_start(*, prompt: CharacterPrompt) -> None:
    from annotation import tasks

    transaction.on_commit(lambda: tasks.prompt_augment.delay(prompt.pk))


def default_provider() -> LLMProvider | None:
    return LLMProvider.objects.filter(is_default=True).first()


def prompt_augment(*, prompt_id: int) -> list[CharacterPrompt]:
    """Summary, paraphrase and first-person variants of a written prompt, queued for review.

    Raises ``LLMError`` when the provider fails; nothing is stored then.
    """
    prompt = CharacterPrompt.objects.select_related("character").get(pk=prompt_id)
    provider = default_provider()
    client = client_for(provider)
    language = _label(prompt.character.language, Language)
    outputs = []
    for kind in AUGMENTATION_KINDS:
        template = template_latest(kind=kind)
        messages = template.render({"name": prompt.character.name, "language": language, "prompt": prompt.text})
        result = client.complete(messages, temperature=0.7)
        text = result.text.strip()
        if not text:
            raise LLMError("bad_response", f"The model returned an empty {kind} variant.")
        outputs.append((kind, text, result.model or client.model))
    with transaction.atomic():
        variants = [
            CharacterPrompt.objects.create(
                character=prompt.character, kind=kind, text=text, derived_from=prompt, llm_model=model[:100]
            )
            for kind, text, model in outputs
        ]
        AnnotationTask.objects.create(kind=TaskKind.PROMPT_VARIANTS, prompt=prompt, character=prompt.character)
    return variants


VARIANT_DECISIONS = ("accept", "edit", "reject")


@transaction.atomic
def prompt_variants_review(
    *, task: AnnotationTask, user: User, decisions: dict[int, tuple[str, str]]
) -> list[CharacterPrompt]:
    """Accept, edit (and accept) or reject the written prompt and each of its LLM variants."""
    task = AnnotationTask.objects.select_for_update().get(pk=task.pk)
    task_for_worker(task=task, user=user)
    if task.kind != TaskKind.PROMPT_VARIANTS:
        raise TaskRefused("wrong_kind", _("This is not a prompt-variant review task."))
    prompts = [task.prompt, *task.prompt.augmentations.order_by("kind", "id")]
    for prompt in prompts:
        decision, text = decisions.get(prompt.pk, ("", ""))
        if decision not in VARIANT_DECISIONS:
            raise TaskRefused(
                "decision_required", _("Accept, edit or reject every prompt."), field=f"decision_{prompt.pk}"
            )
        if decision == "edit" and len(text.strip()) < MIN_PROMPT_LENGTH:
            raise TaskRefused("too_short", _("An edited prompt needs its new text."), field=f"text_{prompt.pk}")
    result = {}
    for prompt in prompts:
        decision, text = decisions[prompt.pk]
        if decision == "edit":
            prompt.text = text.strip()
        prompt.review_status = ReviewStatus.REJECTED if decision == "reject" else ReviewStatus.ACCEPTED
        prompt.full_clean()
        prompt.save()
        result[str(prompt.pk)] = decision
    _submit(task, {"decisions": result})
    return prompts
