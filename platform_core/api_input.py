"""What the API accepts, checked at the edge: query filters and JSON bodies (used by every app).

- ``QueryFilter`` / ``QueryFilters``: a view declares its query parameters once (``query_filters``);
  each value is validated by a DRF field (a 400 naming the parameter), and the same declaration
  documents it in the OpenAPI schema.
- ``CheckedJSONParser``: a JSON body is refused with a 400 naming the field when a string or key holds
  NUL or a lone surrogate, or when it is nested too deeply (platform_core.validation).

Kept apart from platform_core.rest: DRF imports these classes from settings while its views load.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.filters import BaseFilterBackend
from rest_framework.parsers import JSONParser

from platform_core.validation import forbidden_in_data


@dataclass(frozen=True)
class QueryFilter:
    """One query parameter of a list: the DRF field that parses it and how it narrows the queryset
    (a lookup such as ``"character_id"``, or a function of the queryset and the parsed value)."""

    field: serializers.Field
    lookup: str | Callable[[QuerySet, Any], QuerySet]
    description: str = ""


def text_filter(lookup: str, description: str, max_length: int = 200) -> QueryFilter:
    return QueryFilter(serializers.CharField(max_length=max_length, trim_whitespace=True), lookup, description)


def choice_filter(lookup: str, choices, description: str = "") -> QueryFilter:
    return QueryFilter(serializers.ChoiceField(choices=choices), lookup, description)


def id_filter(lookup: str, description: str) -> QueryFilter:
    return QueryFilter(serializers.IntegerField(min_value=1), lookup, description)


class QueryFilters(BaseFilterBackend):
    """Applies a view's ``query_filters`` (``{parameter: QueryFilter}``); empty values are ignored."""

    def filter_queryset(self, request, queryset, view):
        errors = {}
        for name, spec in getattr(view, "query_filters", {}).items():
            raw = request.query_params.get(name, "")
            if raw == "":
                continue
            try:
                value = spec.field.run_validation(raw)
            except ValidationError as error:
                errors[name] = error.detail
                continue
            if value in ("", None):
                continue
            queryset = spec.lookup(queryset, value) if callable(spec.lookup) else queryset.filter(**{spec.lookup: value})
        if errors:
            raise ValidationError(errors)
        return queryset

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return [
            {
                "name": name,
                "in": "query",
                "required": False,
                "description": str(spec.description),
                "schema": _field_schema(spec.field),
            }
            for name, spec in getattr(view, "query_filters", {}).items()
        ]


def _field_schema(field: serializers.Field) -> dict:
    if isinstance(field, serializers.ChoiceField):
        return {"type": "string", "enum": list(field.choices)}
    if isinstance(field, serializers.IntegerField):
        return {"type": "integer", **({"minimum": field.min_value} if field.min_value is not None else {})}
    schema: dict = {"type": "string"}
    if getattr(field, "max_length", None):
        schema["maxLength"] = field.max_length
    return schema


class CheckedJSONParser(JSONParser):
    """JSON, refused with a 400 naming the field when it holds text no column can store."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as error:
            raise ParseError(_("JSON parse error - nested too deeply.")) from error
        refused = forbidden_in_data(data)
        if refused is not None:
            where, reason = refused
            raise ValidationError({where or "body": [_("This text %(reason)s") % {"reason": reason}]})
        return data
