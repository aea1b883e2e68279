"""AllowList port: the numbers admins let talk to Ignacio when access is `whitelist`."""

from __future__ import annotations

from typing import Protocol
from uuid import UUID

from ignacio.domain import AllowedNumber, Page, PageRequest, PhoneNumber


class AllowList(Protocol):
    async def add(self, entry: AllowedNumber) -> None:
        """Put a number on the list; raises Conflict if it is already there."""
        ...

    async def get(self, entry_id: UUID) -> AllowedNumber | None:
        """The entry with this id, or None."""
        ...

    async def contains(self, phone: PhoneNumber) -> bool:
        """Whether this number is on the list."""
        ...

    async def remove(self, entry_id: UUID) -> bool:
        """Take the entry off the list; False if there was no such entry."""
        ...

    async def list(self, page: PageRequest) -> Page[AllowedNumber]:
        """Entries by the time they were added."""
        ...
