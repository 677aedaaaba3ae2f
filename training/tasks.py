"""Celery tasks of the ``training`` queue (routed there by ``CELERY_TASK_ROUTES``)."""

from celery import shared_task

from training import services


# acks_late + reject_on_worker_lost: when the worker dies mid-run, the broker hands the task to the
# next worker, and the service resumes the runner from its newest checkpoint.
@shared_task(acks_late=True, reject_on_worker_lost=True, name="training.tasks.training_job_run_task")
def training_job_run_task(job_id: int) -> str:
    return services.training_job_run(job_id=job_id).status
