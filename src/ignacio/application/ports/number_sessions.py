"""NumberSessions port: the links to WhatsApp of numbers paired by QR code (a WhatsApp-Web
gateway's sessions)."""

from __future__ import annotations

from typing import Protocol

from ignacio.domain import ConnectionState, PhoneNumber


class SessionFailure(Exception):
    """The gateway could not be asked, or refused: `reason` says why, for an admin to act on
    (the gateway is down, it refused Ignacio's signature, it gave no QR code)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NumberSessions(Protocol):
    """One deployment's gateway, which holds a WhatsApp-Web session per number."""

    async def start(self, number: PhoneNumber) -> str:
        """End whatever session the number had and begin a new one: the QR code its phone
        scans to link it (an image's data URL, or the text the code encodes). The gateway then
        reports the link on its status webhook. Raises SessionFailure."""
        ...

    async def stop(self, number: PhoneNumber) -> None:
        """End the number's session (logging the gateway out of it); nothing if it had none.
        Raises SessionFailure."""
        ...

    async def state(self, number: PhoneNumber) -> ConnectionState:
        """Where the number's session stands now, as the gateway says (a number it has no
        session for is disconnected). Raises SessionFailure."""
        ...
