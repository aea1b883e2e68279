"""RateLimiter contract, on the `limits` adapter in memory and in the real Redis, on the
in-process limiter a single process uses, and on the memory adapter that reads the
application's clock."""

from __future__ import annotations

import asyncio
import secrets

import pytest
import structlog.testing

from ignacio.adapters.memory import ClockedRateLimiter
from ignacio.adapters.ratelimit import InProcessRateLimiter, LimitsRateLimiter, rate_limiter
from ignacio.adapters.system import SystemClock
from ignacio.application.ports import RateLimit, RateLimiter


@pytest.fixture(params=["memory", "in-process", "redis", "clocked"])
def limiter(request: pytest.FixtureRequest) -> RateLimiter:
    if request.param == "memory":
        return LimitsRateLimiter("async+memory://")
    if request.param == "in-process":
        return InProcessRateLimiter()
    if request.param == "clocked":
        return ClockedRateLimiter(SystemClock())
    url = request.getfixturevalue("redis_url")
    prefix = request.getfixturevalue("redis_prefix")
    return LimitsRateLimiter("async+" + url, key_prefix=prefix)


def key() -> str:
    return secrets.token_hex(4)


async def test_hits_within_the_limit_are_allowed_then_the_wait_is_told(
    limiter: RateLimiter,
) -> None:
    limit = RateLimit(amount=3, seconds=60)
    phone = key()

    results = [await limiter.hit("whatsapp-inbound", phone, limit) for _ in range(4)]

    assert results[:3] == [None, None, None]
    wait = results[3]
    assert wait is not None and 1 <= wait <= 60


async def test_keys_and_namespaces_are_counted_apart(limiter: RateLimiter) -> None:
    limit = RateLimit(amount=1, seconds=60)
    first, second = key(), key()

    assert await limiter.hit("api-client", first, limit) is None
    assert await limiter.hit("api-client", second, limit) is None
    assert await limiter.hit("otp-phone", first, limit) is None
    assert await limiter.hit("api-client", first, limit) is not None


async def test_the_window_moves(limiter: RateLimiter) -> None:
    limit = RateLimit(amount=1, seconds=1)
    phone = key()

    assert await limiter.hit("whatsapp-slow-down", phone, limit) is None
    assert await limiter.hit("whatsapp-slow-down", phone, limit) == 1
    await asyncio.sleep(1.1)
    assert await limiter.hit("whatsapp-slow-down", phone, limit) is None


async def test_concurrent_hits_never_let_more_through_than_the_limit(
    limiter: RateLimiter,
) -> None:
    limit = RateLimit(amount=5, seconds=60)
    client = key()

    results = await asyncio.gather(*(limiter.hit("api-client", client, limit) for _ in range(20)))

    assert sum(result is None for result in results) == 5


async def test_two_limiters_on_one_redis_count_together(redis_url: str, redis_prefix: str) -> None:
    one = LimitsRateLimiter("async+" + redis_url, key_prefix=redis_prefix)
    other = LimitsRateLimiter("async+" + redis_url, key_prefix=redis_prefix)
    limit = RateLimit(amount=2, seconds=60)

    assert await one.hit("api-client", "10.0.0.1", limit) is None
    assert await other.hit("api-client", "10.0.0.1", limit) is None
    assert await one.hit("api-client", "10.0.0.1", limit) is not None
    assert await other.hit("api-client", "10.0.0.1", limit) is not None


async def test_an_unreachable_redis_lets_requests_through_and_says_so() -> None:
    limiter = LimitsRateLimiter("async+redis://127.0.0.1:1/0", key_prefix="nowhere")

    with structlog.testing.capture_logs() as logs:
        allowed = await limiter.hit("api-client", "10.0.0.1", RateLimit(amount=1, seconds=60))

    assert allowed is None
    assert [entry["event"] for entry in logs] == ["rate_limit_storage_unavailable"]


async def test_a_hold_is_told_until_it_ends(limiter: RateLimiter) -> None:
    number = key()

    assert await limiter.held("whatsapp-number", number) is None
    await limiter.hold("whatsapp-number", number, 30)

    wait = await limiter.held("whatsapp-number", number)
    assert wait is not None and 1 <= wait <= 30
    assert await limiter.held("whatsapp-number", key()) is None
    assert await limiter.held("whatsapp-pair", number) is None


async def test_a_hold_in_place_stands_as_it_is(limiter: RateLimiter) -> None:
    number = key()

    await limiter.hold("whatsapp-number", number, 60)
    await limiter.hold("whatsapp-number", number, 1)
    await limiter.hold("whatsapp-number", number, 600)

    wait = await limiter.held("whatsapp-number", number)
    assert wait is not None and 55 <= wait <= 60


async def test_holds_and_hits_are_apart(limiter: RateLimiter) -> None:
    number = key()

    await limiter.hold("whatsapp-number", number, 60)

    assert await limiter.hit("whatsapp-number", number, RateLimit(amount=1, seconds=60)) is None


async def test_a_hold_ends(limiter: RateLimiter) -> None:
    number = key()

    await limiter.hold("whatsapp-number", number, 1)
    assert await limiter.held("whatsapp-number", number) == 1
    await asyncio.sleep(1.1)

    assert await limiter.held("whatsapp-number", number) is None


async def test_two_limiters_on_one_redis_share_their_holds(
    redis_url: str, redis_prefix: str
) -> None:
    one = LimitsRateLimiter("async+" + redis_url, key_prefix=redis_prefix)
    other = LimitsRateLimiter("async+" + redis_url, key_prefix=redis_prefix)

    await one.hold("whatsapp-number", "phone-number-id", 20)

    wait = await other.held("whatsapp-number", "phone-number-id")
    assert wait is not None and 1 <= wait <= 20


async def test_an_unreachable_redis_holds_nothing_and_says_so() -> None:
    limiter = LimitsRateLimiter("async+redis://127.0.0.1:1/0", key_prefix="nowhere")

    with structlog.testing.capture_logs() as logs:
        await limiter.hold("whatsapp-number", "phone-number-id", 20)
        held = await limiter.held("whatsapp-number", "phone-number-id")

    assert held is None
    assert [entry["event"] for entry in logs] == ["rate_limit_storage_unavailable"] * 2


def test_a_synchronous_storage_is_refused() -> None:
    with pytest.raises(ValueError, match="async"):
        LimitsRateLimiter("memory://")


def test_one_process_without_redis_counts_in_its_own_memory(redis_url: str) -> None:
    assert isinstance(rate_limiter("async+memory://"), InProcessRateLimiter)
    assert isinstance(rate_limiter("async+" + redis_url), LimitsRateLimiter)


async def test_windows_and_holds_that_have_passed_are_let_go() -> None:
    now = [0.0]
    limiter = InProcessRateLimiter(clock=lambda: now[0])
    limit = RateLimit(amount=1, seconds=60)
    for sender in range(1000):
        assert await limiter.hit("whatsapp-inbound", str(sender), limit) is None
    await limiter.hold("whatsapp-number", "phone-number-id", 5)
    assert limiter.keys == 1001

    now[0] = 59.0
    assert await limiter.hit("whatsapp-inbound", "0", limit) == 1
    now[0] = 600.0
    assert await limiter.hit("whatsapp-inbound", "new", limit) is None

    assert limiter.keys == 1
    assert await limiter.hit("whatsapp-inbound", "0", limit) is None
