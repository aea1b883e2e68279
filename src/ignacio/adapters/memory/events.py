"""EventLog in memory: events wait in the unit of work and are numbered when it commits, as the
SQL log does; their data goes through JSON, as a database stores it."""

from __future__ import annotations

import itertools
from datetime import datetime
from uuid import UUID

import msgspec

from ignacio.adapters.memory.store import InMemoryStore
from ignacio.domain.events import WorkspaceEvent

_SEQUENCE = "workspace_events"


class InMemoryEventLog:
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store
        self._pending: list[WorkspaceEvent] = []

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
        data = msgspec.json.decode(msgspec.json.encode(event.data))
        self._pending.append(msgspec.structs.replace(event, data=data))

    def flush(self) -> set[UUID]:
        """Number and keep what this unit of work appended (its commit is under way); the
        workspaces they are of."""
        pending, self._pending = self._pending, []
        first = self._store.sequences.get(_SEQUENCE, 0) + 1
        for number, event in zip(itertools.count(first), pending, strict=False):
            self._store.events[number] = msgspec.structs.replace(event, id=number)
        if pending:
            self._store.sequences[_SEQUENCE] = first + len(pending) - 1
        return {event.workspace_id for event in pending}

    def discard(self) -> None:
        self._pending = []

    async def after(
        self, workspace_id: UUID | None, after_id: int, limit: int, member_id: UUID | None = None
    ) -> list[WorkspaceEvent]:
        found = (
            event
            for number, event in sorted(self._store.events.items())
            if number > after_id
            and (workspace_id is None or event.workspace_id == workspace_id)
            and (member_id is None or event.member_id == member_id)
        )
        return list(itertools.islice(found, limit))

    async def bounds(self) -> tuple[int, int]:
        if not self._store.events:
            return 0, 0
        return min(self._store.events), max(self._store.events)

    async def prune(self, before: datetime, limit: int) -> int:
        newest = max(self._store.events, default=0)
        old = [
            number
            for number, event in sorted(self._store.events.items())
            if event.created_at < before and number != newest
        ][:limit]
        for number in old:
            del self._store.events[number]
        return len(old)
