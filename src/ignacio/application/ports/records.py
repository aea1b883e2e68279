"""RecordRepository port: the records members own, their comments, and each workspace's own
record types."""

from __future__ import annotations

import builtins
from typing import Protocol
from uuid import UUID

import msgspec

from ignacio.domain.pagination import Page, PageRequest
from ignacio.domain.records import Record, RecordComment, RecordStatus, RecordType


class RecordFilter(msgspec.Struct, frozen=True, kw_only=True):
    """Which records of a workspace a list shows; None: any."""

    type_name: str | None = None
    status: RecordStatus | None = None
    user_id: UUID | None = None


class RecordRepository(Protocol):
    """Records, read within one workspace: one of another workspace is not there."""

    async def add_type(self, workspace_id: UUID, kind: RecordType) -> None:
        """Keep a type of the workspace's own; raises Conflict if it has one of that name."""
        ...

    async def types(self, workspace_id: UUID) -> builtins.list[RecordType]:
        """The workspace's own types (not the built-in ones), by name."""
        ...

    async def remove_type(self, workspace_id: UUID, name: str) -> bool:
        """Forget a type of the workspace's own (its records stay); False if it had none."""
        ...

    async def add(self, record: Record) -> None:
        """Keep a new record; raises Conflict if its id is taken."""
        ...

    async def get(
        self, workspace_id: UUID, record_id: UUID, *, for_update: bool = False
    ) -> Record | None:
        """The record, or None; `for_update` holds it until the unit of work ends."""
        ...

    async def update(self, record: Record) -> None:
        """Replace the stored record of the same id and workspace."""
        ...

    async def list(
        self, workspace_id: UUID, where: RecordFilter, page: PageRequest
    ) -> Page[Record]:
        """The workspace's records `where` selects, by creation time (then id)."""
        ...

    async def latest_draft(self, workspace_id: UUID, user_id: UUID) -> Record | None:
        """The member's newest record still waiting for their confirmation, or None."""
        ...

    async def add_comment(self, comment: RecordComment) -> None:
        """Keep a comment; raises NotFound if its record does not exist."""
        ...

    async def comments(self, workspace_id: UUID, record_id: UUID) -> builtins.list[RecordComment]:
        """The record's comments, oldest first."""
        ...
