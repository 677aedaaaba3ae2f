"""Celery tasks of live role-play. Consumers run the matchmaker and deadlines themselves; these
cover what nobody is connected to watch (orphaned sessions, a queue nobody ticks)."""

from celery import shared_task

from roleplay.live import matchmaking, sessions


@shared_task(name="roleplay.live_sweep")
def live_sweep() -> dict:
    """Apply passed deadlines to open live sessions and run one matchmaker pass."""
    swept = sessions.live_sessions_sweep()
    paired = matchmaking.matchmaker_run()
    return {"sessions_checked": swept, "sessions_created": len(paired)}
