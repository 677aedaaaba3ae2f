"""Progress topics of annotation (``platform_core.permissions.ProgressTopic``): like the batch or work they report on."""

from annotation.models import LiteraryWork, SynthesisBatch
from annotation.views.common import BATCH_MANAGERS, WORK_READERS
from platform_core.permissions import ProgressTopic

PROGRESS_TOPICS = {
    "synthesis": ProgressTopic(model=SynthesisBatch, roles=BATCH_MANAGERS),
    "work": ProgressTopic(model=LiteraryWork, roles=WORK_READERS),
}
