"""ChannelRepository port: each workspace's WhatsApp numbers, and which workspace a number is."""

from __future__ import annotations

import builtins
from typing import Protocol
from uuid import UUID

from ignacio.domain import Provider
from ignacio.domain.channels import Connection, WorkspaceChannel


class ChannelRepository(Protocol):
    """Every method but `find` names the workspace it acts in; a number of another workspace
    is not there. `find` is the webhooks' routing, which has no workspace yet."""

    async def add(self, channel: WorkspaceChannel) -> None:
        """Store a new number; raises Conflict if a workspace (this one or another) already has
        this provider's `address`, NotFound if its workspace does not exist."""
        ...

    async def lock(self, workspace_id: UUID) -> builtins.list[WorkspaceChannel]:
        """The workspace's numbers, oldest first, locked until the unit of work ends: two adds
        that each see one free place cannot both take it."""
        ...

    async def list(self, workspace_id: UUID) -> builtins.list[WorkspaceChannel]:
        """The workspace's numbers, oldest first (a handful at most: no pages)."""
        ...

    async def get(self, workspace_id: UUID, channel_id: UUID) -> WorkspaceChannel | None:
        """The workspace's number with this id, or None."""
        ...

    async def find(self, provider: Provider, address: str) -> WorkspaceChannel | None:
        """The number a provider names `address` in its webhooks, whichever workspace has it."""
        ...

    async def set_connection(
        self, workspace_id: UUID, channel_id: UUID, connection: Connection | None
    ) -> bool:
        """Store where the number's link to WhatsApp stands now; False if the workspace has no
        such number. Read the number under `lock` first: two reports about one number must not
        both decide from what was there before either."""
        ...

    async def of_provider(self, provider: Provider) -> builtins.list[WorkspaceChannel]:
        """Every workspace's numbers on this provider, oldest first (the watch over the
        gateway's links, which has no workspace)."""
        ...

    async def remove(self, workspace_id: UUID, channel_id: UUID) -> bool:
        """Forget the workspace's number; False if it had no such number."""
        ...
