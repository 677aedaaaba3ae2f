"""Synthesis batches: create, start, run (under a lease) and import LLM-written characters and dialogues."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from annotation.llm import LLMError, client_for
from annotation.models import (
    TEMPLATE_VARIABLES,
    BatchOrigin,
    BatchStatus,
    ItemKind,
    ItemStatus,
    LLMProvider,
    PromptTemplate,
    SynthesisBatch,
    SynthesisItem,
    TemplateKind,
)
from annotation.services.task_queue import dialogue_review_tasks_create
from annotation.services.templates import choice_label, template_latest
from annotation.synthesis import (
    DialogueDraft,
    ImportError_,
    OutputRejected,
    character_fields,
    dialogue_draft,
    load_json_object,
    parse_jsonl,
)
from platform_core.jobs import job_claim, job_heartbeat
from platform_core.models import User
from platform_core.progress import progress_publish
from platform_core.services import audit_record
from roleplay.models import (
    ATTRIBUTE_FIELDS,
    BEHAVIOUR_FIELDS,
    Character,
    CharacterCategory,
    Dialogue,
    DialogueSource,
    DialogueStatus,
    Language,
)
from roleplay.prompting import profile_text
from roleplay.services import character_create, dialogue_create, dialogue_set_status, persona_create, turn_append


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
            "category": choice_label(item.category, CharacterCategory),
            "language": choice_label(batch.language, Language),
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
            "category": choice_label(item.category, CharacterCategory),
            "language": choice_label(batch.language, Language),
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
        dialogue_review_tasks_create(dialogue=dialogue)
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
