from django.contrib import messages
from django.http import HttpRequest

from workforce.services.errors import WorkforceError


def refuse(request: HttpRequest, error: WorkforceError) -> None:
    """Show a refusal on the page it re-renders (with HTTP 400)."""
    label = f"{error.field}: " if error.field else ""
    messages.error(request, f"{label}{error.message}")
