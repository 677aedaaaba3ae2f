"""``python manage.py eval_report CAMPAIGN --json OUT [--csv DIR]``: the campaign report and its raw judgments."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from evaluation.models import Campaign
from evaluation.reports import campaign_report
from evaluation.statistics import DEFAULT_RESAMPLES
from evaluation.table import judgments_table


class Command(BaseCommand):
    help = "Write a campaign's report as JSON (and its judgments as DIR/judgments.csv)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("campaign", help="The campaign's name (slug).")
        parser.add_argument("--json", required=True, type=Path, help="Where to write the report.")
        parser.add_argument("--csv", type=Path, help="A folder for judgments.csv.")
        parser.add_argument("--resamples", type=int, default=DEFAULT_RESAMPLES, help="Bootstrap resamples.")

    def handle(self, *args, campaign: str, json: Path, csv: Path | None, resamples: int, **options) -> None:
        found = Campaign.objects.filter(slug=campaign).first()
        if found is None:
            raise CommandError(f"No campaign named {campaign!r}.")
        if resamples < 1:
            raise CommandError("--resamples must be at least 1.")
        report = campaign_report(found, resamples=resamples)
        json.parent.mkdir(parents=True, exist_ok=True)
        json.write_text(_dumps(report), encoding="utf-8")
        self.stdout.write(f"report: {json}")
        if csv is not None:
            csv.mkdir(parents=True, exist_ok=True)
            judgments_table(found).to_csv(csv / "judgments.csv", index=False)
            self.stdout.write(f"judgments: {csv / 'judgments.csv'}")
        self._summary(report)

    def _summary(self, report: dict) -> None:
        for contestant, dimensions in report["pointwise"].items():
            overall = dimensions.get("overall") or next(iter(dimensions.values()), None)
            if overall and overall["mean"] is not None:
                self.stdout.write(
                    f"{contestant}: overall {overall['mean']:.2f} [{overall['ci_low']:.2f}, {overall['ci_high']:.2f}] n={overall['n']}"
                )
        for pair in report["pairwise"]:
            self.stdout.write(
                f"{pair['a']} vs {pair['b']}: {pair['win']:.0f} / {pair['tie']:.0f} / {pair['lose']:.0f} (p={pair['p_value']:.3f})"
            )


def _dumps(report: dict) -> str:
    return json.dumps(report, ensure_ascii=False, indent=2, sort_keys=False)
