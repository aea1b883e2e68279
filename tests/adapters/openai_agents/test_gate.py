"""ModelGate on its own: the limit, the pause a 429 brings, the way back up; and the reading of
`Retry-After` (a header any server writes)."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx2 as httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ignacio.adapters.openai_agents.gate import ModelGate, retry_after_seconds


async def test_lets_in_up_to_its_ceiling_and_the_next_when_one_leaves() -> None:
    gate = ModelGate(3)
    episodes = [await gate.enter() for _ in range(3)]
    fourth = asyncio.ensure_future(gate.enter())
    await asyncio.sleep(0.01)
    assert not fourth.done()
    assert gate.in_flight == 3

    gate.leave(episodes[0], throttled=False)
    await asyncio.wait_for(fourth, 1)

    assert gate.in_flight == 3


async def test_a_429_halves_what_was_in_flight_once_per_episode() -> None:
    gate = ModelGate(64)
    episodes = [await gate.enter() for _ in range(20)]

    # Twenty requests sent together, all refused: one episode, one halving.
    for episode in episodes:
        gate.leave(episode, throttled=True, retry_after=0)

    assert gate.limit == 10
    # A request let in after the halving that is refused again halves again.
    gate.leave(await gate.enter(), throttled=True, retry_after=0)
    assert gate.limit == 1  # half of the one in flight, but never below the floor


async def test_a_429_holds_back_every_new_request_until_its_retry_after() -> None:
    gate = ModelGate(8)
    gate.leave(await gate.enter(), throttled=True, retry_after=0.3)
    started = time.monotonic()

    waits = await asyncio.gather(*(_entered_after(gate, started) for _ in range(4)))

    # The limit is now 1: they go one after another, none before the pause ends.
    assert min(waits) >= 0.29


async def test_a_429_without_retry_after_pauses_for_the_default() -> None:
    gate = ModelGate(8, default_pause_seconds=0.2)
    gate.leave(await gate.enter(), throttled=True)

    assert 0.1 < gate.paused_for() <= 0.2


async def test_a_longer_retry_after_is_capped() -> None:
    gate = ModelGate(8, max_pause_seconds=0.5)
    gate.leave(await gate.enter(), throttled=True, retry_after=3600)

    assert gate.paused_for() <= 0.5


async def test_answers_while_held_back_grow_the_limit_back_to_the_ceiling() -> None:
    gate = ModelGate(16)
    episodes = [await gate.enter() for _ in range(16)]
    for episode in episodes:
        gate.leave(episode, throttled=True, retry_after=0)
    assert gate.limit == 8
    limits: list[int] = []

    async def ask(times: int) -> None:
        for _ in range(times):
            episode = await gate.enter()
            limits.append(gate.limit)
            await asyncio.sleep(0.001)
            gate.leave(episode, throttled=False)

    # More asking than the limit lets through: each round of answers lets one more in.
    await asyncio.gather(*(ask(10) for _ in range(40)))

    assert limits == sorted(limits)
    assert limits[0] == 8
    assert limits[-1] == 16


async def test_answers_while_not_held_back_do_not_grow_it() -> None:
    gate = ModelGate(16)
    gate.leave(await gate.enter(), throttled=True, retry_after=0)
    assert gate.limit == 1
    gate.leave(await gate.enter(), throttled=False)
    assert gate.limit == 2

    # One in flight under a limit of 2: nothing was held back, nothing learnt.
    for _ in range(20):
        gate.leave(await gate.enter(), throttled=False)
    assert gate.limit == 2


async def test_a_request_given_up_while_waiting_leaves_no_place_taken() -> None:
    gate = ModelGate(1)
    first = await gate.enter()
    waiting = asyncio.ensure_future(gate.enter())
    behind = asyncio.ensure_future(gate.enter())
    await asyncio.sleep(0.01)
    waiting.cancel()
    gate.leave(first, throttled=False)

    await asyncio.wait_for(behind, 1)
    assert gate.in_flight == 1


def test_refuses_a_ceiling_below_one() -> None:
    with pytest.raises(ValueError, match="at least one"):
        ModelGate(0)


def test_reads_retry_after_in_milliseconds_seconds_and_as_a_date() -> None:
    assert retry_after_seconds(httpx.Headers({"retry-after-ms": "1500"})) == 1.5
    assert retry_after_seconds(httpx.Headers({"retry-after": "2"})) == 2
    assert retry_after_seconds(httpx.Headers({"retry-after": "0.25"})) == 0.25
    assert retry_after_seconds(httpx.Headers({"retry-after-ms": "200", "retry-after": "1"})) == 0.2
    now = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
    date = format_datetime(now + timedelta(seconds=30), usegmt=True)
    assert retry_after_seconds(httpx.Headers({"retry-after": date}), now.timestamp()) == 30
    assert retry_after_seconds(httpx.Headers({})) is None
    assert retry_after_seconds(httpx.Headers({"retry-after": "soon"})) is None
    assert retry_after_seconds(httpx.Headers({"retry-after": "-5"})) == 0


@given(st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126)), st.booleans())
def test_any_retry_after_reads_as_a_wait_or_none(value: str, milliseconds: bool) -> None:
    header = "retry-after-ms" if milliseconds else "retry-after"
    wait = retry_after_seconds(httpx.Headers({header: value}))
    assert wait is None or wait >= 0


async def _entered_after(gate: ModelGate, started: float) -> float:
    episode = await gate.enter()
    waited = time.monotonic() - started
    await asyncio.sleep(0.01)
    gate.leave(episode, throttled=False)
    return waited
