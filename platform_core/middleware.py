"""Request middleware: refuse NUL and lone surrogates in a path, a query string or a form, up front."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext as _

from platform_core.validation import forbidden_character_error

FORM_URLENCODED = "application/x-www-form-urlencoded"


def _refusal(request: HttpRequest) -> tuple[str, str] | None:
    """(where, why) for the first refused character of the request's path, query or urlencoded form."""
    if reason := forbidden_character_error(request.path_info):
        return "path", reason
    sources = [("query", request.GET)]
    if request.method == "POST" and request.content_type == FORM_URLENCODED:
        sources.append(("form", request.POST))
    for _source, params in sources:
        for key, values in params.lists():
            for text in (key, *values):
                if reason := forbidden_character_error(text):
                    return key, reason
    return None


class RefuseForbiddenCharactersMiddleware:
    """A 400 that names the parameter, before any view or query sees the text.

    API paths answer JSON (``{"<parameter>": ["This text contains …"]}``, the shape of DRF's field
    errors); pages answer plain text. Multipart bodies are left to the forms and upload checks, which
    use the same rule (platform_core.validation), so that upload handlers still stream files."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        refused = _refusal(request)
        if refused is None:
            return self.get_response(request)
        where, reason = refused
        message = _("This text %(reason)s") % {"reason": reason}
        if request.path_info.startswith("/api/"):
            return JsonResponse({where: [message]}, status=400)
        return HttpResponseBadRequest(f"{where}: {message}", content_type="text/plain; charset=utf-8")
