"""A number's messages spaced so that the provider takes them (the rules: `domain.pacing`)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime

from ignacio.application.ports import RateLimit, RateLimiter
from ignacio.domain.pacing import Pacing, Throttle

# The limiter's namespaces: messages to one person from one number, and from one number in all.
PAIR = "whatsapp-pair"
NUMBER = "whatsapp-number"
# A turn waited for where the sender is is asked for again at most this many times before the
# message goes back on the queue (others may take each freed slot first).
_TRIES = 3


class Pacer:
    """Whether a number may send a person a message now, counted in the shared limiter (Redis
    when several processes send: they count together); and, when the provider refused for one
    of its rate limits, the person or the whole number held back for every process.

    Keys name the number (its id) and the person (their member id), never a phone number.
    A turn counts once allowed: for the person, then for the number. When the number's
    throughput is not free soon enough after the person's turn was counted, that turn is spent
    (the next comes that much later): rare, and it only ever errs on the slow side.
    """

    def __init__(
        self,
        limiter: RateLimiter,
        pacing: Pacing,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._limiter = limiter
        self.pacing = pacing
        self._sleep = sleep
        self._pair = RateLimit(amount=pacing.pair_burst, seconds=pacing.pair_window)
        self._throughput = RateLimit(amount=pacing.throughput, seconds=1)

    async def turn(self, number: str, person: str) -> float | None:
        """None when a message from `number` to `person` may go now (a short wait is waited
        here); else the seconds after which to ask again."""
        pair = _pair_key(number, person)
        wait = await self._waited(lambda: self._held(number, pair))
        if wait is None and self.pacing.paces_pairs:
            wait = await self._waited(lambda: self._limiter.hit(PAIR, pair, self._pair))
        if wait is None:
            wait = await self._waited(lambda: self._limiter.hit(NUMBER, number, self._throughput))
        return None if wait is None else float(wait)

    async def refused(
        self, number: str, person: str, throttle: Throttle, retry_after: float | None
    ) -> float:
        """The provider refused a message for `throttle`: hold back the person (pair rate) or
        the whole number (throughput) for every process; the seconds to wait before trying it
        again."""
        wait = self.pacing.wait_after(throttle, retry_after)
        if throttle is Throttle.PAIR:
            await self._limiter.hold(PAIR, _pair_key(number, person), wait)
        else:
            await self._limiter.hold(NUMBER, number, wait)
        return wait

    def waits_out(self, queued_at: datetime, now: datetime) -> bool:
        """Whether a message queued at `queued_at` still waits without counting (`Pacing`)."""
        return self.pacing.waits_out(queued_at, now)

    async def _waited(self, ask: Callable[[], Awaitable[int | None]]) -> int | None:
        """Ask until the answer is None (go) or a wait too long to wait here; a short wait is
        waited, a few times at most (others may take each freed turn first)."""
        for _ in range(_TRIES - 1):
            wait = await ask()
            if wait is None or wait > self.pacing.sleep_up_to:
                return wait
            await self._sleep(wait)
        return await ask()

    async def _held(self, number: str, pair: str) -> int | None:
        held = [
            wait
            for wait in (
                await self._limiter.held(NUMBER, number),
                await self._limiter.held(PAIR, pair),
            )
            if wait is not None
        ]
        return max(held, default=None)


def _pair_key(number: str, person: str) -> str:
    return f"{number}/{person}"
