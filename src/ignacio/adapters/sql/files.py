"""FileRepository over SQLAlchemy Core: `user_files`."""

from __future__ import annotations

import builtins
import functools
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Select, and_, bindparam, or_, select, update
from sqlalchemy.exc import IntegrityError

from ignacio.adapters.sql.mapping import Field, FieldMap, enum_field
from ignacio.adapters.sql.queries import (
    ConnectionSource,
    clash_contained,
    insert_new,
    keyset_parameters,
    keyset_shape,
    page_of,
)
from ignacio.adapters.sql.tables import SYNC_UNFINISHED, user_files
from ignacio.domain import NotFound, Order, Page, PageRequest, Position
from ignacio.domain.knowledge import (
    ExtractionStatus,
    FileSource,
    Shelf,
    SyncStatus,
    UserFile,
)

_FIELDS = FieldMap(
    UserFile,
    user_files,
    "id",
    "workspace_id",
    "user_id",
    "file_name",
    "file_path",
    "file_type",
    "file_size",
    enum_field("source", FileSource),
    "conversation_id",
    "message_id",
    "created_at",
    enum_field("extraction_status", ExtractionStatus),
    "extraction_note",
    # The columns keep seed 000's names; the entity names the remote copy for what it is.
    Field("remote_file_id", column="openai_file_id"),
    Field("remote_store_id", column="openai_vector_store_id"),
    Field("remote_uploaded_at", column="openai_uploaded_at"),
    enum_field("sync_status", SyncStatus, column="openai_sync_status"),
    "sync_attempts",
    "sync_error",
    "synced_at",
    "uploaded_by",
)

_MISSING = "There is no such user, workspace, conversation or message for this file."


@functools.cache
def _page(of_user: bool, shelf: Shelf | None, ascending: bool, after: bool) -> Select[Any]:
    """`list`'s statement, built once per shape (see `keyset_shape`): every turn lists the
    member's files and the knowledge base."""
    statement = _FIELDS.select().where(user_files.c.workspace_id == bindparam("workspace_id"))
    if of_user:
        statement = statement.where(user_files.c.user_id == bindparam("user_id"))
    if shelf is Shelf.MEMBERS:
        statement = statement.where(user_files.c.user_id.is_not(None))
    elif shelf is Shelf.KNOWLEDGE:
        statement = statement.where(user_files.c.user_id.is_(None))
    return keyset_shape(
        statement, user_files.c.created_at, user_files.c.id, ascending=ascending, after=after
    )


class SqlFileRepository:
    def __init__(self, connection: ConnectionSource) -> None:
        self._connection = connection

    async def add(self, file: UserFile) -> None:
        await insert_new(
            self._connection(),
            user_files,
            _FIELDS.insert_values(file),
            conflict="This file is already stored.",
            missing=_MISSING,
        )

    async def get(self, workspace_id: UUID, file_id: UUID) -> UserFile | None:
        f = user_files.c
        statement = _FIELDS.select().where(f.id == file_id, f.workspace_id == workspace_id)
        return await _FIELDS.first(self._connection(), statement)

    async def find(self, file_id: UUID) -> UserFile | None:
        statement = _FIELDS.select().where(user_files.c.id == file_id)
        return await _FIELDS.first(self._connection(), statement)

    async def update(self, file: UserFile) -> None:
        connection = self._connection()
        statement = (
            update(user_files)
            .where(user_files.c.id == file.id)
            .values(**_FIELDS.update_values(file))
        )
        try:
            async with clash_contained(connection):
                result = await connection.execute(statement)
        except IntegrityError as error:
            raise NotFound(_MISSING) from error
        if result.rowcount == 0:
            raise NotFound("There is no such file.")

    async def delete(self, workspace_id: UUID, file_id: UUID) -> None:
        f = user_files.c
        statement = user_files.delete().where(f.id == file_id, f.workspace_id == workspace_id)
        await self._connection().execute(statement)

    async def list(
        self,
        workspace_id: UUID,
        page: PageRequest,
        *,
        user_id: UUID | None = None,
        shelf: Shelf | None = None,
    ) -> Page[UserFile]:
        statement = _page(
            user_id is not None, shelf, page.order is Order.OLDEST_FIRST, page.after is not None
        )
        parameters = {"workspace_id": workspace_id} | keyset_parameters(page)
        if user_id is not None:
            parameters["user_id"] = user_id
        rows = (await self._connection().execute(statement, parameters)).all()
        return page_of(rows, page, _FIELDS.to_entity, lambda f: Position(at=f.created_at, id=f.id))

    async def needing_sync(
        self, limit: int, *, uploaded_before: datetime | None
    ) -> builtins.list[UUID]:
        if limit <= 0:
            return []
        status = user_files.c.openai_sync_status
        due: ColumnElement[bool] = status.in_([SyncStatus.PENDING.value, SyncStatus.EXPIRED.value])
        if uploaded_before is not None:
            lapsing = and_(
                status == SyncStatus.SYNCED.value,
                user_files.c.openai_uploaded_at < uploaded_before,
            )
            due = or_(due, lapsing)
        statement = (
            select(user_files.c.id)
            .where(SYNC_UNFINISHED, due)
            .order_by(user_files.c.created_at.asc(), user_files.c.id.asc())
            .limit(limit)
        )
        return builtins.list((await self._connection().execute(statement)).scalars())
