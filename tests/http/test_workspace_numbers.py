"""A workspace's own WhatsApp numbers, through the real app: connected by its admin (sealed,
never shown), messages routed by the number they were sent to and answered from it, through
Meta's and Twilio's real adapters against local fakes of their APIs; a number nobody has is set
aside; on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, cast

import httpx
import pytest

from ignacio.application.use_cases.create_user import CreateUserCommand
from tests.http.conftest import bearer, database_url_for, serve
from tests.support.fake_graph import (
    DEFAULT_PHONE_NUMBER_ID,
    DEFAULT_TOKEN,
    FAKE_BASE_URL,
    FakeGraph,
    inbound_text,
    post_signed,
)
from tests.support.system import System, build_system, settings_for_tests

ADMIN = "+34600000001"
SOL_ADMIN = "+34600000002"
MEMBER = "+34612345678"
SOL_NUMBER_ID = "222222222222222"
SOL_TOKEN = "clinica-sol-system-user-token"
SECOND_NUMBER_ID = "555555555555555"
SECOND_TOKEN = "clinica-sol-second-token"


class ByToken(httpx.AsyncBaseTransport):
    """One Graph API for several fakes: each request goes to the fake whose token it carries,
    as Meta answers each number's token for that number's business only."""

    def __init__(self, graphs: list[FakeGraph]) -> None:
        self._transports = {
            graph.access_token: httpx.ASGITransport(app=cast("Any", graph.app)) for graph in graphs
        }
        self._default = next(iter(self._transports.values()))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        token = request.headers.get("authorization", "").partition(" ")[2]
        return await self._transports.get(token, self._default).handle_async_request(request)


@dataclass
class Numbers:
    client: httpx.AsyncClient
    system: System
    home: FakeGraph
    sol: FakeGraph

    async def deliver(self, body: bytes) -> None:
        await post_signed(self.client, body)
        await self.system.settle()

    async def headers(self, phone: str, *, platform_admin: bool = False) -> dict[str, str]:
        if platform_admin:
            await self.system.container.create_user()(
                None, CreateUserCommand(phone=phone, name="Admin", is_admin=True)
            )
        # The login code goes out from the deployment's number, as a template.
        await self.client.post("/auth/request-otp", json={"phoneNumber": phone})
        await self.system.settle()
        return await bearer(self.client, phone, self.home.messages[-1].parameters[0])


@pytest.fixture(params=["sqlite", "postgres"])
async def numbers(request: pytest.FixtureRequest) -> AsyncIterator[Numbers]:
    tmp_path = request.getfixturevalue("tmp_path")
    database_url = database_url_for(request)
    settings = settings_for_tests(
        IGNACIO_DATABASE_URL=database_url,
        IGNACIO_CHANNEL="whatsapp_cloud",
        WHATSAPP_ACCESS_TOKEN=DEFAULT_TOKEN,
        WHATSAPP_PHONE_NUMBER_ID=DEFAULT_PHONE_NUMBER_ID,
        WHATSAPP_API_BASE_URL=FAKE_BASE_URL,
        IGNACIO_STORAGE_DIR=tmp_path / "files",
    )
    home = FakeGraph()
    sol = FakeGraph(
        access_token=SOL_TOKEN, phone_number_id=SOL_NUMBER_ID, first_message_number=500_000
    )
    second = FakeGraph(
        access_token=SECOND_TOKEN, phone_number_id=SECOND_NUMBER_ID, first_message_number=900_000
    )
    system = build_system(settings, fake_clock=False, real_channel=True)
    system.container.http_client.override(
        httpx.AsyncClient(transport=ByToken([home, sol, second]), base_url=FAKE_BASE_URL)
    )
    async with serve(system) as client:
        yield Numbers(client=client, system=system, home=home, sol=sol)


async def clinica_sol(numbers: Numbers) -> dict[str, str]:
    """Clínica Sol's workspace with its own Meta number; returns its admin's headers."""
    platform = await numbers.headers(ADMIN, platform_admin=True)
    created = await numbers.client.post(
        "/workspaces",
        json={"name": "Clínica Sol", "slug": "sol", "assistant": {"name": "Sol"}},
        headers=platform,
    )
    assert created.status_code == 201, created.text
    added = await numbers.client.post(
        "/workspaces/sol/members",
        json={"phoneNumber": SOL_ADMIN, "role": "admin"},
        headers=platform,
    )
    assert added.status_code == 201, added.text
    return await numbers.headers(SOL_ADMIN)


async def test_a_workspace_number_is_connected_sealed_and_never_shown(numbers: Numbers) -> None:
    sol_admin = await clinica_sol(numbers)

    connected = await numbers.client.post(
        "/workspaces/sol/channels",
        json={
            "provider": "whatsapp_cloud",
            "phoneNumberId": SOL_NUMBER_ID,
            "accessToken": SOL_TOKEN,
            "displayNumber": "+34 910 000 000",
            "label": "Front desk",
        },
        headers=sol_admin,
    )
    listed = await numbers.client.get("/workspaces/sol/channels", headers=sol_admin)

    assert connected.status_code == 201, connected.text
    assert SOL_TOKEN not in connected.text and SOL_TOKEN not in listed.text
    assert listed.json() == [connected.json()]
    assert connected.json()["address"] == SOL_NUMBER_ID
    assert connected.json()["displayNumber"] == "+34910000000"
    # The default workspace's admin (the platform admin is in it) sees none of Sol's numbers.
    platform = await numbers.headers(ADMIN)
    assert (await numbers.client.get("/workspaces/default/channels", headers=platform)).json() == []


async def test_messages_reach_the_workspace_whose_number_they_were_sent_to_and_are_answered_from_it(
    numbers: Numbers,
) -> None:
    sol_admin = await clinica_sol(numbers)
    await numbers.client.post(
        "/workspaces/sol/channels",
        json={
            "provider": "whatsapp_cloud",
            "phoneNumberId": SOL_NUMBER_ID,
            "accessToken": SOL_TOKEN,
        },
        headers=sol_admin,
    )

    await numbers.deliver(inbound_text(MEMBER, "Hola Sol", phone_number_id=SOL_NUMBER_ID))
    await numbers.deliver(inbound_text(MEMBER, "Hola Lab"))

    # Each answer left from the number it was written to, with that number's own token.
    assert numbers.sol.texts_to(MEMBER) == ["echo: Hola Sol (history 0)"]
    assert numbers.home.texts_to(MEMBER) == ["echo: Hola Lab (history 0)"]
    # Sol's team sees its conversation; the default workspace's is not there.
    inbox = (
        await numbers.client.get(
            "/admin/conversations", headers=sol_admin | {"Ignacio-Workspace": "sol"}
        )
    ).json()["items"]
    assert len(inbox) == 1


async def test_a_message_to_a_number_no_workspace_has_is_set_aside_and_not_answered(
    numbers: Numbers,
) -> None:
    platform = await numbers.headers(ADMIN, platform_admin=True)

    await numbers.deliver(inbound_text(MEMBER, "Hello?", phone_number_id="333333333333333"))

    assert numbers.home.texts_to(MEMBER) == [] and numbers.sol.messages == []
    set_aside = (await numbers.client.get("/admin/webhooks/set-aside", headers=platform)).json()
    assert len(set_aside["items"]) == 1
    assert "333333333333333" in set_aside["items"][0]["lastError"]


async def test_a_disconnected_number_no_longer_routes_and_nothing_answers_for_it(
    numbers: Numbers,
) -> None:
    sol_admin = await clinica_sol(numbers)
    channel = (
        await numbers.client.post(
            "/workspaces/sol/channels",
            json={
                "provider": "whatsapp_cloud",
                "phoneNumberId": SOL_NUMBER_ID,
                "accessToken": SOL_TOKEN,
            },
            headers=sol_admin,
        )
    ).json()
    await numbers.deliver(inbound_text(MEMBER, "first", phone_number_id=SOL_NUMBER_ID))

    removed = await numbers.client.delete(
        f"/workspaces/sol/channels/{channel['id']}", headers=sol_admin
    )
    await numbers.deliver(inbound_text(MEMBER, "second", phone_number_id=SOL_NUMBER_ID))

    assert removed.status_code == 204
    assert numbers.sol.texts_to(MEMBER) == ["echo: first (history 0)"]
    assert numbers.home.texts_to(MEMBER) == []


async def test_connecting_is_for_the_workspace_admins_and_within_the_limit(
    numbers: Numbers,
) -> None:
    sol_admin = await clinica_sol(numbers)
    member = await numbers.headers(MEMBER)
    await numbers.client.post(
        "/workspaces/sol/members", json={"phoneNumber": MEMBER}, headers=sol_admin
    )
    body = {"provider": "whatsapp_cloud", "phoneNumberId": SOL_NUMBER_ID, "accessToken": SOL_TOKEN}

    as_member = await numbers.client.post("/workspaces/sol/channels", json=body, headers=member)
    first = await numbers.client.post("/workspaces/sol/channels", json=body, headers=sol_admin)
    again = await numbers.client.post("/workspaces/sol/channels", json=body, headers=sol_admin)
    second = await numbers.client.post(
        "/workspaces/sol/channels",
        json={
            "provider": "whatsapp_cloud",
            "phoneNumberId": SECOND_NUMBER_ID,
            "accessToken": SECOND_TOKEN,
        },
        headers=sol_admin,
    )
    third = await numbers.client.post(
        "/workspaces/sol/channels",
        json=body | {"phoneNumberId": "444444444444444"},
        headers=sol_admin,
    )
    bad = await numbers.client.post(
        "/workspaces/sol/channels",
        json={
            "provider": "twilio",
            "accountSid": "not-a-sid",
            "authToken": "twilio-token",
            "number": "+14155238886",
        },
        headers=sol_admin,
    )

    assert as_member.status_code == 403
    assert (first.status_code, again.status_code, second.status_code) == (201, 409, 201)
    assert third.status_code == 400 and "at most 2" in third.json()["message"]
    assert bad.status_code == 400 and "account SID" in bad.json()["message"]


async def test_nobody_connects_a_number_they_do_not_control_or_the_deployment_s_own(
    numbers: Numbers,
) -> None:
    sol_admin = await clinica_sol(numbers)

    # Sol's number id with a token Meta gives for another business's numbers.
    squatted = await numbers.client.post(
        "/workspaces/sol/channels",
        json={"provider": "whatsapp_cloud", "phoneNumberId": SOL_NUMBER_ID, "accessToken": "x"},
        headers=sol_admin,
    )
    deployment_s = await numbers.client.post(
        "/workspaces/sol/channels",
        json={
            "provider": "whatsapp_cloud",
            "phoneNumberId": DEFAULT_PHONE_NUMBER_ID,
            "accessToken": DEFAULT_TOKEN,
        },
        headers=sol_admin,
    )

    assert squatted.status_code == 400
    assert "Meta refused the access token" in squatted.json()["message"]
    assert "check the access token" in squatted.json()["message"]
    assert deployment_s.status_code == 409
    assert "deployment's own" in deployment_s.json()["message"]
    await numbers.deliver(inbound_text(MEMBER, "Hola", phone_number_id=SOL_NUMBER_ID))
    assert numbers.sol.texts_to(MEMBER) == [] and numbers.home.texts_to(MEMBER) == []
