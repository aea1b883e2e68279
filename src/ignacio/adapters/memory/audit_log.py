"""AuditLog in memory: details go through JSON, as the database stores them."""

from __future__ import annotations

from uuid import UUID

import msgspec

from ignacio.adapters.memory.queries import paginate
from ignacio.adapters.memory.store import InMemoryStore
from ignacio.domain import AuditEntry, AuditKind, Conflict, Page, PageRequest


class InMemoryAuditLog:
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    async def record(self, entry: AuditEntry) -> None:
        if entry.id in self._store.audit_log:
            raise Conflict("An audit entry with this id already exists.")
        # Through JSON, as a database would store it: UUIDs and dates come back as strings.
        details = msgspec.json.decode(msgspec.json.encode(entry.details))
        self._store.audit_log[entry.id] = msgspec.structs.replace(entry, details=details)

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
        entries = [
            entry
            for entry in self._store.audit_log.values()
            if entry.workspace_id == workspace_id
            and (actor_id is None or entry.actor_id == actor_id)
            and (target_id is None or entry.target_id == target_id)
            and (action is None or entry.action == action)
            and (kind is None or entry.is_read == (kind is AuditKind.READS))
        ]
        return paginate(entries, lambda entry: entry.created_at, page)
