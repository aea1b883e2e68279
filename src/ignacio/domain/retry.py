"""When to try again after a provider failed in a way that may pass."""

from __future__ import annotations

import random

import msgspec


class RetryPolicy(msgspec.Struct, frozen=True, kw_only=True):
    """Exponential backoff with full jitter, never sooner than the provider asked, up to a bound."""

    max_attempts: int = 6
    base_seconds: float = 1.0
    max_seconds: float = 300.0

    def delay(
        self, attempt: int, retry_after: float | None = None, rng: random.Random | None = None
    ) -> float:
        """Seconds to wait before attempt `attempt + 1`, given that `attempt` attempts failed."""
        ceiling = min(self.max_seconds, self.base_seconds * 2 ** max(0, attempt - 1))
        jittered = (rng or random).uniform(ceiling / 2, ceiling)
        return max(jittered, retry_after or 0.0)

    def exhausted(self, attempts: int) -> bool:
        return attempts >= self.max_attempts
