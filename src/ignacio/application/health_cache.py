"""A health probe asked at most once per period: for providers that must not be hammered."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from ignacio.application.ports import Clock, HealthProbe
from ignacio.domain import HealthCheck


class CachedProbe:
    """Answers what `probe` last said until `period` has passed since it said it.

    A page that refreshes every few seconds, or several admins looking at once, then costs Meta,
    Twilio or the model's server one request per period per process. Admins asking at the same
    moment share one request (the lock). A failure is kept as long as a success: the settings
    that fix it take a restart, which empties the cache anyway.
    """

    def __init__(self, probe: HealthProbe, clock: Clock, period: timedelta) -> None:
        self._probe = probe
        self._clock = clock
        self._period = period
        self._last: tuple[datetime, HealthCheck] | None = None
        self._lock = asyncio.Lock()

    async def check(self) -> HealthCheck:
        async with self._lock:
            now = self._clock.now()
            if self._last is not None and now - self._last[0] < self._period:
                return self._last[1]
            result = await self._probe.check()
            self._last = (self._clock.now(), result)
            return result
