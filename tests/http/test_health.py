"""GET /admin/health through the real app: every dependency for admins (403 for members), while
the public /health keeps answering for the database alone."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from tests.http.conftest import Api, serve
from tests.support.fake_graph import DEFAULT_PHONE_NUMBER_ID, FAKE_BASE_URL, FakeGraph
from tests.support.fake_openai import FakeOpenAI
from tests.support.system import build_system, settings_for_tests


async def test_admins_see_every_dependency(api: Api) -> None:
    response = await api.client.get("/admin/health", headers=await api.admin_headers())

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["healthy"] is True
    storage = (
        "in memory (nothing to check)" if api.system.container.storage_kind() == "memory" else "ok"
    )
    assert body["checks"] == [
        {"name": "database", "ok": True, "detail": "ok"},
        {"name": "storage", "ok": True, "detail": storage},
        {"name": "queue", "ok": True, "detail": "nothing waiting"},
        {"name": "whatsapp", "ok": True, "detail": "console (nothing to check)"},
        {"name": "model", "ok": True, "detail": "offline assistant (no model configured)"},
    ]


async def test_members_may_not_see_it_and_strangers_must_log_in(memory_api: Api) -> None:
    member = await memory_api.headers_for("+34600000002")
    assert (await memory_api.client.get("/admin/health", headers=member)).status_code == 403
    assert (await memory_api.client.get("/admin/health")).status_code == 401


@pytest.fixture(scope="module")
def fake_openai() -> Iterator[tuple[FakeOpenAI, str]]:
    fake = FakeOpenAI()
    with fake.serve() as base_url:
        yield fake, base_url


@pytest.fixture
async def providers(
    fake_openai: tuple[FakeOpenAI, str], tmp_path: Any
) -> AsyncIterator[tuple[Api, FakeGraph, FakeOpenAI]]:
    """Ignacio on the Cloud API with a token Meta refuses, and a model the server lacks."""
    openai, base_url = fake_openai
    openai.reset()
    settings = settings_for_tests(
        IGNACIO_CHANNEL="whatsapp_cloud",
        WHATSAPP_ACCESS_TOKEN="an-expired-token-0123456789",
        WHATSAPP_PHONE_NUMBER_ID=DEFAULT_PHONE_NUMBER_ID,
        WHATSAPP_API_BASE_URL=FAKE_BASE_URL,
        OPENAI_API_KEY=openai.api_key,
        IGNACIO_AI_BASE_URL=base_url,
        IGNACIO_AI_MODEL="gpt-9-imaginary",
        IGNACIO_DATA_DIR=tmp_path,
    )
    graph = FakeGraph()
    # Login codes go to the recording channel; the probe speaks to the fake Graph API.
    system = build_system(settings, fake_clock=False)
    system.container.http_client.override(graph.client())
    async with serve(system) as client:
        yield Api(client=client, system=system), graph, openai


async def test_problems_are_named_without_secrets_and_providers_asked_once_per_period(
    providers: tuple[Api, FakeGraph, FakeOpenAI],
) -> None:
    api, graph, openai = providers
    admin = await api.admin_headers()

    first = (await api.client.get("/admin/health", headers=admin)).json()
    again = (await api.client.get("/admin/health", headers=admin)).json()
    public = await api.client.get("/health")

    assert first["healthy"] is False
    problems = {check["name"]: check["detail"] for check in first["checks"] if not check["ok"]}
    assert set(problems) == {"whatsapp", "model"}
    assert "WHATSAPP_ACCESS_TOKEN" in problems["whatsapp"]
    assert "IGNACIO_AI_MODEL" in problems["model"]
    assert "an-expired-token" not in public.text + str(first)
    assert openai.api_key not in str(first)
    assert again == first
    assert openai.model_lookups == ["models/gpt-9-imaginary", "models"]  # once: then cached
    assert graph.phone_number_lookups == 0  # refused: never answered with the number
    # The load balancer's view: this instance can serve.
    assert (public.status_code, public.json()) == (
        200,
        {"status": "ok", "checks": {"database": "ok"}},
    )
