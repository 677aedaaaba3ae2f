"""Provenance anchors for annotated data; the annotation workflows build on these."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from roleplay.models import Language


class SynthesisBatch(models.Model):
    """A batch of LLM-synthesised characters and dialogues (GPT-4 in CharacterGLM)."""

    name = models.CharField(_("name"), max_length=200)
    llm_model = models.CharField(_("LLM model"), max_length=100)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("synthesis batch")
        verbose_name_plural = _("synthesis batches")

    def __str__(self) -> str:
        return self.name


class LiteraryWork(models.Model):
    """A novel or script that two-party dialogues are extracted from."""

    title = models.CharField(_("title"), max_length=300)
    author = models.CharField(_("author"), max_length=200, blank=True)
    language = models.CharField(_("language"), max_length=10, choices=Language.choices)
    licence_note = models.TextField(_("licence note"), blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title", "id"]
        verbose_name = _("literary work")

    def __str__(self) -> str:
        return self.title
