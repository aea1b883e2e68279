"""SessionRepository over SQLAlchemy Core: `user_sessions`, and the `refresh_tokens` rotated out.

A refresh rotates the token with one conditional UPDATE (only the current token of a live
session rotates, once), and keeps the old token's hash, so that presenting it again is seen as
reuse and ends the session.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import ColumnElement, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from ignacio.adapters.sql.mapping import FieldMap
from ignacio.adapters.sql.queries import ConnectionSource, insert_new
from ignacio.adapters.sql.tables import refresh_tokens, user_sessions
from ignacio.domain import Conflict, UserSession

_FIELDS = FieldMap(
    UserSession,
    user_sessions,
    "id",
    "user_id",
    "token_hash",
    "expires_at",
    "created_at",
    "last_used_at",
    "revoked_at",
    "user_agent",
    "client_address",
)


class SqlSessionRepository:
    def __init__(self, connection: ConnectionSource) -> None:
        self._connection = connection

    async def add(self, session: UserSession) -> None:
        await insert_new(
            self._connection(),
            user_sessions,
            _FIELDS.insert_values(session),
            conflict="This session already exists.",
            missing="There is no such user.",
        )

    async def get(self, session_id: UUID) -> UserSession | None:
        return await self._one(user_sessions.c.id == session_id)

    async def get_by_token_hash(self, token_hash: str) -> UserSession | None:
        return await self._one(user_sessions.c.token_hash == token_hash)

    async def rotate(
        self, session_id: UUID, old_hash: str, new_hash: str, expires_at: datetime, now: datetime
    ) -> bool:
        s = user_sessions.c
        statement = (
            update(user_sessions)
            .where(s.id == session_id, s.token_hash == old_hash, s.revoked_at.is_(None))
            .values(token_hash=new_hash, expires_at=expires_at, last_used_at=now)
        )
        connection = self._connection()
        try:
            if (await connection.execute(statement)).rowcount != 1:
                return False
            await connection.execute(
                insert(refresh_tokens).values(
                    token_hash=old_hash, session_id=session_id, rotated_at=now
                )
            )
        except IntegrityError as error:
            raise Conflict("This refresh token is already in use.") from error
        return True

    async def revoke_for_retired_token(self, token_hash: str, now: datetime) -> UUID | None:
        s = user_sessions.c
        owner = (
            select(refresh_tokens.c.session_id)
            .where(refresh_tokens.c.token_hash == token_hash)
            .scalar_subquery()
        )
        statement = (
            update(user_sessions)
            .where(s.id == owner, s.revoked_at.is_(None))
            .values(revoked_at=now)
            .returning(s.id)
        )
        session_id = (await self._connection().execute(statement)).scalar_one_or_none()
        return None if session_id is None else UUID(str(session_id))

    async def revoke(self, session_id: UUID, now: datetime) -> None:
        statement = (
            update(user_sessions)
            .where(user_sessions.c.id == session_id, user_sessions.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        await self._connection().execute(statement)

    async def list_live_for_user(
        self, user_id: UUID, now: datetime, limit: int
    ) -> list[UserSession]:
        s = user_sessions.c
        statement = (
            _FIELDS.select()
            .where(s.user_id == user_id, s.revoked_at.is_(None), s.expires_at > now)
            .order_by(s.last_used_at.desc(), s.id.desc())
            .limit(limit)
        )
        rows = (await self._connection().execute(statement)).all()
        return [_FIELDS.to_entity(row) for row in rows]

    async def revoke_own(
        self, user_id: UUID, session_id: UUID, now: datetime
    ) -> UserSession | None:
        s = user_sessions.c
        # One statement: no race between the ownership check and the revocation.
        statement = (
            update(user_sessions)
            .where(
                s.id == session_id,
                s.user_id == user_id,
                s.revoked_at.is_(None),
                s.expires_at > now,
            )
            .values(revoked_at=now)
            .returning(*_FIELDS.columns)
        )
        row = (await self._connection().execute(statement)).first()
        return None if row is None else _FIELDS.to_entity(row)

    async def prune(self, before: datetime, limit: int) -> int:
        s = user_sessions.c
        oldest = select(s.id).where(s.expires_at < before).order_by(s.expires_at).limit(limit)
        statement = delete(user_sessions).where(s.id.in_(oldest.scalar_subquery()))
        return int((await self._connection().execute(statement)).rowcount or 0)

    async def revoke_all_for_user(
        self, user_id: UUID, now: datetime, *, keep: UUID | None = None
    ) -> int:
        s = user_sessions.c
        statement = (
            update(user_sessions)
            .where(s.user_id == user_id, s.revoked_at.is_(None), s.expires_at > now)
            .values(revoked_at=now)
        )
        if keep is not None:
            statement = statement.where(s.id != keep)
        return int((await self._connection().execute(statement)).rowcount)

    async def _one(self, condition: ColumnElement[bool]) -> UserSession | None:
        return await _FIELDS.first(self._connection(), _FIELDS.select().where(condition))
