"""RecordDeliveryUpdate: the provider tells us what became of a message we sent."""

from __future__ import annotations

import logging

from ignacio.application.events import delivery_settled
from ignacio.application.ports import Clock, UnitOfWorkFactory
from ignacio.domain import DeliveryStatus, DeliveryUpdate
from ignacio.domain.deliveries import settled

# Standard logging: the core takes no logging framework; the entrypoint renders these with structlog.
log = logging.getLogger(__name__)


class RecordDeliveryUpdate:
    """Move a sent part, and its message, forward: sent, delivered, read, or failed with the reason.

    - Statuses never move backwards (Meta may report `delivered` after `read`); failed is final.
    - Updates for messages we do not know (sent by another system on the same number) are ignored.
    """

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, update: DeliveryUpdate) -> bool:
        async with self._uow() as uow:
            delivery = await uow.deliveries.get_by_external_id(update.external_id)
            if delivery is None:
                log.info(
                    "status for an unknown message ignored",
                    extra={"external_id": update.external_id},
                )
                return False
            now = self._clock.now()
            reported = delivery.reported(update, now)
            if reported is delivery:
                return False
            delivery = reported
            await uow.deliveries.update(delivery)
            parts = await uow.deliveries.for_message(delivery.message_id)
            message = await uow.messages.get(delivery.message_id)
            if message is not None:
                after = settled(message, parts)
                await uow.messages.update(after)
                await delivery_settled(uow, message, after, now)
            await uow.commit()
        if delivery.status is DeliveryStatus.FAILED:
            log.warning(
                "delivery failed",
                extra={
                    "message_id": str(delivery.message_id),
                    "error_code": update.error_code,
                    "error_title": update.error_title,
                },
            )
        return True
