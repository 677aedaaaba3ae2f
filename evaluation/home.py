from django.utils.translation import gettext_lazy as _

from platform_core.home import Capability
from platform_core.permissions import EVALUATION_VIEWERS, EVALUATORS

CAPABILITIES = (
    Capability(
        EVALUATION_VIEWERS,
        _("Evaluation campaigns"),
        _("Blind human evaluation of models: ratings, error labels, pairwise comparisons and their statistics."),
        "evaluation:campaign-list",
    ),
    Capability(
        EVALUATORS,
        _("Evaluate models"),
        _("Chat with anonymous models in character and rate them, or pick the better of two replies."),
        "evaluation:work",
    ),
)
