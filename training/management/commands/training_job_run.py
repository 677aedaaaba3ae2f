"""Run (or resume) one training job in this process, as a ``training`` queue worker would."""

from django.core.management.base import BaseCommand, CommandError

from training.models import TrainingJob
from training.services import training_job_run


class Command(BaseCommand):
    help = "Run or resume a training job in the foreground (resumes from its newest checkpoint)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("job_id", type=int)

    def handle(self, *args, job_id: int, **options) -> None:
        if not TrainingJob.objects.filter(pk=job_id).exists():
            raise CommandError(f"No training job #{job_id}.")
        job = training_job_run(job_id=job_id)
        self.stdout.write(f"job #{job.pk}: {job.status} at step {job.current_step}/{job.max_steps}")
