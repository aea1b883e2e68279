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

    async def list_live_for_user(
        self, user_id: UUID, now: datetime, limit: int
    ) -> list[UserSession]:
        """The user's live sessions (neither revoked nor expired at `now`), the most recently
        used first (ties: the newest id first), at most `limit` of them."""
        ...

    async def revoke_own(
        self, user_id: UUID, session_id: UUID, now: datetime
    ) -> UserSession | None:
        """End the session if it is a live session of this user, in one atomic step; the session,
        now revoked, or None when the user has no live session with this id (another user's
        session is left alone, and looks the same as one that never existed)."""
        ...

    async def prune(self, before: datetime, limit: int) -> int:
        """Forget at most `limit` sessions that expired before `before` (a revoked one expires
        too; nothing can bring either back), oldest first, with their retired tokens; how
        many were forgotten."""
        ...

    async def revoke_all_for_user(
        self, user_id: UUID, now: datetime, *, keep: UUID | None = None
    ) -> int:
        """End every live session of a user but `keep`; returns how many were ended."""
        ...
