"""UserRepository over SQLAlchemy Core: `users`, the phone number encrypted and found by its hash."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Select, bindparam, delete, or_, select, update

from ignacio.adapters.sql.mapping import FieldMap, encrypted_phone, per_cipher
from ignacio.adapters.sql.queries import (
    ConnectionSource,
    insert_new,
    keyset,
    needle,
    page_of,
    phone_or_none,
    update_one,
)
from ignacio.adapters.sql.tables import user_sessions, users, workspace_members, workspaces
from ignacio.adapters.sql.workspaces import JOINED_COLUMNS, joined_of
from ignacio.application.ports import PhoneCipher
from ignacio.domain import Page, PageRequest, PhoneNumber, Position, User
from ignacio.domain.workspaces import Joined

_TAKEN = "A user with this phone number already exists."


@per_cipher
def _fields(cipher: PhoneCipher) -> FieldMap[User]:
    return FieldMap(
        User,
        users,
        "id",
        encrypted_phone(cipher, optional=True),
        "name",
        "is_admin",
        "is_active",
        "created_at",
        "updated_at",
    )


# The statements of the hottest reads, built once per map: building one (and its cache key)
# costs SQLAlchemy more CPU than running it. Values come as parameters at execution.
@functools.lru_cache(maxsize=8)
def _in_session_joined(fields: FieldMap[User]) -> Select[Any]:
    return (
        _in_session(fields)
        .add_columns(*JOINED_COLUMNS)
        .outerjoin(workspace_members, workspace_members.c.user_id == users.c.id)
        .outerjoin(workspaces, workspaces.c.id == workspace_members.c.workspace_id)
        .order_by(workspaces.c.created_at, workspaces.c.id)
    )


@functools.lru_cache(maxsize=8)
def _by_id(fields: FieldMap[User]) -> Select[Any]:
    return fields.select().where(users.c.id == bindparam("user_id"))


@functools.lru_cache(maxsize=8)
def _in_session(fields: FieldMap[User]) -> Select[Any]:
    return (
        fields.select()
        .join(user_sessions, user_sessions.c.user_id == users.c.id)
        .where(
            user_sessions.c.id == bindparam("session_id"),
            user_sessions.c.user_id == bindparam("user_id"),
            user_sessions.c.revoked_at.is_(None),
        )
    )


class SqlUserRepository:
    def __init__(self, connection: ConnectionSource, cipher: PhoneCipher) -> None:
        self._connection = connection
        self._cipher = cipher
        self._fields = _fields(cipher)

    async def add(self, user: User) -> None:
        await insert_new(
            self._connection(), users, self._fields.insert_values(user), conflict=_TAKEN
        )

    async def get(self, user_id: UUID) -> User | None:
        return await self._fields.first(
            self._connection(), _by_id(self._fields), {"user_id": user_id}
        )

    async def get_many(self, user_ids: Iterable[UUID]) -> dict[UUID, User]:
        wanted = list(set(user_ids))
        if not wanted:
            return {}
        statement = self._fields.select().where(users.c.id.in_(wanted))
        rows = (await self._connection().execute(statement)).all()
        return {user.id: user for user in map(self._fields.to_entity, rows)}

    async def in_session_with_workspaces(
        self, user_id: UUID, session_id: UUID
    ) -> tuple[User, list[Joined]] | None:
        # One row per membership (one with no workspace for a person in none): the user's
        # columns first, then JOINED_COLUMNS.
        parameters = {"user_id": user_id, "session_id": session_id}
        statement = _in_session_joined(self._fields)
        rows = (await self._connection().execute(statement, parameters)).all()
        if not rows:
            return None
        width = len(self._fields.columns)
        user = self._fields.to_entity(rows[0][:width])
        return user, [joined for row in rows if (joined := joined_of(row[width:])) is not None]

    async def get_in_session(self, user_id: UUID, session_id: UUID) -> User | None:
        parameters = {"user_id": user_id, "session_id": session_id}
        return await self._fields.first(self._connection(), _in_session(self._fields), parameters)

    async def get_by_phone(self, phone: PhoneNumber) -> User | None:
        statement = self._fields.select().where(
            users.c.phone_lookup == self._cipher.lookup_key(phone)
        )
        return await self._fields.first(self._connection(), statement)

    async def update(self, user: User) -> None:
        statement = (
            update(users).where(users.c.id == user.id).values(**self._fields.update_values(user))
        )
        # No foreign key: a clash can only be with another user's phone number.
        await update_one(
            self._connection(), statement, conflict=_TAKEN, absent="There is no such user."
        )

    async def delete(self, user_id: UUID) -> None:
        # Conversations, messages and sessions go with the user (ON DELETE CASCADE).
        await self._connection().execute(delete(users).where(users.c.id == user_id))

    async def list(self, page: PageRequest, *, search: str | None = None) -> Page[User]:
        statement = self._fields.select()
        text = needle(search)
        if text is not None:
            matches: ColumnElement[bool] = users.c.name.icontains(text, autoescape=True)
            phone = phone_or_none(text)
            if phone is not None:
                matches = or_(matches, users.c.phone_lookup == self._cipher.lookup_key(phone))
            statement = statement.where(matches)
        statement = keyset(statement, users.c.created_at, users.c.id, page)
        rows = (await self._connection().execute(statement)).all()
        return page_of(
            rows, page, self._fields.to_entity, lambda u: Position(at=u.created_at, id=u.id)
        )

    async def lock_active_admins(self) -> frozenset[UUID]:
        # PostgreSQL: the rows stay locked until the transaction ends, and a transaction that
        # waited for them reads them again when they are released (READ COMMITTED), leaving out
        # an admin who was demoted meanwhile; by id, so two lockers never wait for each other.
        # SQLite has no row locks (FOR UPDATE is not rendered): its unit of work begins
        # IMMEDIATE, which already makes every writer wait for the one before.
        statement = (
            select(users.c.id)
            .where(users.c.is_admin.is_(True), users.c.is_active.is_(True))
            .order_by(users.c.id)
            .with_for_update()
        )
        return frozenset((await self._connection().execute(statement)).scalars())
