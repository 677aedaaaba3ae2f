"""Publishing a build: hashes, manifest and datasheet, the next version number, one atomic rename."""

import hashlib
import json
import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from exports.build.writers import datasheet_markdown, sha256_file
from exports.models import BuildStatus, ExportBuild
from platform_core.services import audit_record

FORMAT_VERSION = 1


# Files whose bytes depend only on the spec and the data; manifest.json and DATASHEET.md also
# carry the version number and build time, so they are outside the determinism claim.
NON_DATA_FILES = ("manifest.json", "DATASHEET.md")


@cache
def code_version() -> str:
    if version := os.environ.get("TROUPE_CODE_VERSION"):
        return version
    try:
        result = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=5, check=True
        )
        return result.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _file_entries(temporary: Path, known: dict[Path, str]) -> dict[str, dict]:
    """Each file under ``temporary`` (relative name): its SHA-256 (``known`` or read) and size."""
    paths = sorted(path for path in temporary.rglob("*") if path.is_file())
    unknown = [path for path in paths if path not in known]
    # hashlib hashes without the GIL: the files are read and hashed side by side.
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="export-sha256") as hashing:
        digests = known | dict(zip(unknown, hashing.map(sha256_file, unknown), strict=True))
    return {
        path.relative_to(temporary).as_posix(): {"sha256": digests[path], "bytes": path.stat().st_size}
        for path in paths
    }


def build_publish(
    *, build: ExportBuild, temporary: Path, final: Path, result: dict, sha256: dict[Path, str] | None = None
) -> None:
    """Write the manifest and datasheet, take the next version number and rename into place.
    ``sha256``: the digests of files the build hashed while writing them (the others are read)."""
    files = _file_entries(temporary, sha256 or {})
    data_sha256 = hashlib.sha256(
        "".join(f"{name}\0{info['sha256']}\n" for name, info in sorted(files.items())).encode()
    ).hexdigest()
    built_at = timezone.now().replace(microsecond=0)
    for _attempt in range(5):
        try:
            with transaction.atomic():
                version = (ExportBuild.objects.aggregate(top=Max("version"))["top"] or 0) + 1
                datasheet = datasheet_markdown(
                    title=build.spec_snapshot.get("name", "corpus"),
                    version=version,
                    spec=build.spec_snapshot,
                    stats=result,
                    manifest_time=built_at.isoformat(),
                )
                (temporary / "DATASHEET.md").write_text(datasheet, encoding="utf-8")
                all_files = dict(files)
                all_files["DATASHEET.md"] = {
                    "sha256": sha256_file(temporary / "DATASHEET.md"),
                    "bytes": (temporary / "DATASHEET.md").stat().st_size,
                }
                manifest = {
                    "format_version": FORMAT_VERSION,
                    "name": build.spec_snapshot.get("name", "corpus"),
                    "version": version,
                    "build_id": build.pk,
                    "spec": build.spec_snapshot,
                    "counts": result,
                    "files": dict(sorted(all_files.items())),
                    "data_sha256": data_sha256,
                    "deterministic_files": sorted(files),
                    "code_version": code_version(),
                    "creator": build.creator.get_username() if build.creator else None,
                    "created_at": built_at.isoformat(),
                }
                (temporary / "manifest.json").write_text(
                    json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8"
                )
                total = sum(info["bytes"] for info in all_files.values()) + (temporary / "manifest.json").stat().st_size
                updated = ExportBuild.objects.filter(pk=build.pk, status=BuildStatus.RUNNING).update(
                    status=BuildStatus.PUBLISHED,
                    version=version,
                    directory=str(final),
                    stats=result,
                    files=dict(sorted(all_files.items())),
                    data_sha256=data_sha256,
                    dialogue_count=result["dialogues"],
                    turn_count=result["turns"],
                    total_bytes=total,
                    progress=100,
                    progress_message="published",
                    finished_at=timezone.now(),
                )
                if updated != 1:
                    raise RuntimeError("The build row changed while building; not publishing.")
                audit_record(
                    actor=build.creator,
                    action="export.build",
                    target=build,
                    details={"version": version, "data_sha256": data_sha256, "directory": str(final)},
                )
                if final.exists():
                    final.rmdir()  # an empty --out directory: replaced by the build
                os.rename(temporary, final)  # atomic on one filesystem: all files appear at once
            return
        except IntegrityError:
            continue  # another build took this version number at the same moment
    raise RuntimeError("Could not allocate a version number for the export build.")
