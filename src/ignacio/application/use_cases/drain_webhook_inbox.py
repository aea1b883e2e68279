"""DrainWebhookInbox: store what acknowledged webhook deliveries carry, oldest first."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping

from ignacio.application.ports import Clock, InboxBatch, Sealer, WebhookInbox, WebhookParser
from ignacio.application.use_cases.receive_webhook import ReceiveWebhook
from ignacio.domain import InboxDelivery, Provider, Sender, WebhookBatch, without_nul
from ignacio.domain.channels import UnknownRecipient

# Standard logging: the core takes no logging framework; the entrypoint renders these with structlog.
log = logging.getLogger(__name__)

RETRY_SECONDS = 5.0


class DrainWebhookInbox:
    """Claim deliveries from the inbox a batch at a time, store each (ReceiveWebhook: messages
    de-duplicated, answers queued), and forget it; until the inbox is empty.

    - Deliveries are stored `concurrency` at a time, in lanes: one lane per sender (per message,
      for status updates; per number, for reports on its link), each lane in the order the deliveries arrived. Storing one takes a
      dozen round trips to the database, so one at a time would drain far slower than a burst
      fills the inbox; lanes keep each person's messages in order.
    - A delivery that fails is kept for a later drain, `RETRY_SECONDS` on (returned, for the job
      queue); after `max_attempts` failures it is set aside with its last error, logged, and no
      longer blocks anything. Storing twice is harmless, so a drain cut short (a killed process)
      is simply done again. A delivery for a number no workspace has is set aside at once:
      trying again would not give the number a workspace.
    - A set-aside delivery keeps no plaintext phone number: its body is sealed (an operator
      with the key can replay it), and admins see when it came, from which provider, from whom
      (masked), and the first line of its last error (the rest of a database error repeats the
      statement's parameters, which may hold what the person wrote).
    """

    def __init__(
        self,
        inbox: WebhookInbox,
        parsers: Mapping[Provider, WebhookParser],
        receive: ReceiveWebhook,
        sealer: Sealer,
        clock: Clock,
        *,
        batch_size: int = 64,
        concurrency: int = 8,
        max_attempts: int = 5,
    ) -> None:
        self._inbox = inbox
        self._parsers = parsers
        self._receive = receive
        self._sealer = sealer
        self._clock = clock
        self._batch_size = batch_size
        self._concurrency = concurrency
        self._max_attempts = max_attempts

    async def __call__(self) -> float | None:
        """Drain; returns None once the inbox is empty, or seconds to wait before draining again
        when a delivery failed."""
        while True:
            async with self._inbox.claim(self._batch_size) as batch:
                if not batch.deliveries:
                    return None
                failures = await self._store(batch)
            if failures:
                return RETRY_SECONDS

    async def _store(self, batch: InboxBatch) -> int:
        lanes: dict[str, list[tuple[InboxDelivery, WebhookBatch | Exception]]] = {}
        for delivery in batch.deliveries:
            try:
                parsed: WebhookBatch | Exception = self._parsers[delivery.provider].parse(
                    delivery.body, delivery.received_at
                )
            except Exception as error:
                parsed = error
            lanes.setdefault(_lane(delivery, parsed), []).append((delivery, parsed))
        slots = asyncio.Semaphore(self._concurrency)
        failures = 0

        async def run(lane: list[tuple[InboxDelivery, WebhookBatch | Exception]]) -> None:
            nonlocal failures
            async with slots:
                for delivery, parsed in lane:
                    try:
                        if isinstance(parsed, Exception):
                            raise parsed
                        await self._receive(parsed)
                    except Exception as error:
                        failures += 1
                        await self._failed(batch, delivery, parsed, error)
                    else:
                        await batch.done(delivery.id)

        # A notice that someone's number or id changed goes before everything else in the
        # batch: the messages from their new number, in another lane, must find them.
        first = [lane for lane in lanes.values() if _changes_identity(lane)]
        for lane in first:
            await run(lane)
        await asyncio.gather(*(run(lane) for lane in lanes.values() if lane not in first))
        return failures

    async def _failed(
        self,
        batch: InboxBatch,
        delivery: InboxDelivery,
        parsed: WebhookBatch | Exception,
        error: Exception,
    ) -> None:
        attempts = delivery.attempts + 1
        if isinstance(error, UnknownRecipient):
            log.warning(
                "webhook delivery for a number no workspace has; set aside",
                extra={
                    "delivery_id": str(delivery.id),
                    "provider": error.provider.value,
                    "recipient": error.recipient,
                },
            )
            set_aside = True
        else:
            set_aside = attempts >= self._max_attempts
            log.log(
                logging.ERROR if set_aside else logging.WARNING,
                "webhook delivery set aside after failing"
                if set_aside
                else "webhook delivery not stored yet; retrying",
                exc_info=error,
                extra={"delivery_id": str(delivery.id), "attempts": attempts},
            )
        summary = _summary(error)
        if not set_aside:
            await batch.failed(delivery.id, summary)
            return
        sender = _sender(parsed) if isinstance(parsed, WebhookBatch) else None
        await batch.set_aside(
            delivery.set_aside(error=summary, sender=sender, at=self._clock.now()),
            self._sealer.seal(delivery.body),
        )


def _summary(error: Exception) -> str:
    """The error's kind and the first line of its message, for admins to read."""
    first_line = (str(error).strip().splitlines() or [""])[0]
    return without_nul(f"{type(error).__name__}: {first_line}".rstrip(": "))[:500]


def _sender(batch: WebhookBatch) -> Sender | None:
    """Who sent what the delivery carries: its first message's sender, or its first edit's or
    deletion's, or, in a notice that their number or id changed, who they were until then."""
    first = batch.messages[0] if batch.messages else next(iter(batch.revisions), None)
    if first is not None:
        return first.sender
    return batch.identity_changes[0].who if batch.identity_changes else None


def _changes_identity(lane: list[tuple[InboxDelivery, WebhookBatch | Exception]]) -> bool:
    return any(isinstance(parsed, WebhookBatch) and parsed.identity_changes for _, parsed in lane)


def _lane(delivery: InboxDelivery, parsed: WebhookBatch | Exception) -> str:
    """Deliveries in one lane are stored in order: a person's messages (with their edits and
    deletions, which come after what they change), a message's statuses, the reports on a
    number's link."""
    if isinstance(parsed, WebhookBatch):
        sender = _sender(parsed)
        if sender is not None:
            return "from:" + sender.key
        if parsed.updates:
            return "status:" + parsed.updates[0].external_id
        if parsed.connections:
            return "link:" + parsed.connections[0].address
    return "delivery:" + str(delivery.id)
