from django.utils.translation import gettext_lazy as _

from platform_core.home import Capability
from platform_core.roles import Role

CAPABILITIES = (
    Capability(
        (Role.ADMIN, Role.RESEARCHER),
        _("Corpus exports"),
        _("List, filter and download versioned training corpora."),
        "exports:build-list",
    ),
    Capability(
        (Role.ADMIN, Role.RESEARCHER),
        _("New export"),
        _("Define which dialogues go into a corpus and build it."),
        "exports:build-create",
    ),
)
