"""The model gate under the real OpenAI client, against the fake OpenAI server: a model that
accepts only so many requests at once brings the limit down to it, and once it accepts more the
limit finds its way back up."""

from __future__ import annotations

import asyncio

import openai

from ignacio.adapters.openai_agents import openai_client
from ignacio.adapters.openai_agents.gate import ModelGate
from tests.support.fake_openai import FakeOpenAI

CEILING = 32


async def test_the_limit_drops_to_what_the_model_accepts_and_recovers(
    fake: FakeOpenAI, base_url: str
) -> None:
    gate = ModelGate(CEILING)
    client = openai_client(
        api_key=fake.api_key, base_url=base_url, timeout_seconds=10, max_retries=20, gate=gate
    )
    fake.latency = 0.05
    fake.accept_at_most(6, retry_after=0.05)
    try:
        limits = await _load(client, gate, workers=48, each=8)
        refused_first = fake.refusals.count(429)

        # It settled: far fewer refusals for as much asking once it had learnt the limit.
        settled = await _load(client, gate, workers=48, each=8)
        refused_then = fake.refusals.count(429) - refused_first

        fake.accept_at_most(None)
        recovered = await _load(client, gate, workers=48, each=20)
    finally:
        await client.close()

    assert min(limits) <= 6
    assert max(settled) <= 12
    assert refused_then < refused_first
    assert recovered[-1] > 12
    assert max(recovered) == CEILING or recovered == sorted(recovered)


async def _load(
    client: openai.AsyncOpenAI, gate: ModelGate, *, workers: int, each: int
) -> list[int]:
    """`workers` asking `each` question one after another; the gate's limit after each answer."""
    limits: list[int] = []

    async def ask() -> None:
        for _ in range(each):
            await client.chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": "Hello"}]
            )
            limits.append(gate.limit)

    await asyncio.gather(*(ask() for _ in range(workers)))
    return limits
