"""A fake Graph API per test, and the adapters pointed at it in-process."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from ignacio.adapters.whatsapp_cloud import CloudApiChannel, CloudApiMediaFetcher
from tests.support.fake_graph import FAKE_BASE_URL, FakeGraph

LOGIN_TEMPLATE = "ignacio_login"


class ManualClock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def graph(clock: ManualClock) -> FakeGraph:
    return FakeGraph(clock=clock, media_url_ttl=300)


@pytest.fixture
async def client(graph: FakeGraph) -> AsyncIterator[httpx.AsyncClient]:
    async with graph.client() as client:
        yield client


@pytest.fixture
def channel(graph: FakeGraph, client: httpx.AsyncClient) -> CloudApiChannel:
    return CloudApiChannel(
        client,
        base_url=FAKE_BASE_URL,
        api_version="v23.0",
        phone_number_id=graph.phone_number_id,
        access_token=graph.access_token,
        login_template_name=LOGIN_TEMPLATE,
        login_template_language="en_US",
    )


@pytest.fixture
def fetcher(graph: FakeGraph, client: httpx.AsyncClient) -> CloudApiMediaFetcher:
    return CloudApiMediaFetcher(
        client, base_url=FAKE_BASE_URL, api_version="v23.0", access_token=graph.access_token
    )
