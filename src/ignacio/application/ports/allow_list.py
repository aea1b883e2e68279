"""AllowList port: the numbers admins let talk to Ignacio when access is `whitelist`."""

from __future__ import annotations

from typing import Protocol
from uuid import UUID

from ignacio.domain import AllowedNumber, Page, PageRequest, PhoneNumber


class AllowList(Protocol):
    """Each workspace's list; every method but `add` (which takes the entry's workspace) names
    the workspace it acts in, and an entry of another workspace is not there."""

    async def add(self, entry: AllowedNumber) -> None:
        """Put a number on its workspace's list; raises Conflict if it is already there."""
        ...

    async def get(self, workspace_id: UUID, entry_id: UUID) -> AllowedNumber | None:
        """The entry with this id on this workspace's list, or None."""
        ...

    async def contains(self, workspace_id: UUID, phone: PhoneNumber) -> bool:
        """Whether this number is on this workspace's list."""
        ...

    async def remove(self, workspace_id: UUID, entry_id: UUID) -> bool:
        """Take the entry off this workspace's list; False if there was no such entry on it."""
        ...

    async def list(self, workspace_id: UUID, page: PageRequest) -> Page[AllowedNumber]:
        """This workspace's entries by the time they were added."""
        ...
