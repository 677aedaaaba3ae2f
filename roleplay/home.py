from django.utils.translation import gettext_lazy as _

from platform_core.home import Capability
from platform_core.roles import Role

CAPABILITIES = (
    Capability(
        tuple(Role.values),
        _("Characters"),
        _("Browse character profiles and their prompts."),
        "roleplay:character-list",
    ),
    Capability(
        (Role.ADMIN, Role.ANNOTATOR, Role.RESEARCHER),
        _("New character"),
        _("Write a character profile."),
        "roleplay:character-create",
    ),
    Capability(
        (Role.ADMIN, Role.ANNOTATOR, Role.RESEARCHER),
        _("Dialogues"),
        _("Read the corpus by source and status."),
        "roleplay:dialogue-list",
    ),
    Capability(
        (Role.CROWDWORKER,),
        _("Live role-play"),
        _("Join the waiting room, get paired with another crowdworker, and play a character or a player."),
        "roleplay:live-waiting-room",
    ),
)
