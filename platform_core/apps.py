from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlatformCoreConfig(AppConfig):
    name = "platform_core"
    verbose_name = _("Platform")
