"""Celery tasks of live role-play. Consumers run the matchmaker and deadlines themselves; these
cover what nobody is connected to watch (orphaned sessions, a queue nobody ticks)."""

from celery import shared_task

from roleplay import live_services


@shared_task(name="roleplay.live_sweep")
def live_sweep() -> dict:
    """Apply passed deadlines to open live sessions and run one matchmaker pass."""
    swept = live_services.live_sessions_sweep()
    paired = live_services.matchmaker_run()
    return {"sessions_checked": swept, "sessions_created": len(paired)}
