"""Admin pages that never select a large column they do not show (a work's text can be tens of MB).

Every ``ModelAdmin`` of the project derives from ``LeanModelAdmin`` (or mixes in ``LeanAdminMixin``);
tests/platform_core/test_admin_lean.py checks that each registered admin does. On a change list the
model's own text, JSON and binary columns are deferred unless ``list_display`` names them, and so are
those of every related row the list shows (joined, not fetched row by row). Foreign-key choices on
change forms defer the related model's large columns too.
"""

from __future__ import annotations

from django.contrib import admin
from django.db import models

LARGE_FIELD_TYPES = (models.TextField, models.JSONField, models.BinaryField)


def large_columns(model: type[models.Model], *, keep: set[str] | frozenset[str] = frozenset()) -> list[str]:
    """Names of ``model``'s large concrete columns, less those in ``keep``."""
    return [
        field.name
        for field in model._meta.concrete_fields
        if isinstance(field, LARGE_FIELD_TYPES) and field.name not in keep
    ]


def _shown_relations(model_admin: admin.ModelAdmin) -> list[models.ForeignKey]:
    names = set(model_admin.list_display)
    return [
        field
        for field in model_admin.model._meta.concrete_fields
        if field.is_relation and field.many_to_one | field.one_to_one and field.name in names
    ]


class LeanAdminMixin:
    def _is_changelist(self, request) -> bool:
        match = getattr(request, "resolver_match", None)
        return bool(match and match.url_name and match.url_name.endswith("_changelist"))

    def get_list_select_related(self, request):
        # The related rows a list shows are joined in its one query (then their columns can be deferred).
        return tuple(field.name for field in _shown_relations(self))

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if not self._is_changelist(request):
            return queryset
        deferred = large_columns(self.model, keep=set(self.list_display))
        for field in _shown_relations(self):
            deferred += [f"{field.name}__{name}" for name in large_columns(field.related_model)]
        return queryset.defer(*deferred) if deferred else queryset

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "queryset" not in kwargs and db_field.name not in self.raw_id_fields:
            related = db_field.remote_field.model
            queryset = self.get_field_queryset(None, db_field, request)
            if queryset is None:
                queryset = related._default_manager.complex_filter(db_field.remote_field.limit_choices_to)
            if columns := large_columns(related):
                kwargs["queryset"] = queryset.defer(*columns)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class LeanModelAdmin(LeanAdminMixin, admin.ModelAdmin):
    """The project's ``ModelAdmin``: see the module docstring."""
