"""Reads shared by pages, API, consumers and other apps."""

from django.db.models import QuerySet

from training.models import Deployment, ModelVersion, TrainingJob, TrainingMetric


def active_deployment() -> Deployment | None:
    return Deployment.objects.select_related("model_version").filter(active=True).first()


def active_model_version() -> ModelVersion | None:
    """The model in the character's seat for human–machine rounds (None when nothing is deployed)."""
    deployment = active_deployment()
    return deployment.model_version if deployment else None


def training_jobs() -> QuerySet[TrainingJob]:
    return TrainingJob.objects.select_related("export_build", "export_build__spec", "creator", "model_version")


def job_metrics(job: TrainingJob, *, after_id: int = 0) -> list[dict]:
    """Loss-curve points and other events after ``after_id``, oldest first (for the live chart)."""
    rows = TrainingMetric.objects.filter(job=job, id__gt=after_id).order_by("id")[:2000]
    return [
        {
            "id": row.id,
            "event": row.event,
            "step": row.step,
            "loss": row.loss,
            "eval_loss": row.eval_loss,
            "tokens_per_s": row.tokens_per_s,
            "gpu_mem_mb": row.gpu_mem_mb,
            "detail": _event_detail(row),
        }
        for row in rows
    ]


# Fields of the runner's ``data`` event (one per split) that the job page shows.
DATA_REPORT_FIELDS = ("examples", "kept", "truncated", "dropped", "supervised_tokens", "mask_source")


def _event_detail(row: TrainingMetric) -> dict | None:
    """What a ``data`` event (examples truncated and dropped per split) or a ``notice`` says; None for others."""
    data = row.data if isinstance(row.data, dict) else {}
    if row.event == "data":
        return {"split": str(data.get("split", "")), **{name: data.get(name) for name in DATA_REPORT_FIELDS}}
    if row.event == "notice":
        return {"message": str(data.get("message", ""))}
    return None


def job_data_reports(job: TrainingJob) -> tuple[list[dict], list[str]]:
    """Per split, the latest count of examples kept, truncated and dropped; and the runner's notices."""
    reports: dict[str, dict] = {}
    notices: list[str] = []
    for row in TrainingMetric.objects.filter(job=job, event__in=("data", "notice")).order_by("id"):
        detail = _event_detail(row)
        if row.event == "data":
            reports[detail["split"]] = detail
        elif detail["message"] not in notices:
            notices.append(detail["message"])
    return list(reports.values()), notices


def log_tail(job: TrainingJob, chars: int = 20000) -> str:
    try:
        with open(job.log_path, "rb") as handle:
            handle.seek(0, 2)
            size = handle.tell()
            handle.seek(max(0, size - chars))
            return handle.read().decode("utf-8", errors="replace")
    except (FileNotFoundError, ValueError, OSError):
        return ""
