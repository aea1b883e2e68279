"""UserRepository over SQLAlchemy Core: `users`, the phone number encrypted and found by its hash."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any
from uuid import UUID

from sqlalchemy import (
    Column,
    ColumnElement,
    Select,
    Table,
    bindparam,
    delete,
    exists,
    or_,
    select,
    update,
)

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
from ignacio.adapters.sql.tables import (
    allowed_numbers,
    conversation_reads,
    conversation_state_changes,
    conversation_summaries,
    conversations,
    member_sessions,
    message_logins,
    messages,
    record_comments,
    records,
    user_files,
    user_sessions,
    users,
    whatsapp_identities,
    workflow_answers,
    workspace_events,
    workspace_members,
    workspaces,
)
from ignacio.adapters.sql.workspaces import JOINED_COLUMNS, joined_of
from ignacio.application.ports import PhoneCipher
from ignacio.domain import NotFound, Page, PageRequest, PhoneNumber, Position, User
from ignacio.domain.workspaces import Joined

_TAKEN = "A user with this phone number already exists."

# Every column that names a person, and so follows them when they are joined to another
# (`merge_into`). The audit log is not among them: it says who did what as it was then.
PERSON_COLUMNS: tuple[Column[Any], ...] = (
    whatsapp_identities.c.user_id,
    conversations.c.user_id,
    conversations.c.assignee_id,
    conversation_state_changes.c.actor_id,
    conversation_state_changes.c.assignee_id,
    conversation_summaries.c.requested_by,
    messages.c.user_id,
    messages.c.sent_by,
    user_sessions.c.user_id,
    message_logins.c.account_id,
    message_logins.c.member_id,
    allowed_numbers.c.added_by,
    workspace_events.c.member_id,
    user_files.c.user_id,
    user_files.c.uploaded_by,
    workflow_answers.c.set_by,
    records.c.user_id,
    record_comments.c.author_id,
)
# A person's row in these is unique per (these columns, person): where both halves have one, the
# survivor's stays and the other's goes (the caller has settled roles beforehand).
ONE_PER_PERSON: tuple[tuple[Table, tuple[Column[Any], ...]], ...] = (
    (workspace_members, (workspace_members.c.workspace_id,)),
    (conversation_reads, (conversation_reads.c.conversation_id,)),
    # A WhatsApp session (the conversation `/new` or `/switch` chose): the survivor's stands.
    (member_sessions, (member_sessions.c.workspace_id,)),
    (workflow_answers, (workflow_answers.c.workspace_id, workflow_answers.c.key)),
)


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
def _by_phone(fields: FieldMap[User]) -> Select[Any]:
    return fields.select().where(users.c.phone_lookup == bindparam("phone_lookup"))


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
    def __init__(
        self,
        connection: ConnectionSource,
        cipher: PhoneCipher,
        *,
        on_merge: Callable[[UUID, UUID], None] | None = None,
    ) -> None:
        # What else in the unit of work names people and is written only at its commit (the
        # live events): told of a merge, so that it moves too.
        self._on_merge = on_merge
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
        parameters = {"phone_lookup": self._cipher.lookup_key(phone)}
        return await self._fields.first(self._connection(), _by_phone(self._fields), parameters)

    async def update(self, user: User) -> None:
        statement = (
            update(users).where(users.c.id == user.id).values(**self._fields.update_values(user))
        )
        # No foreign key: a clash can only be with another user's phone number.
        await update_one(
            self._connection(), statement, conflict=_TAKEN, absent="There is no such user."
        )

    async def merge_into(self, source_id: UUID, target_id: UUID) -> None:
        connection = self._connection()
        found = await connection.execute(
            select(users.c.id).where(users.c.id.in_([source_id, target_id])).with_for_update()
        )
        if source_id == target_id or len(found.all()) != 2:
            raise NotFound("There is no such pair of users to join.")
        for table, keys in ONE_PER_PERSON:
            person = table.c.user_id
            theirs = table.alias("survivor")
            survivor_has = exists(
                select(1).where(
                    theirs.c.user_id == target_id, *(theirs.c[key.name] == key for key in keys)
                )
            )
            await connection.execute(delete(table).where(person == source_id, survivor_has))
            await connection.execute(
                update(table).where(person == source_id).values({person: target_id})
            )
        for column in PERSON_COLUMNS:
            await connection.execute(
                update(column.table).where(column == source_id).values({column: target_id})
            )
        if self._on_merge is not None:
            self._on_merge(source_id, target_id)
        await connection.execute(delete(users).where(users.c.id == source_id))

    async def delete(self, user_id: UUID) -> None:
        # Conversations, messages and sessions go with the user (ON DELETE CASCADE).
        await self._connection().execute(delete(users).where(users.c.id == user_id))

    async def list(self, page: PageRequest, *, search: str | None = None) -> Page[User]:
        statement = self._fields.select()
        text = needle(search)
        if text is not None:
            matches: ColumnElement[bool] = users.c.name.icontains(text, autoescape=True)
            handle = text.lstrip("@")
            if handle:
                by_username = select(whatsapp_identities.c.user_id).where(
                    whatsapp_identities.c.username.icontains(handle, autoescape=True)
                )
                matches = or_(matches, users.c.id.in_(by_username))
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
