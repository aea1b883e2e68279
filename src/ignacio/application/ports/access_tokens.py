"""AccessTokens port: short-lived bearer tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol
from uuid import UUID

from ignacio.domain import AccessClaims


class AccessTokens(Protocol):
    def issue(self, user_id: UUID, session_id: UUID, now: datetime) -> tuple[str, datetime]:
        """A signed token for this session and when it expires."""
        ...

    def read(self, token: str, now: datetime) -> AccessClaims:
        """The claims of a valid token; raises AuthenticationFailed if forged, malformed or expired."""
        ...
