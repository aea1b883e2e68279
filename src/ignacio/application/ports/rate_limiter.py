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
