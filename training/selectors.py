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
        }
        for row in rows
    ]


def log_tail(job: TrainingJob, chars: int = 20000) -> str:
    try:
        with open(job.log_path, "rb") as handle:
            handle.seek(0, 2)
            size = handle.tell()
            handle.seek(max(0, size - chars))
            return handle.read().decode("utf-8", errors="replace")
    except (FileNotFoundError, ValueError, OSError):
        return ""
