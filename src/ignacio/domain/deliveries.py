"""Outgoing messages on their way to a person, one part at a time."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec

from ignacio.domain.conversations import DeliveryStatus

_PROGRESS = {
    DeliveryStatus.PENDING: 0,
    DeliveryStatus.SENT: 1,
    DeliveryStatus.DELIVERED: 2,
    DeliveryStatus.READ: 3,
}


class Delivery(msgspec.Struct, frozen=True, kw_only=True):
    """One part of an outgoing message (long answers are split) and what became of it.

    `sending` is set just before the provider is called: a part found `sending` after a crash may
    or may not have gone out, and is never sent again, so nobody receives an answer twice.
    """

    id: UUID
    message_id: UUID
    part: int
    content: str
    status: DeliveryStatus = DeliveryStatus.PENDING
    sending: bool = False
    external_id: str | None = None
    attempts: int = 0
    error_code: int | None = None
    error_title: str | None = None
    created_at: datetime
    updated_at: datetime


def advanced(current: DeliveryStatus, reported: DeliveryStatus) -> DeliveryStatus:
    """The status after a report: statuses only move forward (a late `delivered` after `read` is
    ignored), and `failed` is final."""
    if current is DeliveryStatus.FAILED:
        return current
    if reported is DeliveryStatus.FAILED:
        return reported
    if _PROGRESS.get(reported, -1) > _PROGRESS.get(current, -1):
        return reported
    return current


def overall(statuses: list[DeliveryStatus]) -> DeliveryStatus:
    """A message's status from its parts': failed if any failed, else the least advanced."""
    if not statuses:
        return DeliveryStatus.PENDING
    if DeliveryStatus.FAILED in statuses:
        return DeliveryStatus.FAILED
    return min(statuses, key=lambda status: _PROGRESS.get(status, 0))
