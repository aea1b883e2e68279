"""AuditLog port."""

from __future__ import annotations

from typing import Protocol
from uuid import UUID

from ignacio.domain import AuditEntry, AuditKind, Page, PageRequest


class AuditLog(Protocol):
    async def record(self, entry: AuditEntry) -> None:
        """Append an entry; entries are never changed or removed."""
        ...

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
        """The entries of what happened in this workspace, by time, filtered by what is given
        (`kind`: see `AuditEntry.is_read`); `workspace_id` None lists the platform-level
        entries (those in no workspace) instead."""
        ...
