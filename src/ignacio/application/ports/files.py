"""FileRepository port: the metadata of members' files (`user_files`)."""

from __future__ import annotations

import builtins
from datetime import datetime
from typing import Protocol
from uuid import UUID

from ignacio.domain import Page, PageRequest
from ignacio.domain.knowledge import UserFile


class FileRepository(Protocol):
    async def add(self, file: UserFile) -> None:
        """Store a new file's metadata."""
        ...

    async def get(self, file_id: UUID) -> UserFile | None:
        """The file with this id, or None."""
        ...

    async def update(self, file: UserFile) -> None:
        """Replace the stored metadata with this one (same id); NotFound if it is gone."""
        ...

    async def delete(self, file_id: UUID) -> None:
        """Forget the file; nothing happens if it is gone already."""
        ...

    async def list(self, page: PageRequest, *, user_id: UUID | None = None) -> Page[UserFile]:
        """Files by `created_at`, then id; only the member's when `user_id` is given."""
        ...

    async def needing_sync(
        self, limit: int, *, uploaded_before: datetime | None
    ) -> builtins.list[UUID]:
        """Files whose sync is not done: `pending` and `expired`, and `synced` ones with a remote
        copy uploaded before `uploaded_before` (the remote index's retention is about to drop
        them; None: no copy lapses), oldest first."""
        ...
