"""MessageLoginRepository over SQLAlchemy Core: `message_logins`.

Every change is one conditional UPDATE that names the state the challenge was read in: the
database lets one of two racing changes through (PostgreSQL re-checks the condition on a row a
concurrent statement has just updated; SQLite has one writer), never a read followed by a write.
"""

from __future__ import annotations

import builtins
from datetime import datetime, timedelta
from uuid import UUID

from sqlalchemy import delete, select, update

from ignacio.adapters.sql.mapping import FieldMap, enum_field
from ignacio.adapters.sql.queries import ConnectionSource, insert_new
from ignacio.adapters.sql.tables import message_logins
from ignacio.domain.message_login import MessageLogin, MessageLoginPurpose, MessageLoginState

# Expired challenges are kept this long, so that a browser polling one hears "expired".
KEPT_AFTER_EXPIRY = timedelta(hours=1)

_FIELDS = FieldMap(
    MessageLogin,
    message_logins,
    "id",
    "workspace_id",
    enum_field("purpose", MessageLoginPurpose),
    "code_hash",
    "browser_token_hash",
    "device",
    "account_id",
    "member_id",
    enum_field("state", MessageLoginState),
    "created_at",
    "expires_at",
    "claimed_at",
    "decided_at",
    "used_at",
)


class SqlMessageLoginRepository:
    def __init__(self, connection: ConnectionSource) -> None:
        self._connection = connection

    async def add(self, login: MessageLogin) -> None:
        await insert_new(
            self._connection(),
            message_logins,
            _FIELDS.insert_values(login),
            conflict="Another login of this workspace is waiting for the same code.",
            missing="There is no such workspace or account.",
        )

    async def get(self, login_id: UUID) -> MessageLogin | None:
        statement = _FIELDS.select().where(message_logins.c.id == login_id)
        return await _FIELDS.first(self._connection(), statement)

    async def waiting_with_code(
        self, workspace_id: UUID, code_hash: str, now: datetime
    ) -> MessageLogin | None:
        c = message_logins.c
        statement = _FIELDS.select().where(
            c.workspace_id == workspace_id,
            c.code_hash == code_hash,
            c.state == MessageLoginState.WAITING.value,
            c.expires_at > now,
        )
        return await _FIELDS.first(self._connection(), statement)

    async def claims_of(self, workspace_id: UUID, member_id: UUID) -> builtins.list[MessageLogin]:
        c = message_logins.c
        statement = (
            _FIELDS.select()
            .where(
                c.member_id == member_id,
                c.state == MessageLoginState.CLAIMED.value,
                c.workspace_id == workspace_id,
            )
            .order_by(c.claimed_at.desc(), c.id.desc())
        )
        rows = (await self._connection().execute(statement)).all()
        return [_FIELDS.to_entity(row) for row in rows]

    async def replace(self, current: MessageLogin, after: MessageLogin) -> bool:
        if after.id != current.id:
            raise ValueError("A challenge is replaced by itself, changed.")
        c = message_logins.c
        statement = (
            update(message_logins)
            .where(c.id == current.id, c.state == current.state.value)
            .values(**_FIELDS.update_values(after))
        )
        return (await self._connection().execute(statement)).rowcount == 1

    async def prune(self, before: datetime, limit: int) -> int:
        m = message_logins.c
        oldest = select(m.id).where(m.expires_at < before).order_by(m.expires_at).limit(limit)
        statement = delete(message_logins).where(m.id.in_(oldest.scalar_subquery()))
        return int((await self._connection().execute(statement)).rowcount or 0)

    async def release_expired(self, workspace_id: UUID, now: datetime) -> None:
        c = message_logins.c
        connection = self._connection()
        await connection.execute(
            delete(message_logins).where(
                c.workspace_id == workspace_id, c.expires_at < now - KEPT_AFTER_EXPIRY
            )
        )
        await connection.execute(
            update(message_logins)
            .where(
                c.workspace_id == workspace_id,
                c.expires_at <= now,
                c.code_hash.is_not(None),
            )
            .values(code_hash=None)
        )
