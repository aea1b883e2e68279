"""MemberSessions on SQLite and PostgreSQL: `member_sessions`, one row per member and workspace.

Each call is a short transaction of its own on the engine (the port is kept apart from the units
of work, since it may be Redis instead). A read runs in autocommit on PostgreSQL (one round
trip) and begins deferred on SQLite, so it never waits for the write lock a unit of work may
hold; writes are single statements (an upsert, a conditional
update), so a renewal never undoes a `put` that came between."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine

from ignacio.adapters.sql.engine import reading_engine
from ignacio.adapters.sql.tables import member_sessions
from ignacio.domain.member_sessions import MemberSession

_c = member_sessions.c


# Built once (see messages.py's `_BY_ID`): every webhook from a member reads their session.
_CURRENT = select(member_sessions).where(
    _c.workspace_id == bindparam("workspace_id"),
    _c.user_id == bindparam("user_id"),
    _c.expires_at > bindparam("now"),
)


class SqlMemberSessions:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        # A read is one statement: in autocommit on PostgreSQL, one round trip instead of
        # three (BEGIN, the read, ROLLBACK); on SQLite, not queued for the write lock.
        self._reading = reading_engine(engine)

    async def get(self, workspace_id: UUID, user_id: UUID, now: datetime) -> MemberSession | None:
        parameters = {"workspace_id": workspace_id, "user_id": user_id, "now": now}
        async with self._reading.connect() as connection:
            row = (await connection.execute(_CURRENT, parameters)).mappings().first()
        if row is None:
            return None
        return MemberSession(
            workspace_id=row["workspace_id"],
            user_id=row["user_id"],
            conversation_id=row["conversation_id"],
            listed=tuple(UUID(value) for value in row["listed"]),
            pending=row["pending"],
            expires_at=row["expires_at"],
        )

    async def put(self, session: MemberSession, ttl: timedelta) -> None:
        values: dict[str, Any] = {
            "workspace_id": session.workspace_id,
            "user_id": session.user_id,
            "conversation_id": session.conversation_id,
            "listed": [str(value) for value in session.listed],
            "pending": session.pending,
            "expires_at": session.expires_at,
        }
        async with self._engine.begin() as connection:
            insert = (
                postgresql_insert(member_sessions)
                if connection.dialect.name == "postgresql"
                else sqlite_insert(member_sessions)
            ).values(values)
            changed = {key: value for key, value in values.items() if key not in _KEY}
            await connection.execute(
                insert.on_conflict_do_update(index_elements=list(_KEY), set_=changed)
            )

    async def renew(self, workspace_id: UUID, user_id: UUID, now: datetime, ttl: timedelta) -> bool:
        statement = (
            update(member_sessions)
            .where(_c.workspace_id == workspace_id, _c.user_id == user_id, _c.expires_at > now)
            .values(expires_at=now + ttl)
        )
        async with self._engine.begin() as connection:
            result = await connection.execute(statement)
        return result.rowcount > 0

    async def end(self, workspace_id: UUID, user_id: UUID) -> None:
        statement = delete(member_sessions).where(
            _c.workspace_id == workspace_id, _c.user_id == user_id
        )
        async with self._engine.begin() as connection:
            await connection.execute(statement)


_KEY = ("workspace_id", "user_id")
