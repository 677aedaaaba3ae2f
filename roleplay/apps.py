from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoleplayConfig(AppConfig):
    name = "roleplay"
    verbose_name = _("Characters and dialogues")
