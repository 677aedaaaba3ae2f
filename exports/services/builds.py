"""Export builds: requesting, re-running, running (claim, build, publish or fail) and downloads."""

import logging
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from exports.build.pipeline import CorpusBuilder
from exports.build.progress import ProgressReporter
from exports.build.publish import build_publish
from exports.models import STALE_AFTER, BuildStatus, ExportBuild, ExportSpec
from exports.services.specs import spec_snapshot
from platform_core.collector import collector_set_aside
from platform_core.jobs import job_claim
from platform_core.services import audit_record

logger = logging.getLogger(__name__)


def export_build_create(*, spec: ExportSpec, creator=None, enqueue: bool = True) -> ExportBuild:
    """Queue a build of ``spec``; the Celery task starts once the transaction commits."""
    build = ExportBuild.objects.create(spec=spec, spec_snapshot=spec_snapshot(spec), creator=creator)
    audit_record(actor=creator, action="export.build_requested", target=build, details={"spec": spec.pk})
    if enqueue:
        _enqueue(build)
    return build


def _enqueue(build: ExportBuild) -> None:
    from exports.tasks import export_build_task

    transaction.on_commit(lambda: export_build_task.delay(build.pk))


def export_build_retry(*, build: ExportBuild, actor=None) -> ExportBuild:
    """Queue a failed or killed build again; published builds are immutable and never re-run."""
    if not (build.status == BuildStatus.FAILED or build.is_stale):
        raise ValidationError({"status": ["Only a failed (or killed) build can be re-run."]})
    build.status = BuildStatus.QUEUED
    build.progress = 0
    build.progress_message = ""
    build.error = ""
    build.save(update_fields=["status", "progress", "progress_message", "error"])
    audit_record(actor=actor, action="export.build_retried", target=build)
    _enqueue(build)
    return build


def export_download_record(*, build: ExportBuild, actor, path: str) -> None:
    audit_record(actor=actor, action="export.download", target=build, details={"path": path, "version": build.version})


def default_build_directory(build: ExportBuild) -> Path:
    return Path(settings.MEDIA_ROOT) / "exports" / f"build-{build.pk}"


def export_build_run(
    *, build: ExportBuild, out_dir: Path | None = None, on_progress: Callable[[float, str], None] | None = None
) -> ExportBuild:
    """Build, then publish atomically. A failure leaves nothing published and the build ``failed``.

    ``out_dir`` (the management command's ``--out``) must not exist or be empty; by default the
    build is published under ``MEDIA_ROOT/exports/build-<id>/``.
    """
    build.refresh_from_db()
    if build.status == BuildStatus.PUBLISHED:
        return build  # a redelivered task: the build already exists, immutable
    # Claim the build, so a redelivered task never runs beside a live one.
    claimed = job_claim(
        ExportBuild,
        build.pk,
        stale_after=STALE_AFTER,
        progress=0,
        progress_message="",
        error="",
        started_at=timezone.now(),
    )
    build.refresh_from_db()
    if claimed is None:
        logger.warning("Export build #%s is %s elsewhere; not running it again.", build.pk, build.status)
        return build
    final = Path(out_dir).resolve() if out_dir else default_build_directory(build)
    if final.exists() and any(final.iterdir()):
        if out_dir:
            raise ValidationError({"out": [f"{final} exists and is not empty."]})
        # Left by a process killed between the rename and the commit: never published in the database.
        shutil.rmtree(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    for stale in final.parent.glob(f".tmp-{final.name}-*"):
        shutil.rmtree(stale, ignore_errors=True)  # a killed earlier attempt
    temporary = final.parent / f".tmp-{final.name}-{uuid.uuid4().hex[:8]}"

    reporter = ProgressReporter(build, on_progress)
    try:
        temporary.mkdir()
        with collector_set_aside():
            builder = CorpusBuilder(build.spec_snapshot, reporter)
            result = builder.run(temporary)
            build_publish(build=build, temporary=temporary, final=final, result=result, sha256=builder.sha256)
    except BaseException as error:
        shutil.rmtree(temporary, ignore_errors=True)
        committed = ExportBuild.objects.filter(pk=build.pk, status=BuildStatus.PUBLISHED).exists()
        if not committed and final.exists() and not out_dir:
            shutil.rmtree(final, ignore_errors=True)  # renamed, but the commit did not happen
        message = f"{type(error).__name__}: {error}"
        ExportBuild.objects.filter(pk=build.pk).exclude(status=BuildStatus.PUBLISHED).update(
            status=BuildStatus.FAILED, error=message[:5000], finished_at=timezone.now()
        )
        audit_record(actor=build.creator, action="export.build_failed", target=build, details={"error": message[:500]})
        logger.exception("Export build #%s failed", build.pk)
        try:
            reporter.report(reporter.last_percent, f"failed: {message}"[:200], force=True, keep_row=True)
        except Exception:  # the database may be what failed; the build row already says so
            logger.warning("Could not report the failure of export build #%s", build.pk)
        if not isinstance(error, Exception):
            raise  # KeyboardInterrupt, SystemExit: stop after recording
    build.refresh_from_db()
    if build.is_published:
        reporter.report(100, "published", force=True)
    return build
