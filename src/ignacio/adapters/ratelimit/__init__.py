"""Rate limits: in this process's memory for one process, on the `limits` library in Redis when
several share them."""

from __future__ import annotations

import math
import time

import structlog
from limits import RateLimitItemPerSecond
from limits.aio.storage import Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError
from limits.storage import storage_from_string

from ignacio.adapters.ratelimit.in_process import InProcessRateLimiter
from ignacio.application.ports import RateLimit, RateLimiter

DEFAULT_KEY_PREFIX = "ignacio"

log = structlog.get_logger(__name__)


class LimitsRateLimiter:
    """Moving windows in any asynchronous `limits` storage (`async+memory://`, `async+redis://`).

    Keys are `<key_prefix>:<namespace>/<key>/...`, so several deployments can share one Redis.
    When the storage cannot be reached the hit is allowed (and nothing is held) and a warning
    logged: a Redis outage must not take the API and the webhooks down with it.
    """

    def __init__(
        self, storage_uri: str = "async+memory://", *, key_prefix: str = DEFAULT_KEY_PREFIX
    ) -> None:
        storage = storage_from_string(storage_uri, key_prefix=key_prefix, wrap_exceptions=True)
        if not isinstance(storage, Storage):
            raise ValueError(
                f"{storage_uri!r} is not an asynchronous storage; prefix it with async+"
            )
        self.storage = storage
        self._strategy = MovingWindowRateLimiter(storage)

    def __repr__(self) -> str:
        return f"LimitsRateLimiter({type(self.storage).__name__})"

    async def hit(self, namespace: str, key: str, limit: RateLimit) -> int | None:
        item = RateLimitItemPerSecond(limit.amount, limit.seconds, namespace=namespace)
        try:
            if await self._strategy.hit(item, key):
                return None
            stats = await self._strategy.get_window_stats(item, key)
        except StorageError as error:
            _unavailable(namespace, error)
            return None
        return max(1, math.ceil(stats.reset_time - time.time()))

    async def hold(self, namespace: str, key: str, seconds: float) -> None:
        # A counter that expires: the storage sets its expiry when it creates it, so a hold in
        # place is neither shortened nor lengthened by another.
        try:
            await self.storage.incr(_hold_key(namespace, key), max(1, math.ceil(seconds)))
        except StorageError as error:
            _unavailable(namespace, error)

    async def held(self, namespace: str, key: str) -> int | None:
        hold = _hold_key(namespace, key)
        try:
            if not await self.storage.get(hold):
                return None
            expiry = await self.storage.get_expiry(hold)
        except StorageError as error:
            _unavailable(namespace, error)
            return None
        return max(1, math.ceil(expiry - time.time()))


def rate_limiter(
    storage_uri: str = "async+memory://", *, key_prefix: str = DEFAULT_KEY_PREFIX
) -> RateLimiter:
    """The limiter for a `limits` storage URI: `async+memory://` counts in this process (see
    in_process: the library's memory storage costs a thread hop per recent key on every hit),
    any other on the `limits` library."""
    if storage_uri.startswith("async+memory://"):
        return InProcessRateLimiter()
    return LimitsRateLimiter(storage_uri, key_prefix=key_prefix)


def _hold_key(namespace: str, key: str) -> str:
    return f"hold/{namespace}/{key}"


def _unavailable(namespace: str, error: StorageError) -> None:
    log.warning(
        "rate_limit_storage_unavailable",
        namespace=namespace,
        error=type(error.storage_error).__name__,
    )


__all__ = ["DEFAULT_KEY_PREFIX", "InProcessRateLimiter", "LimitsRateLimiter", "rate_limiter"]
