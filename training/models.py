"""The model registry: every model that can author turns in the corpus."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ModelVersion(models.Model):
    """A trained (or external) chat model. ``generation`` counts self-refinement rounds."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    base_model = models.CharField(_("base model"), max_length=500, help_text=_("Local path or served model name."))
    weights_path = models.CharField(_("adapter or weights path"), max_length=500, blank=True)
    generation = models.PositiveIntegerField(_("generation"), default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("model version")
        constraints = [models.CheckConstraint(condition=Q(generation__gte=0), name="model_generation_non_negative")]

    def __str__(self) -> str:
        return f"{self.name} (gen {self.generation})"
