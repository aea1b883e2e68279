"""DrainWebhookInbox: store what acknowledged webhook deliveries carry, oldest first."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from ignacio.application.ports import WebhookInbox, WebhookParser
from ignacio.application.use_cases.receive_webhook import ReceiveWebhook
from ignacio.domain import WebhookProvider

# Standard logging: the core takes no logging framework; the entrypoint renders these with structlog.
log = logging.getLogger(__name__)

RETRY_SECONDS = 5.0


class DrainWebhookInbox:
    """Claim deliveries from the inbox a batch at a time, store each (ReceiveWebhook: messages
    de-duplicated, answers queued), and forget it; until the inbox is empty.

    A delivery that fails is kept for a later drain, `RETRY_SECONDS` on (returned, for the job
    queue); after `max_attempts` failures it is set aside with its last error, logged, and no
    longer blocks anything. Storing twice is harmless, so a drain cut short (a killed process)
    is simply done again.
    """

    def __init__(
        self,
        inbox: WebhookInbox,
        parsers: Mapping[WebhookProvider, WebhookParser],
        receive: ReceiveWebhook,
        *,
        batch_size: int = 20,
        max_attempts: int = 5,
    ) -> None:
        self._inbox = inbox
        self._parsers = parsers
        self._receive = receive
        self._batch_size = batch_size
        self._max_attempts = max_attempts

    async def __call__(self) -> float | None:
        """Drain; returns None once the inbox is empty, or seconds to wait before draining again
        when a delivery failed."""
        while True:
            async with self._inbox.claim(
                self._batch_size, max_attempts=self._max_attempts
            ) as batch:
                if not batch.deliveries:
                    return None
                failures = 0
                for delivery in batch.deliveries:
                    try:
                        parsed = self._parsers[delivery.provider].parse(
                            delivery.body, delivery.received_at
                        )
                        await self._receive(parsed)
                    except Exception as error:
                        failures += 1
                        attempts = delivery.attempts + 1
                        set_aside = attempts >= self._max_attempts
                        log.log(
                            logging.ERROR if set_aside else logging.WARNING,
                            "webhook delivery set aside after failing"
                            if set_aside
                            else "webhook delivery not stored yet; retrying",
                            exc_info=True,
                            extra={"delivery_id": str(delivery.id), "attempts": attempts},
                        )
                        await batch.failed(delivery.id, f"{type(error).__name__}: {error}"[:2000])
                    else:
                        await batch.done(delivery.id)
            if failures:
                return RETRY_SECONDS
