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

    async def get(self, entry_id: UUID) -> AllowedNumber | None:
        return self._store.allow_list.get(entry_id)

    async def contains(self, phone: PhoneNumber) -> bool:
        return any(entry.phone == phone for entry in self._store.allow_list.values())

    async def remove(self, entry_id: UUID) -> bool:
        return self._store.allow_list.pop(entry_id, None) is not None

    async def list(self, page: PageRequest) -> Page[AllowedNumber]:
        return paginate(self._store.allow_list.values(), lambda entry: entry.created_at, page)
