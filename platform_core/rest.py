"""The API's edges shared by every app: ids in URLs and refused deletes (inputs: platform_core.api_input).

- ``ApiRouter``: object ids in URLs are whole numbers; anything else is a 404 from the URL resolver.
- ``api_exception_handler``: a delete of a row that others still reference (``ProtectedError``,
  ``RestrictedError``) is a 409 that says what references it; a Django ``ValidationError`` that
  escapes a service is a 400.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError, RestrictedError
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.views import exception_handler


class ApiRouter(SimpleRouter):
    """A ``SimpleRouter`` whose detail routes match only whole-number ids (unless a view says otherwise)."""

    def get_lookup_regex(self, viewset, lookup_prefix: str = "") -> str:
        url_kwarg = getattr(viewset, "lookup_url_kwarg", None) or getattr(viewset, "lookup_field", "pk")
        return f"(?P<{lookup_prefix}{url_kwarg}>{getattr(viewset, 'lookup_value_regex', '[0-9]+')})"


def _referenced_by(error: ProtectedError | RestrictedError) -> str:
    counts: dict[str, int] = {}
    for obj in error.protected_objects if isinstance(error, ProtectedError) else error.restricted_objects:
        label = str(obj._meta.verbose_name_plural)
        counts[label] = counts.get(label, 0) + 1
    return ", ".join(f"{count} {label}" for label, count in sorted(counts.items()))


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    """DRF's handler, plus 409 for a referenced row and 400 for a Django ``ValidationError``."""
    if isinstance(exc, ProtectedError | RestrictedError):
        model = context["view"].get_queryset().model if "view" in context else None
        name = capfirst(str(model._meta.verbose_name)) if model is not None else _("This object")
        detail = _("%(name)s cannot be deleted: it is still referenced by %(references)s.") % {
            "name": name,
            "references": _referenced_by(exc),
        }
        return Response({"code": "protected", "detail": detail}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        detail = {("non_field_errors" if key == "__all__" else key): value for key, value in detail.items()}
        return Response(detail, status=status.HTTP_400_BAD_REQUEST)
    return exception_handler(exc, context)
