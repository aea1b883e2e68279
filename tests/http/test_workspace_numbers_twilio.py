"""A workspace's own Twilio number on an account of its own: its webhooks are signed with that
account's token and accepted for the workspace, its answers go out through that account, and a
form signed with neither token is refused; on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import urlencode

import httpx
import pytest

from ignacio.application.use_cases.create_user import CreateUserCommand
from tests.http.conftest import bearer, database_url_for, serve
from tests.support.fake_twilio import (
    DEFAULT_ACCOUNT_SID,
    DEFAULT_AUTH_TOKEN,
    DEFAULT_NUMBER,
    FAKE_BASE_URL,
    FakeTwilio,
    inbound_form,
    signature,
)
from tests.support.system import System, build_system, settings_for_tests

PUBLIC_URL = "https://ignacio.example.org"
LOGIN_CONTENT_SID = "HX" + "5a" * 16
ADMIN = "+34600000001"
SOL_ADMIN = "+34600000002"
MEMBER = "+34612345678"
SOL_SID = "AC" + "2" * 32
SOL_TOKEN = "clinica-sol-auth-token"
SOL_NUMBER = "+14155550123"


class ByAccount(httpx.AsyncBaseTransport):
    """One Twilio for several accounts: each request reaches the fake of the account it
    authenticates as (HTTP Basic, the account SID as the user name)."""

    def __init__(self, accounts: list[FakeTwilio]) -> None:
        self._transports = {
            fake.account_sid: httpx.ASGITransport(app=cast("Any", fake.app)) for fake in accounts
        }
        self._default = next(iter(self._transports.values()))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
        sid = ""
        if scheme.lower() == "basic":
            sid = base64.b64decode(credentials).decode().partition(":")[0]
        return await self._transports.get(sid, self._default).handle_async_request(request)


@dataclass
class TwoAccounts:
    client: httpx.AsyncClient
    system: System
    home: FakeTwilio
    sol: FakeTwilio

    async def deliver(self, params: list[tuple[str, str]], token: str) -> httpx.Response:
        path = "/webhooks/twilio"
        response = await self.client.post(
            path,
            content=urlencode(params).encode(),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Twilio-Signature": signature(PUBLIC_URL + path, params, token),
            },
        )
        await self.system.settle()
        return response

    async def headers(self, phone: str) -> dict[str, str]:
        await self.client.post("/auth/request-otp", json={"phoneNumber": phone})
        await self.system.settle()
        return await bearer(self.client, phone, self.home.messages[-1].content_variables["1"])


@pytest.fixture(params=["sqlite", "postgres"])
async def accounts(request: pytest.FixtureRequest) -> AsyncIterator[TwoAccounts]:
    tmp_path = request.getfixturevalue("tmp_path")
    database_url = database_url_for(request)
    settings = settings_for_tests(
        IGNACIO_DATABASE_URL=database_url,
        IGNACIO_CHANNEL="twilio",
        TWILIO_ACCOUNT_SID=DEFAULT_ACCOUNT_SID,
        TWILIO_AUTH_TOKEN=DEFAULT_AUTH_TOKEN,
        TWILIO_WHATSAPP_NUMBER="whatsapp:" + DEFAULT_NUMBER,
        TWILIO_PUBLIC_URL=PUBLIC_URL,
        TWILIO_API_BASE_URL=FAKE_BASE_URL,
        TWILIO_MESSAGING_BASE_URL=FAKE_BASE_URL,
        TWILIO_LOGIN_CONTENT_SID=LOGIN_CONTENT_SID,
        IGNACIO_STORAGE_DIR=tmp_path / "files",
    )
    home = FakeTwilio()
    home.register_content(LOGIN_CONTENT_SID)
    sol = FakeTwilio(account_sid=SOL_SID, auth_token=SOL_TOKEN, number=SOL_NUMBER)
    system = build_system(settings, fake_clock=False, real_channel=True)
    system.container.http_client.override(
        httpx.AsyncClient(transport=ByAccount([home, sol]), base_url=FAKE_BASE_URL)
    )
    async with serve(system) as client:
        yield TwoAccounts(client=client, system=system, home=home, sol=sol)


async def test_a_number_on_its_own_account_is_routed_answered_and_checked_with_its_token(
    accounts: TwoAccounts,
) -> None:
    await accounts.system.container.create_user()(
        None, CreateUserCommand(phone=ADMIN, name="Admin", is_admin=True)
    )
    platform = await accounts.headers(ADMIN)
    await accounts.client.post(
        "/workspaces", json={"name": "Clínica Sol", "slug": "sol"}, headers=platform
    )
    await accounts.client.post(
        "/workspaces/sol/members",
        json={"phoneNumber": SOL_ADMIN, "role": "admin"},
        headers=platform,
    )
    sol_admin = await accounts.headers(SOL_ADMIN)
    wrong = await accounts.client.post(
        "/workspaces/sol/channels",
        json={"provider": "twilio", "accountSid": SOL_SID, "authToken": "x", "number": SOL_NUMBER},
        headers=sol_admin,
    )
    assert wrong.status_code == 400
    assert "check the account SID and the auth token" in wrong.json()["message"]
    connected = await accounts.client.post(
        "/workspaces/sol/channels",
        json={
            "provider": "twilio",
            "accountSid": SOL_SID,
            "authToken": SOL_TOKEN,
            "number": SOL_NUMBER,
        },
        headers=sol_admin,
    )
    assert connected.status_code == 201, connected.text
    assert connected.json()["displayNumber"] == SOL_NUMBER

    to_sol = inbound_form(MEMBER, "Hola Sol", to=SOL_NUMBER, account_sid=SOL_SID)
    kept = await accounts.deliver(to_sol, SOL_TOKEN)
    forged = await accounts.deliver(
        inbound_form(MEMBER, "forged", to=SOL_NUMBER, account_sid=SOL_SID), "not-the-token"
    )
    # Sol's number routes only what Sol's account signed, not even the deployment's account.
    by_deployment = await accounts.deliver(
        inbound_form(MEMBER, "not Sol's", to=SOL_NUMBER), DEFAULT_AUTH_TOKEN
    )
    to_home = await accounts.deliver(inbound_form(MEMBER, "Hola Lab"), DEFAULT_AUTH_TOKEN)

    assert (kept.status_code, forged.status_code, to_home.status_code) == (200, 403, 200)
    assert by_deployment.status_code == 403
    assert accounts.sol.texts_to(MEMBER) == ["echo: Hola Sol (history 0)"]
    assert accounts.home.texts_to(MEMBER) == ["echo: Hola Lab (history 0)"]
    sol_inbox = (
        await accounts.client.get(
            "/admin/conversations", headers=sol_admin | {"Ignacio-Workspace": "sol"}
        )
    ).json()["items"]
    assert len(sol_inbox) == 1
