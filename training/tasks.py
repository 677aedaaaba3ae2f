"""Celery tasks of the ``training`` queue (routed there by ``CELERY_TASK_ROUTES``) and the inference queue."""

from celery import shared_task

from training import services


# acks_late + reject_on_worker_lost: when the worker dies mid-run, the broker hands the task to the
# next worker, and the service resumes the runner from its newest checkpoint.
@shared_task(acks_late=True, reject_on_worker_lost=True, name="training.tasks.training_job_run_task")
def training_job_run_task(job_id: int) -> str:
    return services.training_job_run(job_id=job_id).status


# Sent to the ``INFERENCE_QUEUE`` queue by ``WorkerProcessBackend``. Acknowledged on receipt (not
# acks_late): a reply whose worker died is not generated again for a caller who has timed out.
@shared_task(acks_late=False, ignore_result=True, name="training.inference_reply")
def inference_reply_task(*, version_id: int, messages: list[dict[str, str]], settings: dict, stream_key: str) -> str:
    from training.inference_worker import reply_produce

    return reply_produce(version_id=version_id, messages=messages, settings=settings, stream_key=stream_key)
