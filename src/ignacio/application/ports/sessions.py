"""SessionRepository port."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol
from uuid import UUID

from ignacio.domain import UserSession


class SessionRepository(Protocol):
    async def add(self, session: UserSession) -> None:
        """Store a new session."""
        ...

    async def get(self, session_id: UUID) -> UserSession | None:
        """The session with this id, or None."""
        ...

    async def get_by_token_hash(self, token_hash: str) -> UserSession | None:
        """The session whose current refresh token has this hash, or None."""
        ...

    async def rotate(
        self, session_id: UUID, old_hash: str, new_hash: str, expires_at: datetime, now: datetime
    ) -> bool:
        """Swap the refresh token if `old_hash` is still the current one, in one atomic step, and
        keep `old_hash` as rotated out; False if it is not current (or the session is revoked)."""
        ...

    async def revoke_for_retired_token(self, token_hash: str, now: datetime) -> UUID | None:
        """End the live session that rotated out a token with this hash; returns its id, or None
        when no session has (or it has ended already)."""
        ...

    async def revoke(self, session_id: UUID, now: datetime) -> None:
        """End the session; its tokens stop working."""
        ...

    async def revoke_all_for_user(self, user_id: UUID, now: datetime) -> int:
        """End every live session of a user; returns how many were ended."""
        ...
