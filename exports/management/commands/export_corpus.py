"""``python manage.py export_corpus [--spec spec.yaml] --out DIR``: build a corpus on the command line."""

import gc
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from exports import services
from exports.models import BuildStatus


class _ProgressBar(tqdm):
    # No monitor thread: the build forks its analysis processes only while it has no other thread.
    monitor_interval = 0


class Command(BaseCommand):
    # A build reads the database and writes files; it needs none of the project-wide checks (URLs,
    # admin, templates), which take most of a second before the first row is read.
    requires_system_checks = []
    help = (
        "Build a versioned training corpus into DIR (manifest.json, DATASHEET.md, dataset_info.json, "
        "train/ validation/ test/ with characterglm.jsonl, messages.jsonl, turns.parquet). Without "
        "--spec: every accepted dialogue, split 0.8/0.1/0.1 with seed 0."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--spec", type=Path, help="YAML export spec (see docs/export-formats.md).")
        parser.add_argument("--out", type=Path, required=True, help="Directory to create (must not exist or be empty).")
        parser.add_argument("--user", help="Username recorded as the build's creator in the audit log.")
        parser.add_argument("--no-progress", action="store_true", help="Do not draw a progress bar.")

    def handle(self, *args, spec: Path | None, out: Path, user: str | None, no_progress: bool, **options) -> None:
        out = out.resolve()
        if out.exists() and (not out.is_dir() or any(out.iterdir())):
            raise CommandError(f"--out {out} exists and is not an empty directory.")
        creator = None
        if user:
            creator = get_user_model().objects.filter(username=user).first()
            if creator is None:
                raise CommandError(f"--user: no account named {user!r}.")
        try:
            if spec is not None:
                try:
                    text = spec.read_text(encoding="utf-8")
                except OSError as error:
                    raise CommandError(f"--spec: cannot read {spec}: {error.strerror}") from error
                export_spec = services.export_spec_from_yaml(text=text, created_by=creator, default_name=spec.stem)
            else:
                export_spec = services.export_spec_create(data={"name": "all accepted dialogues"}, created_by=creator)
        except ValidationError as error:
            lines = "\n".join(f"  {line}" for line in services.error_lines(error))
            raise CommandError(f"The spec {spec} is not valid:\n{lines}") from error

        build = services.export_build_create(spec=export_spec, creator=creator, enqueue=False)
        # tqdm draws with carriage returns: give it the raw stream, not the newline-adding wrapper.
        bar = _ProgressBar(
            total=100, unit="%", disable=no_progress, file=self.stderr._out, bar_format="{l_bar}{bar}| {postfix}"
        )

        def on_progress(percent: float, message: str) -> None:
            bar.update(max(0.0, percent - bar.n))
            bar.set_postfix_str(message, refresh=False)

        try:
            build = services.export_build_run(build=build, out_dir=out, on_progress=on_progress)
        finally:
            bar.close()
            # The process ends after this command: the collection Python runs at exit need not walk
            # the heap of every library loaded (a few hundred thousand objects).
            gc.freeze()
        if build.status != BuildStatus.PUBLISHED:
            raise CommandError(f"Export build #{build.pk} failed: {build.error}")
        splits = build.stats["splits"]
        summary = ", ".join(f"{name} {info['dialogues']}" for name, info in splits.items())
        self.stdout.write(
            self.style.SUCCESS(
                f"Published v{build.version} to {build.directory}: {build.dialogue_count} dialogues, "
                f"{build.turn_count} turns ({summary}); data sha256 {build.data_sha256[:16]}…"
            )
        )
