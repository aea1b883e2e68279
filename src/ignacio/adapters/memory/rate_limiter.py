"""RateLimiter in memory, on the application's clock: for one process, and for tests that move
time by hand (the `limits` adapter reads the system's clock)."""

from __future__ import annotations

import math
from collections import defaultdict, deque
from datetime import datetime, timedelta

from ignacio.application.ports import Clock, RateLimit


class ClockedRateLimiter:
    """Moving windows, as the `limits` adapter counts them: a hit is allowed while fewer than
    `amount` were allowed in the last `seconds`; refused, it is not counted, and the wait is
    until the oldest of those leaves the window."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._hits: defaultdict[tuple[str, str, int, int], deque[datetime]] = defaultdict(deque)
        self._holds: dict[tuple[str, str], datetime] = {}

    async def hit(self, namespace: str, key: str, limit: RateLimit) -> int | None:
        now = self._clock.now()
        hits = self._hits[(namespace, key, limit.amount, limit.seconds)]
        while hits and (now - hits[0]).total_seconds() >= limit.seconds:
            hits.popleft()
        if len(hits) < limit.amount:
            hits.append(now)
            return None
        oldest = hits[-limit.amount]
        return _whole_seconds(limit.seconds - (now - oldest).total_seconds())

    async def hold(self, namespace: str, key: str, seconds: float) -> None:
        if await self.held(namespace, key) is not None:
            return
        self._holds[(namespace, key)] = _after(self._clock.now(), math.ceil(seconds))

    async def held(self, namespace: str, key: str) -> int | None:
        until = self._holds.get((namespace, key))
        if until is None:
            return None
        left = (until - self._clock.now()).total_seconds()
        if left <= 0:
            del self._holds[(namespace, key)]
            return None
        return _whole_seconds(left)


def _after(now: datetime, seconds: int) -> datetime:
    return now + timedelta(seconds=max(1, seconds))


def _whole_seconds(seconds: float) -> int:
    return max(1, math.ceil(seconds))
