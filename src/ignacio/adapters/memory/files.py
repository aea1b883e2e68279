"""FileRepository in memory, ordered and constrained as the SQL one is."""

from __future__ import annotations

import builtins
from datetime import datetime
from uuid import UUID

import msgspec

from ignacio.adapters.memory.queries import paginate
from ignacio.adapters.memory.store import InMemoryStore
from ignacio.domain import Conflict, NotFound, Page, PageRequest
from ignacio.domain.knowledge import Shelf, SyncStatus, UserFile


class InMemoryFileRepository:
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    async def add(self, file: UserFile) -> None:
        if file.id in self._store.files:
            raise Conflict("This file is already stored.")
        self._check(file)
        self._store.files[file.id] = file

    async def get(self, workspace_id: UUID, file_id: UUID) -> UserFile | None:
        file = self._store.files.get(file_id)
        return file if file is not None and file.workspace_id == workspace_id else None

    async def find(self, file_id: UUID) -> UserFile | None:
        return self._store.files.get(file_id)

    async def update(self, file: UserFile) -> None:
        stored = self._store.files.get(file.id)
        if stored is None:
            raise NotFound("There is no such file.")
        # As the SQL update, which never writes these columns: it stays in its workspace, and
        # with its person (only a merge moves it).
        file = msgspec.structs.replace(
            file, workspace_id=stored.workspace_id, user_id=stored.user_id
        )
        self._check(file)
        self._store.files[file.id] = file

    async def delete(self, workspace_id: UUID, file_id: UUID) -> None:
        if await self.get(workspace_id, file_id) is not None:
            del self._store.files[file_id]

    async def list(
        self,
        workspace_id: UUID,
        page: PageRequest,
        *,
        user_id: UUID | None = None,
        shelf: Shelf | None = None,
    ) -> Page[UserFile]:
        files = [
            f
            for f in self._store.files.values()
            if f.workspace_id == workspace_id
            and (user_id is None or f.user_id == user_id)
            and (shelf is None or f.shelf is shelf)
        ]
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
        if file.user_id is not None and file.user_id not in store.users:
            raise NotFound("There is no such user.")
        if file.uploaded_by is not None and file.uploaded_by not in store.users:
            raise NotFound("There is no such user.")
        if file.conversation_id is not None and file.conversation_id not in store.conversations:
            raise NotFound("There is no such conversation.")
        if file.message_id is not None and file.message_id not in store.messages:
            raise NotFound("There is no such message.")
