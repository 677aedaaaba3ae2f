"""Progress topics of training (``platform_core.permissions.ProgressTopic``): a job's progress is for those who see jobs."""

from platform_core.permissions import ProgressTopic
from training.models import TrainingJob
from training.views import VIEWERS

PROGRESS_TOPICS = {"training": ProgressTopic(model=TrainingJob, roles=VIEWERS)}
