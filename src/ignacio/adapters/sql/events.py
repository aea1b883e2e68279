"""EventLog over SQLAlchemy Core: `workspace_events`, the outbox the live streams read.

Appended events wait in the unit of work and are written by `flush`, its last statement before
COMMIT: a number is taken as late as it can be, so that it seldom stays missing to readers for
more than the commit's own moment (see `passable`). On PostgreSQL the same statement sends a
NOTIFY per workspace, which PostgreSQL delivers to every listening process exactly when the
transaction commits (and never if it does not).
"""

from __future__ import annotations

import builtins
from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec
from sqlalchemy import ColumnElement, delete, func, select, text

from ignacio.adapters.sql.mapping import Field, FieldMap, enum_field
from ignacio.adapters.sql.queries import ConnectionSource
from ignacio.adapters.sql.tables import workspace_events
from ignacio.domain.events import EventKind, WorkspaceEvent

NOTIFY_SUFFIX = "_events"
"""The channel events are signalled on is the schema's name with this: deployments sharing a
database in schemas of their own do not wake each other."""

_FIELDS = FieldMap(
    WorkspaceEvent,
    workspace_events,
    "id",
    "workspace_id",
    "conversation_id",
    "member_id",
    enum_field("kind", EventKind),
    # A JSON document; the driver hands it back as a mapping of its own.
    Field("data", load=dict),
    "created_at",
)


def notify_channel(schema: str) -> str:
    """The channel a PostgreSQL schema's events are signalled on."""
    return schema + NOTIFY_SUFFIX


class SqlEventLog:
    def __init__(self, connection: ConnectionSource) -> None:
        self._connection = connection
        self._pending: builtins.list[WorkspaceEvent] = []

    def reassign(self, source_id: UUID, target_id: UUID) -> None:
        """Events appended in this unit of work about `source_id`'s conversations are about
        `target_id`'s: the member was joined to another before the commit writes them."""
        self._pending = [
            msgspec.structs.replace(event, member_id=target_id)
            if event.member_id == source_id
            else event
            for event in self._pending
        ]

    async def append(self, event: WorkspaceEvent) -> None:
        self._pending.append(event)

    async def flush(self) -> set[UUID]:
        """Write what was appended since the last flush (the unit of work commits next); the
        workspaces written to."""
        pending, self._pending = self._pending, []
        if not pending:
            return set()
        rows = [_row(event) for event in pending]
        connection = self._connection()
        if connection.dialect.name == "postgresql":
            await connection.execute(_INSERT_AND_NOTIFY, _columns(rows))
        else:
            await connection.execute(_INSERT, rows)
        return {event.workspace_id for event in pending}

    def discard(self) -> None:
        self._pending = []

    async def after(
        self, workspace_id: UUID | None, after_id: int, limit: int, member_id: UUID | None = None
    ) -> builtins.list[WorkspaceEvent]:
        e = workspace_events.c
        conditions: builtins.list[ColumnElement[bool]] = [e.id > after_id]
        if workspace_id is not None:
            conditions.append(e.workspace_id == workspace_id)
        if member_id is not None:
            conditions.append(e.member_id == member_id)
        statement = _FIELDS.select().where(*conditions).order_by(e.id).limit(limit)
        rows = (await self._connection().execute(statement)).all()
        return [_FIELDS.to_entity(row) for row in rows]

    async def bounds(self) -> tuple[int, int]:
        e = workspace_events.c
        row = (await self._connection().execute(select(func.min(e.id), func.max(e.id)))).one()
        return int(row[0] or 0), int(row[1] or 0)

    async def prune(self, before: datetime, limit: int) -> int:
        e = workspace_events.c
        newest = select(func.max(e.id)).scalar_subquery()
        oldest = (
            select(e.id)
            .where(e.created_at < before, e.id < newest)
            .order_by(e.created_at)
            .limit(limit)
        )
        result = await self._connection().execute(
            delete(workspace_events).where(e.id.in_(oldest.scalar_subquery()))
        )
        return int(result.rowcount or 0)


# The events as one array per column: one statement, whatever their number, that SQLAlchemy
# compiles once. A multi-row VALUES has no cache key: compiled again on every flush, it cost
# more CPU than the rest of the unit of work's statements together (issue #20).
_INSERT_AND_NOTIFY = text(
    "WITH inserted AS ("
    " INSERT INTO workspace_events"
    " (workspace_id, conversation_id, member_id, kind, data, created_at)"
    " SELECT * FROM unnest("
    "CAST(:workspace_id AS UUID[]), CAST(:conversation_id AS UUID[]),"
    " CAST(:member_id AS UUID[]), CAST(:kind AS VARCHAR[]), CAST(:data AS JSONB[]),"
    " CAST(:created_at AS TIMESTAMP WITH TIME ZONE[]))"
    " RETURNING workspace_id)"
    " SELECT pg_notify(current_schema() || :suffix, CAST(written.workspace_id AS TEXT))"
    " FROM (SELECT DISTINCT workspace_id FROM inserted) AS written"
)
# Elsewhere (SQLite) an executemany of a statement built once.
_INSERT = workspace_events.insert()


def _columns(rows: builtins.list[dict[str, Any]]) -> dict[str, Any]:
    columns: dict[str, Any] = {
        name: [row[name] for row in rows]
        for name in ("workspace_id", "conversation_id", "member_id", "kind", "created_at")
    }
    columns["data"] = [msgspec.json.encode(row["data"]).decode() for row in rows]
    columns["suffix"] = NOTIFY_SUFFIX
    return columns


def _row(event: WorkspaceEvent) -> dict[str, Any]:
    values = _FIELDS.insert_values(event)
    del values["id"]  # the table numbers it
    return values
