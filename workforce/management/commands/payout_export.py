"""Build a payout batch of every approved, unpaid row up to a cut-off and write its file."""

from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from workforce.models import ExternalPlatform, PayoutBatch
from workforce.services.errors import WorkforceError
from workforce.services.payouts import FORMATS, payout_build, payout_export


class Command(BaseCommand):
    help = "Make a payout batch up to --cutoff and write it as a Prolific bulk-bonus CSV or a generic CSV."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--cutoff", required=True, help="YYYY-MM-DD: rows payable by the end of this day (UTC)")
        parser.add_argument("--format", required=True, choices=FORMATS)
        parser.add_argument("--out", required=True, help="file to write")
        parser.add_argument("--currency", default=None, help="ISO 4217 code (default WORKFORCE_CURRENCY)")
        parser.add_argument("--batch", type=int, default=None, help="re-export this batch instead of building one")

    def handle(self, *args, cutoff: str, format: str, out: str, currency: str | None, batch: int | None,
               **options) -> None:
        try:
            day = date.fromisoformat(cutoff)
        except ValueError:
            raise CommandError(f"--cutoff must be a date written YYYY-MM-DD, not {cutoff!r}.") from None
        try:
            if batch is not None:
                chosen = PayoutBatch.objects.filter(pk=batch).first()
                if chosen is None:
                    raise CommandError(f"No payout batch #{batch}.")
                Path(out).write_bytes(payout_export(batch=chosen, fmt=format))
                self.stdout.write(f"Re-exported batch #{chosen.pk} to {out}.")
                return
            platform = ExternalPlatform.PROLIFIC if format == "prolific" else ExternalPlatform.GENERIC
            result = payout_build(cutoff=day, platform=platform, currency=currency)
        except WorkforceError as error:
            raise CommandError(error.message) from None
        for worker in result.missing_external_id:
            self.stderr.write(f"No Prolific participant id, left out (not paid): {worker.username} (id {worker.pk})")
        if result.batch is None:
            Path(out).write_bytes(b"")
            self.stdout.write(f"Nothing left to pay up to {day.isoformat()}: wrote an empty file to {out}.")
            return
        Path(out).write_bytes(payout_export(batch=result.batch, fmt=format))
        b = result.batch
        self.stdout.write(
            f"Batch #{b.pk}: {b.worker_count} workers, {b.row_count} rows, {b.total:.2f} {b.currency} written to {out}."
        )
