"""WorkspaceRepository port: the organisations the assistants speak for."""

from __future__ import annotations

import builtins
from typing import Protocol
from uuid import UUID

from ignacio.domain import Page, PageRequest
from ignacio.domain.workspaces import Joined, Workspace


class WorkspaceRepository(Protocol):
    async def add(self, workspace: Workspace) -> None:
        """Store a new workspace; raises Conflict if its short name (`slug`) is taken."""
        ...

    async def get(self, workspace_id: UUID) -> Workspace | None:
        """The workspace with this id, or None."""
        ...

    async def get_by_slug(self, slug: str) -> Workspace | None:
        """The workspace with this short name, or None."""
        ...

    async def update(self, workspace: Workspace) -> None:
        """Replace the stored workspace with this one (same id); NotFound if it is gone."""
        ...

    async def list(self, page: PageRequest) -> Page[Workspace]:
        """Every workspace, by creation time, then id."""
        ...

    async def of_user(self, user_id: UUID) -> builtins.list[Joined]:
        """The workspaces this person belongs to, oldest first, each with their role there (one
        read: every request resolves its workspace from it)."""
        ...
