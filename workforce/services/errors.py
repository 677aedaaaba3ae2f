"""Refusals that the pages and the API show as a clear, field-specific message."""

from platform_core.errors import Refused


class WorkforceError(Refused):
    """Bad input or a refused action: a stable ``code``, the sentence, and ``field`` naming the
    input at fault (``""`` for the whole request)."""

    def __init__(self, message: str, *, field: str = "", code: str = "invalid") -> None:
        super().__init__(code, message)
        self.field = field


class LedgerConflict(WorkforceError):
    """An idempotency key already names a row with a different payment."""
