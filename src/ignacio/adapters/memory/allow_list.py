"""AllowList in memory: one entry per phone number and workspace."""

from __future__ import annotations

from uuid import UUID

from ignacio.adapters.memory.queries import paginate
from ignacio.adapters.memory.store import InMemoryStore
from ignacio.domain import AllowedNumber, Conflict, NotFound, Page, PageRequest, PhoneNumber


class InMemoryAllowList:
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    async def add(self, entry: AllowedNumber) -> None:
        for other in self._store.allow_list.values():
            if other.id == entry.id or (
                other.workspace_id == entry.workspace_id and other.phone == entry.phone
            ):
                raise Conflict("This number is already on this workspace's allow-list.")
        if entry.workspace_id not in self._store.workspaces:
            raise NotFound("There is no such workspace.")
        self._store.allow_list[entry.id] = entry

    async def get(self, workspace_id: UUID, entry_id: UUID) -> AllowedNumber | None:
        entry = self._store.allow_list.get(entry_id)
        return entry if entry is not None and entry.workspace_id == workspace_id else None

    async def contains(self, workspace_id: UUID, phone: PhoneNumber) -> bool:
        return any(
            entry.workspace_id == workspace_id and entry.phone == phone
            for entry in self._store.allow_list.values()
        )

    async def remove(self, workspace_id: UUID, entry_id: UUID) -> bool:
        if await self.get(workspace_id, entry_id) is None:
            return False
        del self._store.allow_list[entry_id]
        return True

    async def list(self, workspace_id: UUID, page: PageRequest) -> Page[AllowedNumber]:
        entries = [e for e in self._store.allow_list.values() if e.workspace_id == workspace_id]
        return paginate(entries, lambda entry: entry.created_at, page)
