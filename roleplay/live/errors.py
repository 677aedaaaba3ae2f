"""The refusal every live service raises."""

from platform_core.errors import Refused


class LiveRefused(Refused):
    """A refused live action (codes in docs/chat-protocol.md)."""


class LivePersonalDataRefused(LiveRefused):
    """A message refused for the contact details it carries (``kinds``), counted on the worker's record."""

    def __init__(self, code: str, message: str, kinds: list[str]) -> None:
        super().__init__(code, message)
        self.kinds = kinds
