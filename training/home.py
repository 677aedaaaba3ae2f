from django.utils.translation import gettext_lazy as _

from platform_core.home import Capability
from platform_core.roles import Role

CAPABILITIES = (
    Capability(
        (Role.RESEARCHER, Role.ADMIN),
        _("Training jobs"),
        _("Fine-tune a chat model on an export build and follow its loss curve."),
        "training:job-list",
    ),
    Capability(
        (Role.RESEARCHER, Role.ADMIN),
        _("Models and deployment"),
        _("The model registry: model cards, generation settings, deploy and roll back."),
        "training:model-list",
    ),
    Capability(
        (Role.CROWDWORKER, Role.RESEARCHER),
        _("Chat with the model"),
        _("Human–machine rounds: talk to the deployed model playing a character, correct and rate it."),
        "training:chat-start",
    ),
)
