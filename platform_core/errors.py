class Refused(Exception):
    """An action the platform refuses; ``code`` is stable for clients (HTTP bodies, WebSocket error
    frames), ``message`` is the human sentence shown with it."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
