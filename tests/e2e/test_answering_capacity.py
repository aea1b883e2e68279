"""How many turns one process answers at once with a model that takes its time (issue #20): the
real app and container, the Agents SDK assistant over HTTP to a fake OpenAI server that takes a
second or more per answer, signed webhooks from many members, answers at a fake Graph API.

- Hundreds of turns wait on the model at once, with a database pool of a few connections: a turn
  holds none while the model thinks.
- A 429 with `Retry-After` from the model holds back every turn of the process, not only the
  one it answered.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from ignacio.adapters.sql import create_engine
from tests.http.conftest import serve
from tests.support.databases import migrated_sqlite_file
from tests.support.fake_graph import (
    DEFAULT_PHONE_NUMBER_ID,
    DEFAULT_TOKEN,
    FAKE_BASE_URL,
    FakeGraph,
    inbound_text,
    post_signed,
)
from tests.support.fake_openai import FakeOpenAI
from tests.support.system import System, build_system, settings_for_tests

MODEL = "fake-model"
# A pool of 20 for 200 turns: all 200 at the model at once means none keeps a connection while
# it waits.
POOL_SIZE = 10
POOL_OVERFLOW = 10
TURNS = 200


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[FakeOpenAI, str]]:
    fake = FakeOpenAI()
    with fake.serve() as base_url:
        yield fake, base_url


@pytest.fixture
def fake(served: tuple[FakeOpenAI, str]) -> Iterator[FakeOpenAI]:
    fake, _ = served
    fake.reset()
    yield fake
    assert fake.problems == []


@dataclass
class Ignacio:
    client: httpx.AsyncClient
    system: System
    graph: FakeGraph
    # The database pool's use (None: not watched).
    pool: _PoolWatch | None = None

    async def write(self, senders: list[str]) -> None:
        await asyncio.gather(
            *(
                post_signed(self.client, inbound_text(sender, f"Hello from {sender}"))
                for sender in senders
            )
        )

    async def answered(self, senders: list[str], within: float = 120) -> dict[str, int]:
        """How many answers each sender got, once every one got at least one."""
        wanted = {sender.lstrip("+") for sender in senders}
        deadline = time.monotonic() + within
        while True:
            counts: dict[str, int] = {}
            for sent in self.graph.messages:
                if sent.text is not None and sent.text.startswith("Fake answer to"):
                    counts[sent.to] = counts.get(sent.to, 0) + 1
            if wanted <= counts.keys() or time.monotonic() > deadline:
                return counts
            await asyncio.sleep(0.1)


@dataclass
class _PoolWatch:
    """How many connections the database pool had out at once, at most."""

    out: int = 0
    peak: int = 0
    checkouts: int = 0

    def watch(self, engine: AsyncEngine) -> None:
        @event.listens_for(engine.sync_engine, "checkout")
        def _checkout(*_: Any) -> None:
            self.out += 1
            self.checkouts += 1
            self.peak = max(self.peak, self.out)

        @event.listens_for(engine.sync_engine, "checkin")
        def _checkin(*_: Any) -> None:
            self.out -= 1


def _variables(database: str, tmp_path: Path, request: pytest.FixtureRequest) -> dict[str, Any]:
    if database == "memory":
        return {}
    if database == "sqlite":
        return {"IGNACIO_DATABASE_URL": migrated_sqlite_file(tmp_path)}
    if database == "postgres":
        return {"IGNACIO_DATABASE_URL": request.getfixturevalue("postgres_url")}
    url = request.getfixturevalue("procrastinate_url")
    return {"IGNACIO_DATABASE_URL": url, "IGNACIO_QUEUE": "procrastinate"}


@pytest.fixture
async def ignacio(
    request: pytest.FixtureRequest, served: tuple[FakeOpenAI, str], tmp_path: Path
) -> AsyncIterator[Ignacio]:
    fake, base_url = served
    database: str = getattr(request, "param", "memory")
    settings = settings_for_tests(
        IGNACIO_STORAGE_DIR=tmp_path / "files",
        IGNACIO_CHANNEL="whatsapp_cloud",
        WHATSAPP_ACCESS_TOKEN=DEFAULT_TOKEN,
        WHATSAPP_PHONE_NUMBER_ID=DEFAULT_PHONE_NUMBER_ID,
        WHATSAPP_API_BASE_URL=FAKE_BASE_URL,
        # Meta's pacing would space the answers out; the limit here is the model's.
        IGNACIO_WHATSAPP_THROUGHPUT=1000,
        OPENAI_API_KEY=fake.api_key,
        IGNACIO_AI_BASE_URL=base_url,
        IGNACIO_AI_API="chat_completions",
        IGNACIO_AI_MODEL=MODEL,
        **_variables(database, tmp_path, request),
    )
    graph = FakeGraph()
    system = build_system(settings, fake_clock=False, real_channel=True)
    system.container.http_client.override(graph.client())
    system.container.assistant.reset_override()
    pool: _PoolWatch | None = None
    if database.startswith("postgres"):
        # A pool far smaller than the turns in flight.
        engine = create_engine(
            settings.effective_database_url,
            schema=settings.database.schema_name,
            pool_size=POOL_SIZE,
            max_overflow=POOL_OVERFLOW,
        )
        system.container.engine.override(engine)
        pool = _PoolWatch()
        pool.watch(engine)
    async with serve(system) as client:
        yield Ignacio(client=client, system=system, graph=graph, pool=pool)


def _senders(count: int, first: int = 0) -> list[str]:
    return [f"+3461{number:07d}" for number in range(first, first + count)]


@pytest.mark.parametrize(
    "ignacio",
    [
        "memory",
        "sqlite",
        pytest.param("postgres", marks=pytest.mark.postgres),
        pytest.param("postgres-procrastinate", marks=pytest.mark.postgres),
    ],
    indirect=True,
)
async def test_hundreds_of_turns_wait_on_a_slow_model_at_once(
    ignacio: Ignacio, fake: FakeOpenAI
) -> None:
    # The model answers none until every turn waits on it, then each in 1.5 s.
    fake.latency = 1.5
    fake.holding = True
    senders = _senders(TURNS)

    try:
        await ignacio.write(senders)
        waiting = await _in_flight(fake, TURNS)
    finally:
        fake.holding = False
    answered = await ignacio.answered(senders)

    assert waiting == TURNS
    assert answered == {sender.lstrip("+"): 1 for sender in senders}
    assert fake.refusals == []
    if ignacio.pool is not None:
        # Every turn waited on the model at once, with a pool a tenth their number.
        assert ignacio.pool.checkouts > TURNS
        assert ignacio.pool.peak <= POOL_SIZE + POOL_OVERFLOW < TURNS


async def _in_flight(fake: FakeOpenAI, wanted: int, within: float = 120) -> int:
    """Requests waiting at the model, once `wanted` are (or the most seen by `within` s)."""
    deadline = time.monotonic() + within
    while True:
        if fake.in_flight >= wanted or time.monotonic() > deadline:
            return fake.peak_in_flight
        await asyncio.sleep(0.1)


async def test_a_429_holds_back_every_turn_until_its_retry_after(
    ignacio: Ignacio, fake: FakeOpenAI
) -> None:
    fake.latency = 0.2
    fake.throttle(0.5, retry_after=2)
    first = _senders(1)
    await ignacio.write(first)
    refused_at = await _first_refusal(fake)

    # Turns that start after the 429 came back: none of them asks the model during the pause.
    others = _senders(30, first=1)
    await ignacio.write(others)
    answered = await ignacio.answered(first + others)

    assert answered == {sender.lstrip("+"): 1 for sender in first + others}
    arrivals = fake.arrivals
    during = [at - refused_at for at, _ in arrivals if refused_at + 0.1 < at < refused_at + 1.9]
    assert during == []
    after = [status for at, status in arrivals if at >= refused_at + 1.9]
    assert len(after) >= len(first + others)
    assert set(after) == {200}


async def _first_refusal(fake: FakeOpenAI, within: float = 10) -> float:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        refused = [at for at, status in fake.arrivals if status == 429]
        if refused:
            return refused[0]
        await asyncio.sleep(0.01)
    raise AssertionError("the model was never asked")
