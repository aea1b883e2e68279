"""AcceptWebhook: keep a signed delivery in the inbox and acknowledge it; storing comes after."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping

from ignacio.application.ports import (
    Clock,
    DeliveryItems,
    IdGenerator,
    JobQueue,
    WebhookInbox,
    WebhookParser,
)
from ignacio.domain import InboxDelivery, Provider

# Standard logging: the core takes no logging framework; the entrypoint renders these with structlog.
log = logging.getLogger(__name__)


class DrainRequests:
    """Asks the job queue for inbox drains at most once every `min_interval_seconds`.

    Under load a request per delivery would cost more than the delivery itself (each is a
    round trip, and with a drain already waiting an insert PostgreSQL refuses). So asks are
    throttled, with a trailing ask: a request made within the interval of the last ask, or while
    one is in flight, is folded into one ask made once the interval is over. That ask starts
    after this delivery was kept, so the drain it causes finds the delivery; a delivery waits at
    most one interval for its ask. A request that fails costs only latency: the periodic sweep
    drains the inbox as well.
    """

    def __init__(self, queue: JobQueue, *, min_interval_seconds: float = 0.02) -> None:
        self._queue = queue
        self._min_interval = min_interval_seconds
        self._in_flight: asyncio.Task[None] | None = None
        self._again = False
        self._last_ask: float | None = None

    def request(self) -> None:
        if self._in_flight is not None and not self._in_flight.done():
            self._again = True
            return
        self._in_flight = asyncio.create_task(self._ask())

    async def settled(self) -> None:
        """Return once no request is in flight (tests, shutdown)."""
        while self._in_flight is not None and not self._in_flight.done():
            await asyncio.wait({self._in_flight})

    async def _ask(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            if self._last_ask is not None:
                await asyncio.sleep(max(0.0, self._last_ask + self._min_interval - loop.time()))
            self._again = False
            self._last_ask = loop.time()
            try:
                await self._queue.enqueue_inbox_drain()
            except Exception:
                log.warning("could not ask for an inbox drain; the sweep will", exc_info=True)
                return
            if not self._again:
                return


class AcceptWebhook:
    """Check that the body is in the provider's format, keep it, and ask for a drain.

    - The caller has checked the signature; this is what happens before the 200, so the body
      is only counted here (each item is read when the drain stores it).
    - A body the provider's parser refuses raises InvalidInput and nothing is kept.
    - A delivery with no message, no status and no report on a number's link (Meta's other
      subscription fields) is not kept.
    - Returns once the delivery is durable: a crash after the 200 loses nothing.
    """

    def __init__(
        self,
        inbox: WebhookInbox,
        drains: DrainRequests,
        parsers: Mapping[Provider, WebhookParser],
        clock: Clock,
        ids: IdGenerator,
    ) -> None:
        self._inbox = inbox
        self._drains = drains
        self._parsers = parsers
        self._clock = clock
        self._ids = ids

    async def __call__(self, provider: Provider, body: bytes) -> DeliveryItems:
        items = self._parsers[provider].count(body)
        if items.empty:
            log.info("webhook delivery with no message or status", extra={"provider": provider})
            return items
        await self._inbox.add(
            InboxDelivery(
                id=self._ids.new_id(),
                provider=provider,
                body=body,
                received_at=self._clock.now(),
            )
        )
        self._drains.request()
        return items
