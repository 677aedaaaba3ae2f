"""Progress frames of a training job (topic ``training-<id>``): what its page updates while it runs.

A frame's ``detail`` holds the job's status code, step, last step, whether it has finished, and
the tail of the runner's log; the page turns the status code into its own language's label.
"""

from __future__ import annotations

from training.models import TrainingJob
from training.selectors import log_tail

LOG_TAIL_CHARS = 8000


def job_progress_detail(job: TrainingJob) -> dict:
    return {
        "status": job.status,
        "current_step": job.current_step,
        "max_steps": job.max_steps,
        "finished": job.is_finished,
        "log_tail": log_tail(job, chars=LOG_TAIL_CHARS),
    }


def job_progress_publish(*, job: TrainingJob, message: str = "") -> None:
    """Push the job's status, step and log tail to every page watching it."""
    from platform_core.progress import progress_publish

    progress_publish(topic=job.progress_topic, percent=job.progress, message=message, detail=job_progress_detail(job))


class LogWatch:
    """Tells the supervision loop when the runner's log has grown since it last looked."""

    def __init__(self, job: TrainingJob) -> None:
        self.path = job.log_path
        self.size = -1

    def grew(self) -> bool:
        try:
            size = self.path.stat().st_size
        except OSError:
            size = 0
        grown, self.size = size != self.size, size
        return grown
