"""Run from cron (or a Celery beat entry for ``roleplay.live_sweep``) to end orphaned live sessions."""

from django.core.management.base import BaseCommand

from roleplay import live_services


class Command(BaseCommand):
    help = "End live sessions whose join window, idle timeout or partner grace has passed; pair waiting workers."

    def handle(self, *args, **options) -> None:
        swept = live_services.live_sessions_sweep()
        paired = live_services.matchmaker_run()
        self.stdout.write(f"checked {swept} session(s) past a deadline, created {len(paired)} session(s)")
