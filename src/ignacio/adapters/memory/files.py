"""FileRepository in memory, ordered and constrained as the SQL one is."""

from __future__ import annotations

import builtins
from datetime import datetime
from uuid import UUID

from ignacio.adapters.memory.queries import paginate
from ignacio.adapters.memory.store import InMemoryStore
from ignacio.domain import Conflict, NotFound, Page, PageRequest
from ignacio.domain.knowledge import SyncStatus, UserFile


class InMemoryFileRepository:
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    async def add(self, file: UserFile) -> None:
        if file.id in self._store.files:
            raise Conflict("This file is already stored.")
        self._check(file)
        self._store.files[file.id] = file

    async def get(self, file_id: UUID) -> UserFile | None:
        return self._store.files.get(file_id)

    async def update(self, file: UserFile) -> None:
        if file.id not in self._store.files:
            raise NotFound("There is no such file.")
        self._check(file)
        self._store.files[file.id] = file

    async def delete(self, file_id: UUID) -> None:
        self._store.files.pop(file_id, None)

    async def list(self, page: PageRequest, *, user_id: UUID | None = None) -> Page[UserFile]:
        files = [f for f in self._store.files.values() if user_id is None or f.user_id == user_id]
        return paginate(files, lambda file: file.created_at, page)

    async def needing_sync(
        self, limit: int, *, uploaded_before: datetime | None
    ) -> builtins.list[UUID]:
        def due(file: UserFile) -> bool:
            if file.sync_status in (SyncStatus.PENDING, SyncStatus.EXPIRED):
                return True
            return (
                file.sync_status is SyncStatus.SYNCED
                and uploaded_before is not None
                and file.remote_uploaded_at is not None
                and file.remote_uploaded_at < uploaded_before
            )

        chosen = sorted(
            (file for file in self._store.files.values() if due(file)),
            key=lambda file: (file.created_at, file.id),
        )
        return [file.id for file in chosen[: max(limit, 0)]]

    def _check(self, file: UserFile) -> None:
        store = self._store
        if file.workspace_id not in store.workspaces:
            raise NotFound("There is no such workspace.")
        if file.user_id not in store.users:
            raise NotFound("There is no such user.")
        if file.conversation_id is not None and file.conversation_id not in store.conversations:
            raise NotFound("There is no such conversation.")
        if file.message_id is not None and file.message_id not in store.messages:
            raise NotFound("There is no such message.")
