"""ChannelRepository in memory: an address belongs to one workspace, as the SQL key keeps it."""

from __future__ import annotations

import builtins
from uuid import UUID

import msgspec

from ignacio.adapters.memory.store import InMemoryStore
from ignacio.domain import Conflict, NotFound, Provider
from ignacio.domain.channels import Connection, WorkspaceChannel

ADDRESS_TAKEN = "A workspace already has this number."


class InMemoryChannelRepository:
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    async def add(self, channel: WorkspaceChannel) -> None:
        for other in self._store.channels.values():
            if other.id == channel.id or (
                other.provider == channel.provider and other.address == channel.address
            ):
                raise Conflict(ADDRESS_TAKEN)
        if channel.workspace_id not in self._store.workspaces:
            raise NotFound("There is no such workspace.")  # as SQL's foreign key says
        self._store.channels[channel.id] = channel

    async def lock(self, workspace_id: UUID) -> builtins.list[WorkspaceChannel]:
        # The store's lock already makes units of work serial: nothing more to hold.
        return await self.list(workspace_id)

    async def list(self, workspace_id: UUID) -> builtins.list[WorkspaceChannel]:
        channels = [c for c in self._store.channels.values() if c.workspace_id == workspace_id]
        return sorted(channels, key=lambda c: (c.created_at, c.id))

    async def get(self, workspace_id: UUID, channel_id: UUID) -> WorkspaceChannel | None:
        channel = self._store.channels.get(channel_id)
        return channel if channel is not None and channel.workspace_id == workspace_id else None

    async def find(self, provider: Provider, address: str) -> WorkspaceChannel | None:
        return next(
            (
                c
                for c in self._store.channels.values()
                if c.provider == provider and c.address == address
            ),
            None,
        )

    async def of_provider(self, provider: Provider) -> builtins.list[WorkspaceChannel]:
        channels = [c for c in self._store.channels.values() if c.provider == provider]
        return sorted(channels, key=lambda c: (c.created_at, c.id))

    async def remove(self, workspace_id: UUID, channel_id: UUID) -> bool:
        if await self.get(workspace_id, channel_id) is None:
            return False
        del self._store.channels[channel_id]
        return True

    async def set_connection(
        self, workspace_id: UUID, channel_id: UUID, connection: Connection | None
    ) -> bool:
        channel = await self.get(workspace_id, channel_id)
        if channel is None:
            return False
        self._store.channels[channel_id] = msgspec.structs.replace(channel, connection=connection)
        return True
