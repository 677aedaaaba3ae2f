"""The refusal every live service raises."""

from platform_core.errors import Refused


class LiveRefused(Refused):
    """A refused live action (codes in docs/chat-protocol.md)."""
