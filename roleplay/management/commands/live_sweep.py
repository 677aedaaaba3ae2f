"""Run from cron (or a Celery beat entry for ``roleplay.live_sweep``) to end orphaned live sessions."""

from django.core.management.base import BaseCommand

from roleplay.live import matchmaking, sessions


class Command(BaseCommand):
    help = "End live sessions whose join window, idle timeout or partner grace has passed; pair waiting workers."

    def handle(self, *args, **options) -> None:
        swept = sessions.live_sessions_sweep()
        paired = matchmaking.matchmaker_run()
        self.stdout.write(f"checked {swept} session(s) past a deadline, created {len(paired)} session(s)")
