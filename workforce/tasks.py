from celery import shared_task

from workforce.services import review, sync


@shared_task(name="workforce.units_sync")
def units_sync() -> int:
    return sync.units_sync()


@shared_task(name="workforce.units_auto_approve")
def units_auto_approve() -> int:
    return review.units_auto_approve()
