"""DeliveryRepository in memory: a part is claimed with no await between test and write."""

from __future__ import annotations

import builtins
from uuid import UUID

import msgspec

from ignacio.adapters.memory.queries import paginate
from ignacio.adapters.memory.store import InMemoryStore
from ignacio.domain import Conflict, Delivery, DeliveryStatus, NotFound, Page, PageRequest


class InMemoryDeliveryRepository:
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    async def add(self, delivery: Delivery) -> None:
        if delivery.id in self._store.deliveries:
            raise Conflict("A part with this id already exists.")
        self._check(delivery)
        self._store.deliveries[delivery.id] = delivery

    async def for_message(self, message_id: UUID) -> builtins.list[Delivery]:
        parts = [d for d in self._store.deliveries.values() if d.message_id == message_id]
        return sorted(parts, key=lambda d: d.part)

    async def get_by_external_id(self, external_id: str) -> Delivery | None:
        return next(
            (d for d in self._store.deliveries.values() if d.external_id == external_id), None
        )

    async def claim(self, delivery_id: UUID) -> bool:
        # No await between the test and the write: atomic on the event loop.
        delivery = self._store.deliveries.get(delivery_id)
        if delivery is None or delivery.status is not DeliveryStatus.PENDING or delivery.sending:
            return False
        self._store.deliveries[delivery_id] = msgspec.structs.replace(
            delivery, sending=True, attempts=delivery.attempts + 1
        )
        return True

    async def update(self, delivery: Delivery) -> None:
        stored = self._store.deliveries.get(delivery.id)
        if stored is None:
            raise NotFound("There is no such part of a message.")
        # As the SQL update, which never writes the column: it stays in its workspace.
        delivery = msgspec.structs.replace(delivery, workspace_id=stored.workspace_id)
        self._check(delivery)
        self._store.deliveries[delivery.id] = delivery

    async def list_failed(self, workspace_id: UUID, page: PageRequest) -> Page[Delivery]:
        failed = [
            d
            for d in self._store.deliveries.values()
            if d.workspace_id == workspace_id and d.status is DeliveryStatus.FAILED
        ]
        return paginate(failed, lambda delivery: delivery.updated_at, page)

    def _check(self, delivery: Delivery) -> None:
        for other in self._store.deliveries.values():
            if other.id == delivery.id:
                continue
            if other.message_id == delivery.message_id and other.part == delivery.part:
                raise Conflict("The message already has this part.")
            if delivery.external_id is not None and other.external_id == delivery.external_id:
                raise Conflict("A part with this provider id already exists.")
        if delivery.workspace_id not in self._store.workspaces:
            raise NotFound("There is no such workspace.")
        if delivery.message_id not in self._store.messages:
            raise NotFound("There is no such message.")
