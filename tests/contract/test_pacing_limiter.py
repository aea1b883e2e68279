"""Pacing on every RateLimiter adapter: two senders on one limiter count their turns together
and see each other's holds; in Redis, so do two processes (the real Redis on 127.0.0.1)."""

from __future__ import annotations

import asyncio
import os
import secrets
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from ignacio.adapters.memory import ClockedRateLimiter
from ignacio.adapters.ratelimit import InProcessRateLimiter, LimitsRateLimiter
from ignacio.adapters.system import SystemClock
from ignacio.application.pacing import Pacer
from ignacio.application.ports import RateLimiter
from ignacio.domain.pacing import Pacing, Throttle

# Spacing no test waits for: every wait is told (none is waited where the sender is).
PACING = Pacing(pair_interval=10, pair_burst=2, throughput=3, sleep_up_to=0)


async def never_sleep(seconds: float) -> None:
    raise AssertionError(f"a wait of {seconds} s was to be told, not waited")


@pytest.fixture(params=["memory", "in-process", "redis", "clocked"])
def senders(request: pytest.FixtureRequest) -> tuple[Pacer, Pacer]:
    """Two senders sharing the limiter: in one process, one limiter; with Redis, two clients
    of one server, as two processes have."""
    one: RateLimiter
    other: RateLimiter
    if request.param == "redis":
        url = "async+" + request.getfixturevalue("redis_url")
        prefix = request.getfixturevalue("redis_prefix")
        one = LimitsRateLimiter(url, key_prefix=prefix)
        other = LimitsRateLimiter(url, key_prefix=prefix)
    else:
        makers: dict[str, Callable[[], RateLimiter]] = {
            "memory": lambda: LimitsRateLimiter("async+memory://"),
            "in-process": InProcessRateLimiter,
            "clocked": lambda: ClockedRateLimiter(SystemClock()),
        }
        one = other = makers[request.param]()
    return Pacer(one, PACING, sleep=never_sleep), Pacer(other, PACING, sleep=never_sleep)


def key() -> str:
    return secrets.token_hex(4)


async def test_turns_with_one_person_are_counted_together(senders: tuple[Pacer, Pacer]) -> None:
    one, other = senders
    number, person = key(), key()

    assert await one.turn(number, person) is None
    assert await other.turn(number, person) is None
    waits = [await one.turn(number, person), await other.turn(number, person)]

    assert all(wait is not None and 2 < wait <= 20 for wait in waits), waits
    assert await other.turn(number, key()) is None  # someone else is not held back


async def test_the_number_s_throughput_is_counted_together(senders: tuple[Pacer, Pacer]) -> None:
    one, other = senders
    number = key()

    turns = [await sender.turn(number, key()) for sender in (one, other, one)]

    assert turns == [None, None, None]
    assert await other.turn(number, key()) == 1
    assert await one.turn(key(), key()) is None  # another number is not held back


async def test_a_refusal_holds_back_the_person_or_the_number_for_both(
    senders: tuple[Pacer, Pacer],
) -> None:
    one, other = senders
    number, person, someone = key(), key(), key()

    assert await one.refused(number, person, Throttle.PAIR, 30) == 30
    wait = await other.turn(number, person)
    assert wait is not None and 25 <= wait <= 30
    assert await other.turn(number, someone) is None

    assert await one.refused(number, someone, Throttle.NUMBER, 40) == 40
    held = await other.turn(number, key())
    assert held is not None and 35 <= held <= 40
    assert await other.turn(key(), key()) is None


CHILD = textwrap.dedent(
    """
    import asyncio, sys
    from ignacio.adapters.ratelimit import InProcessRateLimiter, LimitsRateLimiter
    from ignacio.application.pacing import Pacer
    from ignacio.domain.pacing import Pacing, Throttle

    async def main(url, prefix, number, person):
        pacer = Pacer(LimitsRateLimiter(url, key_prefix=prefix), Pacing(pair_interval=10, pair_burst=2))
        print(await pacer.turn(number, person), await pacer.turn(number, person))
        await pacer.refused(number, "refused", Throttle.PAIR, 60)

    asyncio.run(main(*sys.argv[1:]))
    """
)


async def test_another_process_counts_with_this_one_in_redis(
    redis_url: str, redis_prefix: str
) -> None:
    url = "async+" + redis_url
    number, person = key(), key()
    environment = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2] / "src")}

    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        CHILD,
        url,
        redis_prefix,
        number,
        person,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=environment,
    )
    out, err = await child.communicate()
    assert child.returncode == 0, err.decode()
    assert out.decode().split() == ["None", "None"]

    here = Pacer(LimitsRateLimiter(url, key_prefix=redis_prefix), PACING, sleep=never_sleep)
    # The child took the person's two turns, and was refused for another person.
    turn = await here.turn(number, person)
    assert turn is not None and 2 < turn <= 20
    held = await here.turn(number, "refused")
    assert held is not None and 50 <= held <= 60
