"""Progress topics of exports (``platform_core.permissions.ProgressTopic``): a build's progress is for those who see builds."""

from exports.models import ExportBuild
from exports.views import EXPORTERS
from platform_core.permissions import ProgressTopic

PROGRESS_TOPICS = {"export": ProgressTopic(model=ExportBuild, roles=EXPORTERS)}
