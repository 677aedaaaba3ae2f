from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CROWDWORKER = "crowdworker", _("Crowdworker")
    ANNOTATOR = "annotator", _("Annotator")
    ADMIN = "admin", _("Admin")
    RESEARCHER = "researcher", _("Researcher")
