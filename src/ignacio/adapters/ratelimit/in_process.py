"""Moving windows in this process's memory, for when no Redis is shared.

The `limits` library's `async+memory://` storage sweeps every key with a hit in its window after
every hit, each key's sweep a hop to a thread: with the inbound limit keyed by phone, that is one
thread hop per recent sender for every message (a tenth of the CPU of answering at 500 senders,
issue #20). Here a key is tidied when it is hit, and keys whose windows have passed are dropped
in one pass at most every `SWEEP_SECONDS`, on the event loop, with no thread.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable

from ignacio.application.ports import RateLimit

SWEEP_SECONDS = 30.0


class InProcessRateLimiter:
    """Counts as `LimitsRateLimiter` does with a moving window: a hit is allowed while fewer than
    `amount` were allowed in the last `seconds`; a refused hit is not counted, and the wait told
    is until the oldest of those leaves the window. Nothing awaits inside a hit, so hits on one
    event loop cannot interleave and never let more through than the limit."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._hits: dict[tuple[str, str, int, int], deque[float]] = {}
        self._holds: dict[tuple[str, str], float] = {}
        self._next_sweep = clock() + SWEEP_SECONDS

    def __repr__(self) -> str:
        return "InProcessRateLimiter()"

    async def hit(self, namespace: str, key: str, limit: RateLimit) -> int | None:
        now = self._clock()
        if now >= self._next_sweep:
            self._sweep(now)
        window = (namespace, key, limit.amount, limit.seconds)
        hits = self._hits.get(window)
        if hits is None:
            hits = self._hits[window] = deque()
        while hits and now - hits[0] >= limit.seconds:
            hits.popleft()
        if len(hits) < limit.amount:
            hits.append(now)
            return None
        oldest = hits[-limit.amount]
        return _whole_seconds(limit.seconds - (now - oldest))

    async def hold(self, namespace: str, key: str, seconds: float) -> None:
        if await self.held(namespace, key) is not None:
            return
        self._holds[(namespace, key)] = self._clock() + max(1, math.ceil(seconds))

    async def held(self, namespace: str, key: str) -> int | None:
        until = self._holds.get((namespace, key))
        if until is None:
            return None
        left = until - self._clock()
        if left <= 0:
            del self._holds[(namespace, key)]
            return None
        return _whole_seconds(left)

    def _sweep(self, now: float) -> None:
        self._next_sweep = now + SWEEP_SECONDS
        self._hits = {
            window: hits
            for window, hits in self._hits.items()
            if hits and now - hits[-1] < window[3]
        }
        self._holds = {key: until for key, until in self._holds.items() if until > now}

    @property
    def keys(self) -> int:
        """How many windows and holds are kept (tests check that passed ones are dropped)."""
        return len(self._hits) + len(self._holds)


def _whole_seconds(seconds: float) -> int:
    return max(1, math.ceil(seconds))
