"""``python manage.py pii_audit [--source S …] --json OUT``: personal data still stored in dialogues.

The JSON holds dialogue ids; it is written with mode 0600 (only the admin running the command
reads it). Standard output shows the counts only.
"""

import json as jsonlib
import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from roleplay.models import DialogueSource, Turn
from roleplay.privacy_audit import pii_audit


class Command(BaseCommand):
    help = "Scan stored dialogues for personal data and report counts by kind (dialogue ids in the JSON only)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--source", action="append", choices=DialogueSource.values, help="Dialogue source to scan (repeatable; default all)."
        )
        parser.add_argument("--json", type=Path, required=True, help="Write the report (with dialogue ids) here.")
        parser.add_argument("--no-progress", action="store_true", help="Do not draw a progress bar.")

    def handle(self, *args, source: list[str] | None, json: Path, no_progress: bool, **options) -> None:
        out = json
        if out.exists() and out.is_dir():
            raise CommandError(f"--json {out} is a directory.")
        total = Turn.objects.filter(dialogue__source__in=source or DialogueSource.values).count()
        bar = tqdm(total=total, unit="turns", disable=no_progress, file=self.stderr._out)
        try:
            report = pii_audit(sources=source, on_progress=lambda done: bar.update(done - bar.n))
        except ValueError as error:
            raise CommandError(str(error)) from error
        finally:
            bar.close()
        descriptor = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(_dumps(report) + "\n")
        counts = ", ".join(f"{kind} {count}" for kind, count in report["counts"].items())
        self.stdout.write(
            f"{report['turns_scanned']} turns of {report['dialogues_scanned']} dialogues scanned; "
            f"{report['dialogues_with_personal_data']} dialogues hold personal data ({counts}). Report: {out}"
        )


def _dumps(report: dict) -> str:
    return jsonlib.dumps(report, ensure_ascii=False, indent=2)
