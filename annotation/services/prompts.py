"""Character-prompt writing: writing tasks, written prompts, their LLM variants and the variants' review."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext as _

from annotation.llm import LLMError, client_for
from annotation.models import AnnotationTask, LLMProvider, TaskKind, TaskStatus
from annotation.services.task_queue import TaskRefused, contact_details_refuse, task_for_worker, task_submit
from annotation.services.templates import choice_label, template_latest
from platform_core.models import User
from platform_core.services import audit_record
from roleplay.models import AUGMENTATION_KINDS, Character, CharacterPrompt, Language, PromptKind, ReviewStatus

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


def written_prompt_submit(*, task: AnnotationTask, user: User, text: str) -> CharacterPrompt:
    """Store the crowdworker's prompt and ask the LLM for its three variants; a prompt with
    contact details is refused (and the refusal counted) before anything is stored."""
    contact_details_refuse(user=user, where="prompt_writing", texts={"text": text})
    return _written_prompt_store(task=task, user=user, text=text)


@transaction.atomic
def _written_prompt_store(*, task: AnnotationTask, user: User, text: str) -> CharacterPrompt:
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
    task_submit(task=task, result={"prompt_id": prompt.pk})
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
    language = choice_label(prompt.character.language, Language)
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


def prompt_variants_review(
    *, task: AnnotationTask, user: User, decisions: dict[int, tuple[str, str]]
) -> list[CharacterPrompt]:
    """Accept, edit (and accept) or reject the written prompt and each of its LLM variants; an edit
    with contact details is refused (and counted) before anything is stored."""
    edited = {f"text_{pk}": text for pk, (decision, text) in decisions.items() if decision == "edit"}
    contact_details_refuse(user=user, where="prompt_review", texts=edited)
    return _prompt_variants_store(task=task, user=user, decisions=decisions)


@transaction.atomic
def _prompt_variants_store(
    *, task: AnnotationTask, user: User, decisions: dict[int, tuple[str, str]]
) -> list[CharacterPrompt]:
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
    task_submit(task=task, result={"decisions": result})
    return prompts
