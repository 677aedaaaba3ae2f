"""Refusals that the pages and the API show as a clear, field-specific message."""


class WorkforceError(ValueError):
    """Bad input or a refused action; ``field`` names the input at fault (``""`` for the whole request)."""

    def __init__(self, message: str, *, field: str = "", code: str = "invalid") -> None:
        super().__init__(message)
        self.field = field
        self.code = code

    @property
    def message(self) -> str:
        return str(self.args[0])


class LedgerConflict(WorkforceError):
    """An idempotency key already names a row with a different payment."""
