"""RateLimiter port."""

from __future__ import annotations

from typing import Protocol

import msgspec


class RateLimit(msgspec.Struct, frozen=True, kw_only=True):
    """At most `amount` hits per `seconds` for one key."""

    amount: int
    seconds: int


class RateLimiter(Protocol):
    async def hit(self, namespace: str, key: str, limit: RateLimit) -> int | None:
        """Count one hit; None if allowed, else the seconds to wait before the next is allowed."""
        ...

    async def hold(self, namespace: str, key: str, seconds: float) -> None:
        """Hold the key back for the next `seconds` (a provider asked to slow down), for every
        process sharing the limiter; a hold already in place stands as it is. Holds are apart
        from hits: they are read with `held`."""
        ...

    async def held(self, namespace: str, key: str) -> int | None:
        """The whole seconds left on the key's hold (at least 1); None when it is not held."""
        ...
