"""FileRepository port: the metadata of members' files (`user_files`)."""

from __future__ import annotations

import builtins
from datetime import datetime
from typing import Protocol
from uuid import UUID

from ignacio.domain import Page, PageRequest
from ignacio.domain.knowledge import Shelf, UserFile


class FileRepository(Protocol):
    """Files' metadata. What a caller reads or deletes (`get`, `list`, `delete`) is within one
    workspace. `find` and `needing_sync` serve the sync jobs and the operator's resync, which
    reach a file by the id our own queue carries (a UUID no caller chooses): those are
    unscoped."""

    async def add(self, file: UserFile) -> None:
        """Store a new file's metadata."""
        ...

    async def get(self, workspace_id: UUID, file_id: UUID) -> UserFile | None:
        """The file with this id in this workspace, or None (also when it is in another)."""
        ...

    async def find(self, file_id: UUID) -> UserFile | None:
        """The file with this id in whichever workspace: for the sync jobs only, which hold an
        id from our own queue."""
        ...

    async def update(self, file: UserFile) -> None:
        """Replace the stored metadata with this one (same id); NotFound if it is gone. It stays
        in the workspace it was added to."""
        ...

    async def delete(self, workspace_id: UUID, file_id: UUID) -> None:
        """Forget the file if it is in this workspace; nothing happens if it is gone already
        (or in another workspace)."""
        ...

    async def list(
        self,
        workspace_id: UUID,
        page: PageRequest,
        *,
        user_id: UUID | None = None,
        shelf: Shelf | None = None,
    ) -> Page[UserFile]:
        """The workspace's files by `created_at`, then id: only the member's when `user_id` is
        given; only the members' files, or only the knowledge base, when `shelf` is given."""
        ...

    async def needing_sync(
        self, limit: int, *, uploaded_before: datetime | None
    ) -> builtins.list[UUID]:
        """Files whose sync is not done: `pending` and `expired`, and `synced` ones with a remote
        copy uploaded before `uploaded_before` (the remote index's retention is about to drop
        them; None: no copy lapses), oldest first."""
        ...
