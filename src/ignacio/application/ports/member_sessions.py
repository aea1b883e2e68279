"""MemberSessions port: members' short-lived WhatsApp sessions, which end by themselves."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol
from uuid import UUID

from ignacio.domain.member_sessions import MemberSession


class MemberSessions(Protocol):
    """One session per member and workspace, kept apart from the units of work (it may live in
    Redis): call it outside them, never between the reads and the commit of one."""

    async def get(self, workspace_id: UUID, user_id: UUID, now: datetime) -> MemberSession | None:
        """The member's session if it is alive at `now` (an expired one is as none)."""
        ...

    async def put(self, session: MemberSession, ttl: timedelta) -> None:
        """Store the session, replacing the member's, to live until `session.expires_at` (the
        caller's now plus `ttl`; a store that expires keys by itself does so after `ttl`)."""
        ...

    async def renew(self, workspace_id: UUID, user_id: UUID, now: datetime, ttl: timedelta) -> bool:
        """Make the member's session, if alive at `now`, live until `now + ttl`, changing
        nothing else of it (a concurrent `put` is not undone); False when there was none."""
        ...

    async def end(self, workspace_id: UUID, user_id: UUID) -> None:
        """Forget the member's session; nothing if there is none."""
        ...
