"""MemberSessions in memory, for one process (tests, and the memory set)."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from ignacio.domain.member_sessions import MemberSession


class InMemoryMemberSessions:
    def __init__(self) -> None:
        self._sessions: dict[tuple[UUID, UUID], MemberSession] = {}

    async def get(self, workspace_id: UUID, user_id: UUID, now: datetime) -> MemberSession | None:
        session = self._sessions.get((workspace_id, user_id))
        return session if session is not None and session.alive(now) else None

    async def put(self, session: MemberSession, ttl: timedelta) -> None:
        self._sessions[(session.workspace_id, session.user_id)] = session

    async def renew(self, workspace_id: UUID, user_id: UUID, now: datetime, ttl: timedelta) -> bool:
        session = await self.get(workspace_id, user_id, now)
        if session is None:
            return False
        self._sessions[(workspace_id, user_id)] = session.renewed(now, ttl)
        return True

    async def end(self, workspace_id: UUID, user_id: UUID) -> None:
        self._sessions.pop((workspace_id, user_id), None)
