"""A workspace's front desk for HTTP tests: a WhatsApp number (signed webhooks in, the real Cloud
adapter out to a local fake of the Graph API), an admin and two agents logged in."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from ignacio.application.use_cases.create_user import CreateUserCommand
from ignacio.domain import RetryPolicy
from tests.http.conftest import database_url_for, serve
from tests.support.fake_graph import (
    DEFAULT_PHONE_NUMBER_ID,
    DEFAULT_TOKEN,
    FAKE_BASE_URL,
    FakeGraph,
    inbound_text,
    post_signed,
)
from tests.support.system import System, build_system, settings_for_tests

MEMBER = "+34612345678"
AGENT = "+34600000002"
OTHER_AGENT = "+34600000003"
ADMIN = "+34600000001"
INBOX = "/workspaces/default/inbox"


@dataclass
class Desk:
    """A workspace with a WhatsApp number, an admin and two agents logged in."""

    client: httpx.AsyncClient
    system: System
    graph: FakeGraph
    admin: dict[str, str]
    agent: dict[str, str]
    other_agent: dict[str, str]

    async def member_writes(self, text: str, phone: str = MEMBER) -> None:
        # The clock stands still unless moved: each step a second later, as in life.
        self.system.clock.advance(seconds=1)
        response = await post_signed(self.client, inbound_text(phone, text))
        assert response.status_code == 200, response.text
        await self.system.settle()

    async def inbox(self, headers: dict[str, str] | None = None, **query: Any) -> list[Any]:
        response = await self.client.get(INBOX, params=query, headers=headers or self.agent)
        assert response.status_code == 200, response.text
        items: list[Any] = response.json()["items"]
        return items

    async def only_conversation(self) -> dict[str, Any]:
        (item,) = await self.inbox()
        return item  # type: ignore[no-any-return]

    async def post(self, path: str, headers: dict[str, str] | None = None, **body: Any) -> Any:
        self.system.clock.advance(seconds=1)
        return await self.client.post(
            f"{INBOX}/{path}", json=body or None, headers=headers or self.agent
        )


async def log_in(
    client: httpx.AsyncClient, system: System, graph: FakeGraph, phone: str
) -> dict[str, str]:
    """Log in with the code the fake Graph API was asked to send; the Authorization header."""
    await client.post("/auth/request-otp", json={"phoneNumber": phone})
    await system.settle()
    code = graph.messages[-1].parameters[0]
    tokens = await client.post("/auth/verify-otp", json={"phoneNumber": phone, "code": code})
    assert tokens.status_code == 200, tokens.text
    return {"Authorization": f"Bearer {tokens.json()['accessToken']}"}


@asynccontextmanager
async def open_desk(
    request: pytest.FixtureRequest, *, streaming: bool = False, **variables: Any
) -> AsyncIterator[Desk]:
    """The desk on the adapter set `request` is parametrised by (see `database_url_for`), or
    the IGNACIO_DATABASE_URL of `variables` (more settings, by name); `streaming`: served
    through a transport that reads live streams."""
    settings = settings_for_tests(
        **{
            "IGNACIO_DATABASE_URL": variables.get("IGNACIO_DATABASE_URL")
            or database_url_for(request),
            "IGNACIO_CHANNEL": "whatsapp_cloud",
            "WHATSAPP_ACCESS_TOKEN": DEFAULT_TOKEN,
            "WHATSAPP_PHONE_NUMBER_ID": DEFAULT_PHONE_NUMBER_ID,
            "WHATSAPP_API_BASE_URL": FAKE_BASE_URL,
            "IGNACIO_STORAGE_DIR": request.getfixturevalue("tmp_path") / "files",
        }
        | variables
    )
    graph = FakeGraph()
    system = build_system(settings, fake_clock=True, real_channel=True)
    system.container.http_client.override(graph.client())
    system.container.retry_policy.override(
        RetryPolicy(max_attempts=4, base_seconds=0.005, max_seconds=0.05)
    )
    async with serve(system, streaming=streaming) as client:
        await system.container.create_user()(
            None, CreateUserCommand(phone=ADMIN, name="Admin", is_admin=True)
        )
        headers: dict[str, dict[str, str]] = {}
        for phone in (ADMIN, AGENT, OTHER_AGENT):
            if phone != ADMIN:
                response = await client.post(
                    "/workspaces/default/members",
                    json={"phoneNumber": phone, "role": "agent", "name": f"Agent {phone[-1]}"},
                    headers=headers[ADMIN],
                )
                assert response.status_code == 201, response.text
            headers[phone] = await log_in(client, system, graph, phone)
        graph.reset()
        yield Desk(
            client=client,
            system=system,
            graph=graph,
            admin=headers[ADMIN],
            agent=headers[AGENT],
            other_agent=headers[OTHER_AGENT],
        )
