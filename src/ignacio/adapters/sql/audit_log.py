"""AuditLog over SQLAlchemy Core: `audit_log`, what admins did, newest first."""

from __future__ import annotations

import builtins
from uuid import UUID

from sqlalchemy import ColumnElement, not_, or_

from ignacio.adapters.sql.mapping import Field, FieldMap
from ignacio.adapters.sql.queries import ConnectionSource, insert_new, keyset, page_of
from ignacio.adapters.sql.tables import audit_log
from ignacio.domain import AuditEntry, AuditKind, Page, PageRequest, Position
from ignacio.domain.audit import READ_VERBS

_FIELDS = FieldMap(
    AuditEntry,
    audit_log,
    "id",
    "workspace_id",
    "actor_id",
    "action",
    "target_type",
    "target_id",
    # A JSON document; the driver hands it back as a mapping of its own.
    Field("details", load=dict),
    "created_at",
)


class SqlAuditLog:
    def __init__(self, connection: ConnectionSource) -> None:
        self._connection = connection

    async def record(self, entry: AuditEntry) -> None:
        await insert_new(
            self._connection(),
            audit_log,
            _FIELDS.insert_values(entry),
            conflict="An audit entry with this id already exists.",
        )

    async def list(
        self,
        workspace_id: UUID | None,
        page: PageRequest,
        *,
        actor_id: UUID | None = None,
        target_id: str | None = None,
        action: str | None = None,
        kind: AuditKind | None = None,
    ) -> Page[AuditEntry]:
        a = audit_log.c
        conditions: builtins.list[ColumnElement[bool]] = [
            a.workspace_id.is_(None) if workspace_id is None else a.workspace_id == workspace_id
        ]
        if actor_id is not None:
            conditions.append(a.actor_id == actor_id)
        if target_id is not None:
            conditions.append(a.target_id == target_id)
        if action is not None:
            conditions.append(a.action == action)
        if kind is not None:
            reads = or_(*(a.action.endswith(f".{verb}", autoescape=True) for verb in READ_VERBS))
            conditions.append(reads if kind is AuditKind.READS else not_(reads))
        statement = keyset(_FIELDS.select().where(*conditions), a.created_at, a.id, page)
        rows = (await self._connection().execute(statement)).all()
        return page_of(rows, page, _FIELDS.to_entity, lambda e: Position(at=e.created_at, id=e.id))
