"""Reads other modules need: where a build's files are, which builds exist."""

from pathlib import Path

from django.db.models import QuerySet

from exports.models import SPLITS, BuildStatus, ExportBuild

# Format name (or the file name itself) -> file inside ``<build dir>/<split>/``.
SPLIT_FILES = {
    "characterglm": "characterglm.jsonl",
    "messages": "messages.jsonl",
    "parquet": "turns.parquet",
    "turns": "turns.parquet",
}
SPLIT_FILE_NAMES = ("characterglm.jsonl", "messages.jsonl", "turns.parquet")


def build_directory(build: ExportBuild) -> Path:
    """The published directory of ``build``; raises ``ValueError`` when it is not published."""
    if build.status != BuildStatus.PUBLISHED or not build.directory:
        raise ValueError(f"Export build #{build.pk} is not published.")
    return Path(build.directory)


def build_split_path(build: ExportBuild, split: str, fmt: str = "messages") -> Path:
    """``<build dir>/<split>/<file>``, e.g. ``build_split_path(build, "train", "messages")``.

    ``fmt`` is ``characterglm``, ``messages`` or ``parquet`` (or the file name itself).
    """
    if split not in SPLITS:
        raise ValueError(f"Unknown split {split!r}; expected one of {', '.join(SPLITS)}.")
    file_name = SPLIT_FILES.get(fmt, fmt if fmt in SPLIT_FILE_NAMES else None)
    if file_name is None:
        raise ValueError(f"Unknown export format {fmt!r}; expected one of {', '.join(sorted(SPLIT_FILES))}.")
    return build_directory(build) / split / file_name


def published_builds() -> QuerySet[ExportBuild]:
    return ExportBuild.objects.filter(status=BuildStatus.PUBLISHED).select_related("spec", "creator")


def builds_filtered(*, status: str = "", spec_id: int | None = None, query: str = "") -> QuerySet[ExportBuild]:
    builds = ExportBuild.objects.select_related("spec", "creator")
    if status in BuildStatus.values:
        builds = builds.filter(status=status)
    if spec_id:
        builds = builds.filter(spec_id=spec_id)
    if query:
        builds = builds.filter(spec__name__icontains=query)
    return builds
