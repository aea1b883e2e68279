"""WebhookInbox port: where a webhook delivery waits, durably, between its 200 and its storing."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Protocol
from uuid import UUID

import msgspec

from ignacio.domain import InboxDelivery, Page, PageRequest, SetAsideDelivery, WebhookBatch


class InboxBatch(Protocol):
    """Deliveries claimed from the inbox, oldest first; nobody else is handed them meanwhile."""

    deliveries: list[InboxDelivery]

    async def done(self, delivery_id: UUID) -> None:
        """Everything in the delivery is stored: forget it (for good once the batch ends)."""
        ...

    async def failed(self, delivery_id: UUID, error: str) -> None:
        """Storing the delivery failed: keep it for a later try, counting the attempt and
        keeping `error` for whoever looks into it."""
        ...

    async def set_aside(self, delivery: SetAsideDelivery, sealed_body: bytes) -> None:
        """Storing the delivery failed for the last time: claims no longer hand it out, admins
        see it as `delivery` tells, and its body is replaced by `sealed_body` (the body sealed:
        no plaintext phone number stays at rest)."""
        ...


class CollectedInboxBatch:
    """An InboxBatch that collects what was done and what failed, for the inbox to settle when
    the claim ends (in one go, rather than a round trip per delivery)."""

    def __init__(self, deliveries: list[InboxDelivery]) -> None:
        self.deliveries = deliveries
        self.finished: set[UUID] = set()
        self.errors: dict[UUID, str] = {}
        self.set_aside_ones: dict[UUID, tuple[SetAsideDelivery, bytes]] = {}

    async def done(self, delivery_id: UUID) -> None:
        self.finished.add(delivery_id)

    async def failed(self, delivery_id: UUID, error: str) -> None:
        self.errors[delivery_id] = error

    async def set_aside(self, delivery: SetAsideDelivery, sealed_body: bytes) -> None:
        self.set_aside_ones[delivery.id] = (delivery, sealed_body)


class WebhookInbox(Protocol):
    async def add(self, delivery: InboxDelivery) -> None:
        """Keep the delivery; it is durable when this returns (acknowledge only then)."""
        ...

    def claim(self, limit: int) -> AbstractAsyncContextManager[InboxBatch]:
        """Up to `limit` waiting deliveries, oldest first, skipping those set aside and those
        another claim holds.

        What the batch did not mark `done` is handed out again by a later claim, also when the
        process dies inside the `async with`; so storing a delivery must be idempotent (it is:
        messages are de-duplicated by the provider's id).
        """
        ...

    async def waiting(self) -> int:
        """How many deliveries are kept and not done (set-aside ones included)."""
        ...

    async def list_set_aside(self, page: PageRequest) -> Page[SetAsideDelivery]:
        """The deliveries set aside, by when they were set aside."""
        ...


class DeliveryItems(msgspec.Struct, frozen=True, kw_only=True):
    """How many messages, status updates and reports on a number's link (a gateway's) a
    delivery carries, as sent (before each is read: an item that turns out unreadable is still
    counted)."""

    messages: int
    updates: int
    connections: int = 0

    @property
    def empty(self) -> bool:
        return not (self.messages or self.updates or self.connections)


class WebhookParser(Protocol):
    """One provider's delivery bodies."""

    def count(self, body: bytes) -> DeliveryItems:
        """What the body carries, cheaply (it runs before the 200); raises InvalidInput for a
        body that is not in the provider's format."""
        ...

    def parse(self, body: bytes, received_at: datetime) -> WebhookBatch:
        """The messages and statuses in the body, in order, the rest ignored with a reason;
        raises InvalidInput as `count` does."""
        ...
