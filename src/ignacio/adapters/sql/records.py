"""RecordRepository over SQLAlchemy Core: `records`, `record_comments`, `record_types`."""

from __future__ import annotations

import builtins
from uuid import UUID

import msgspec
from sqlalchemy import bindparam, delete, select, update

from ignacio.adapters.sql.mapping import Field, FieldMap, enum_field
from ignacio.adapters.sql.queries import ConnectionSource, insert_new, keyset, page_of
from ignacio.adapters.sql.tables import record_comments, record_types, records
from ignacio.application.ports import RecordFilter
from ignacio.domain import NotFound
from ignacio.domain.pagination import Page, PageRequest, Position
from ignacio.domain.records import (
    Record,
    RecordComment,
    RecordSource,
    RecordStatus,
    RecordType,
)

_FIELDS = FieldMap(
    Record,
    records,
    "id",
    "workspace_id",
    "user_id",
    "type_name",
    "title",
    Field("values", column="record_values"),
    enum_field("status", RecordStatus),
    enum_field("source", RecordSource),
    Field("unfilled", dump=list, load=tuple),
    "conversation_id",
    "created_at",
    "updated_at",
    "confirmed_at",
)
_COMMENTS = FieldMap(
    RecordComment,
    record_comments,
    "id",
    "workspace_id",
    "record_id",
    "author_id",
    "text",
    "notice",
    "created_at",
)


# Built once (see messages.py's `_BY_ID`): every turn reads its workspace's record types.
_TYPES = (
    select(record_types.c.definition)
    .where(record_types.c.workspace_id == bindparam("workspace_id"))
    .order_by(record_types.c.name)
)


class SqlRecordRepository:
    def __init__(self, connection: ConnectionSource) -> None:
        self._connection = connection

    async def add_type(self, workspace_id: UUID, kind: RecordType) -> None:
        await insert_new(
            self._connection(),
            record_types,
            {
                "workspace_id": workspace_id,
                "name": kind.name,
                "definition": msgspec.to_builtins(kind),
            },
            conflict=f"This workspace already has a record type named '{kind.name}'.",
            missing="There is no such workspace.",
        )

    async def types(self, workspace_id: UUID) -> builtins.list[RecordType]:
        parameters = {"workspace_id": workspace_id}
        rows = (await self._connection().execute(_TYPES, parameters)).scalars()
        return [msgspec.convert(row, RecordType) for row in rows]

    async def remove_type(self, workspace_id: UUID, name: str) -> bool:
        c = record_types.c
        statement = delete(record_types).where(c.workspace_id == workspace_id, c.name == name)
        return (await self._connection().execute(statement)).rowcount > 0

    async def add(self, record: Record) -> None:
        await insert_new(
            self._connection(),
            records,
            _FIELDS.insert_values(record),
            conflict="This record is already kept.",
            missing="Its owner or its conversation does not exist.",
        )

    async def get(
        self, workspace_id: UUID, record_id: UUID, *, for_update: bool = False
    ) -> Record | None:
        statement = _FIELDS.select().where(
            records.c.id == record_id, records.c.workspace_id == workspace_id
        )
        if for_update:
            statement = statement.with_for_update()
        return await _FIELDS.first(self._connection(), statement)

    async def update(self, record: Record) -> None:
        c = records.c
        statement = (
            update(records)
            .where(c.id == record.id, c.workspace_id == record.workspace_id)
            .values(_FIELDS.update_values(record))
        )
        await self._connection().execute(statement)

    async def list(
        self, workspace_id: UUID, where: RecordFilter, page: PageRequest
    ) -> Page[Record]:
        c = records.c
        statement = _FIELDS.select().where(c.workspace_id == workspace_id)
        if where.type_name is not None:
            statement = statement.where(c.type_name == where.type_name)
        if where.status is not None:
            statement = statement.where(c.status == where.status.value)
        if where.user_id is not None:
            statement = statement.where(c.user_id == where.user_id)
        statement = keyset(statement, c.created_at, c.id, page)
        rows = (await self._connection().execute(statement)).all()
        return page_of(rows, page, _FIELDS.to_entity, lambda r: Position(at=r.created_at, id=r.id))

    async def latest_draft(self, workspace_id: UUID, user_id: UUID) -> Record | None:
        c = records.c
        statement = (
            _FIELDS.select()
            .where(
                c.user_id == user_id,
                c.workspace_id == workspace_id,
                c.status == RecordStatus.DRAFT.value,
            )
            .order_by(c.created_at.desc(), c.id.desc())
            .limit(1)
        )
        return await _FIELDS.first(self._connection(), statement)

    async def add_comment(self, comment: RecordComment) -> None:
        # A record never changes workspace, so checking it first is safe; the foreign key
        # catches one deleted meanwhile.
        c = records.c
        found = await self._connection().execute(
            select(c.id).where(c.id == comment.record_id, c.workspace_id == comment.workspace_id)
        )
        if found.first() is None:
            raise NotFound("There is no such record.")
        await insert_new(
            self._connection(),
            record_comments,
            _COMMENTS.insert_values(comment),
            conflict="This comment is already kept.",
            missing="There is no such record.",
        )

    async def comments(self, workspace_id: UUID, record_id: UUID) -> builtins.list[RecordComment]:
        c = record_comments.c
        statement = (
            _COMMENTS.select()
            .where(c.record_id == record_id, c.workspace_id == workspace_id)
            .order_by(c.created_at, c.id)
        )
        rows = (await self._connection().execute(statement)).all()
        return [_COMMENTS.to_entity(row) for row in rows]
