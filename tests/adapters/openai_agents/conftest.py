"""One fake OpenAI server for the module's tests (reset before each), and a client per test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import openai
import pytest

from ignacio.adapters.openai_agents import openai_client
from tests.support.fake_openai import FakeOpenAI


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
    fake.release()
    assert fake.problems == []


@pytest.fixture
def base_url(served: tuple[FakeOpenAI, str]) -> str:
    return served[1]


@pytest.fixture
async def client(fake: FakeOpenAI, base_url: str) -> AsyncIterator[openai.AsyncOpenAI]:
    # Retries wait milliseconds here (the fake asks for as much in Retry-After).
    client = openai_client(
        api_key=fake.api_key, base_url=base_url, timeout_seconds=10, max_retries=2
    )
    yield client
    await client.close()
