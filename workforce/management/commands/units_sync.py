"""Bring the work units up to date now, as Celery beat does every minute; ``--all`` reads all stored
work instead of the last two days (a backfill, e.g. of evaluation sessions submitted earlier)."""

from django.core.management.base import BaseCommand

from workforce.services.sync import units_sync


class Command(BaseCommand):
    help = "Open, submit and return work units from the work the other apps store."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--all", action="store_true", help="all stored work, not only the last two days")

    def handle(self, *args, **options) -> None:
        changed = units_sync(lookback=None) if options["all"] else units_sync()
        self.stdout.write(f"{changed} units submitted or returned.")
