"""Celery tasks: each takes ids, loads, and calls one service."""

import logging

from celery import shared_task

from annotation.llm import LLMError
from annotation.services import extraction, prompts, synthesis, task_queue
from platform_core.services import audit_record

logger = logging.getLogger(__name__)


@shared_task(name="annotation.synthesis_batch_run")
def synthesis_batch_run(batch_id: int) -> str:
    batch = synthesis.synthesis_batch_run(batch_id=batch_id)
    return batch.status


@shared_task(name="annotation.tasks_release_expired")
def tasks_release_expired() -> int:
    return task_queue.tasks_release_expired()


@shared_task(name="annotation.dialogue_review_tasks_sweep")
def dialogue_review_tasks_sweep() -> int:
    return task_queue.dialogue_review_tasks_sweep()


@shared_task(name="annotation.literary_work_scan")
def literary_work_scan(work_id: int) -> str:
    return extraction.literary_work_scan(work_id=work_id).status


@shared_task(name="annotation.prompt_augment")
def prompt_augment(prompt_id: int) -> int:
    try:
        return len(prompts.prompt_augment(prompt_id=prompt_id))
    except LLMError as error:
        # Kept visible for admins (quality page) instead of vanishing in a worker log.
        logger.warning("Prompt %s augmentation failed: %s", prompt_id, error.message)
        audit_record(actor=None, action="prompt.augment_failed", details={"prompt": prompt_id, "error": error.message})
        return 0
