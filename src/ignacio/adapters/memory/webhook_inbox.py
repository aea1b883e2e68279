"""The WebhookInbox in memory: for tests and the memory set (nothing survives the process)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from uuid import UUID

import msgspec

from ignacio.adapters.memory.queries import paginate
from ignacio.application.ports import CollectedInboxBatch
from ignacio.domain import InboxDelivery, Page, PageRequest, SetAsideDelivery


class InMemoryWebhookInbox:
    def __init__(self) -> None:
        self._kept: dict[UUID, InboxDelivery] = {}
        self._claimed: set[UUID] = set()
        self._set_aside: dict[UUID, SetAsideDelivery] = {}
        self.last_errors: dict[UUID, str] = {}

    async def add(self, delivery: InboxDelivery) -> None:
        self._kept[delivery.id] = delivery

    @asynccontextmanager
    async def claim(self, limit: int) -> AsyncIterator[CollectedInboxBatch]:
        waiting = sorted(
            (
                delivery
                for delivery in self._kept.values()
                if delivery.id not in self._claimed and delivery.id not in self._set_aside
            ),
            key=lambda delivery: (delivery.received_at, delivery.id),
        )[:limit]
        batch = CollectedInboxBatch(waiting)
        self._claimed.update(delivery.id for delivery in waiting)
        try:
            yield batch
        finally:
            self._claimed.difference_update(delivery.id for delivery in waiting)
            for delivery_id in batch.finished:
                self._kept.pop(delivery_id, None)
            for delivery_id, error in batch.errors.items():
                kept = self._kept.get(delivery_id)
                if kept is not None and delivery_id not in batch.finished:
                    self._kept[delivery_id] = msgspec.structs.replace(
                        kept, attempts=kept.attempts + 1
                    )
                    self.last_errors[delivery_id] = error
            for delivery_id, (aside, sealed_body) in batch.set_aside_ones.items():
                kept = self._kept.get(delivery_id)
                if kept is not None and delivery_id not in batch.finished:
                    self._kept[delivery_id] = msgspec.structs.replace(
                        kept, body=sealed_body, attempts=aside.attempts
                    )
                    self._set_aside[delivery_id] = aside
                    self.last_errors[delivery_id] = aside.last_error

    async def waiting(self) -> int:
        return len(self._kept)

    async def list_set_aside(self, page: PageRequest) -> Page[SetAsideDelivery]:
        return paginate(self._set_aside.values(), lambda aside: aside.set_aside_at, page)

    def body_of(self, delivery_id: UUID) -> bytes | None:
        """The body kept for the delivery (sealed once set aside), for tests."""
        kept = self._kept.get(delivery_id)
        return None if kept is None else kept.body
