"""DeliveryRepository port: the parts of outgoing messages and what became of each."""

from __future__ import annotations

import builtins
from typing import Protocol
from uuid import UUID

from ignacio.domain import Page, PageRequest
from ignacio.domain.deliveries import Delivery


class DeliveryRepository(Protocol):
    """The parts of outgoing messages. Admins read them within one workspace (`list_failed`);
    the rest serves our own pipeline, which finds a part by its message (from our job queue)
    or by the provider's id in a signed status report: those stay unscoped."""

    async def add(self, delivery: Delivery) -> None:
        """Store a new part; raises Conflict if the message already has this part number."""
        ...

    async def for_message(self, message_id: UUID) -> builtins.list[Delivery]:
        """The parts of a message, in order."""
        ...

    async def get_by_external_id(self, external_id: str) -> Delivery | None:
        """The part the provider knows by this id, or None."""
        ...

    async def claim(self, delivery_id: UUID) -> bool:
        """Atomically mark a pending part `sending` and count the attempt; False if it was not pending or already claimed."""
        ...

    async def update(self, delivery: Delivery) -> None:
        """Replace the stored part with this one (same id); it stays in its workspace."""
        ...

    async def list_failed(self, workspace_id: UUID, page: PageRequest) -> Page[Delivery]:
        """The workspace's failed parts by when they were last updated."""
        ...
