"""A workspace's number on a WhatsApp-Web gateway (seed 001), end to end with the real adapter
against a local fake of the gateway: an admin connects it and is shown the QR code, the phone
scans it, a member's signed message is stored and answered through the gateway, unsigned and
wrongly signed webhooks are refused with nothing kept, a dropped link shows up for the
workspace's admins and in the audit log, and the watch notices a gateway that died. On SQLite
and PostgreSQL; once more with the fake served for real over TCP."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from ignacio.application.use_cases.create_user import CreateUserCommand
from ignacio.domain import Author, Channel, DeliveryStatus, Message, PhoneNumber
from tests.http.conftest import Api, database_url_for, serve
from tests.support.fake_gateway import (
    DEFAULT_SECRET,
    FAKE_BASE_URL,
    PNG_DATA_URL,
    FakeGateway,
    Webhook,
)
from tests.support.system import System, build_system, settings_for_tests

PUBLIC_URL = "https://ignacio.example.org"
ADMIN = "+34600000001"
MEMBER = "+34612345678"
SOL = "+34910000111"


def gateway_settings(**variables: Any) -> dict[str, Any]:
    return {
        "WHATSAPP_GATEWAY_URL": FAKE_BASE_URL,
        "WHATSAPP_GATEWAY_SECRET": DEFAULT_SECRET,
        "WHATSAPP_GATEWAY_PUBLIC_URL": PUBLIC_URL,
    } | variables


@dataclass
class Deployment:
    api: Api
    gateway: FakeGateway

    @property
    def client(self) -> httpx.AsyncClient:
        return self.api.client

    @property
    def system(self) -> System:
        return self.api.system

    async def post(self, webhook: Webhook) -> httpx.Response:
        response = await self.client.post(
            webhook.path, content=webhook.body, headers=webhook.headers
        )
        await self.system.settle()
        return response

    async def admin(self) -> dict[str, str]:
        await self.system.container.create_user()(
            None, CreateUserCommand(phone=ADMIN, name="Admin", is_admin=True)
        )
        headers = await self.api.headers_for(ADMIN)
        created = await self.client.post(
            "/workspaces", json={"name": "Clínica Sol", "slug": "sol"}, headers=headers
        )
        assert created.status_code == 201, created.text
        return headers

    async def connect(self, headers: dict[str, str], number: str = SOL) -> httpx.Response:
        return await self.client.post(
            "/workspaces/sol/channels",
            json={"provider": "whatsapp_gateway", "number": number, "label": "Recepción"},
            headers=headers,
        )

    async def numbers(self, headers: dict[str, str]) -> list[dict[str, Any]]:
        response = await self.client.get("/workspaces/sol/channels", headers=headers)
        assert response.status_code == 200, response.text
        listed: list[dict[str, Any]] = response.json()
        return listed

    async def audit(self, headers: dict[str, str], action: str) -> list[dict[str, Any]]:
        response = await self.client.get(
            "/admin/audit-log",
            params={"action": action},
            headers=headers | {"Ignacio-Workspace": "sol"},
        )
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items

    async def member_messages(self) -> list[Message]:
        """What the member wrote and was answered, in Sol's workspace, oldest first."""
        async with self.system.container.uow()(read_only=True) as uow:
            user = await uow.users.get_by_phone(PhoneNumber.parse(MEMBER))
            sol = await uow.workspaces.get_by_slug("sol")
            if user is None or sol is None:
                return []
            conversation = await uow.conversations.latest_for(sol.id, user.id, Channel.WHATSAPP)
            if conversation is None:
                return []
            return list(reversed(await uow.messages.recent(conversation.id, 100)))


@asynccontextmanager
async def deployment(
    database_url: str, *, in_process: bool = True, **variables: Any
) -> AsyncIterator[Deployment]:
    gateway = FakeGateway()
    system = build_system(
        settings_for_tests(IGNACIO_DATABASE_URL=database_url, **gateway_settings(**variables)),
        fake_clock=False,
    )
    if in_process:
        system.container.http_client.override(gateway.client())
    async with serve(system) as client:
        yield Deployment(api=Api(client=client, system=system), gateway=gateway)


@pytest.fixture(params=["sqlite", "postgres"])
async def app(request: pytest.FixtureRequest) -> AsyncIterator[Deployment]:
    async with deployment(database_url_for(request)) as deployed:
        yield deployed


@pytest.fixture
async def memory_app() -> AsyncIterator[Deployment]:
    async with deployment("memory://") as deployed:
        yield deployed


async def test_a_number_is_paired_by_qr_code_and_its_member_answered_through_the_gateway(
    app: Deployment,
) -> None:
    headers = await app.admin()
    connected = await app.connect(headers)
    assert connected.status_code == 201, connected.text
    number = connected.json()
    session = app.gateway.session(SOL)
    assert session is not None and session.state == "qr"
    # The QR code the gateway gave is what the admin is shown, until the phone scans it.
    assert number["connection"]["state"] == "pairing"
    assert number["connection"]["qrCode"] == session.qr_code
    assert number["displayNumber"] == SOL
    assert session.webhook_url == PUBLIC_URL + "/webhooks/gateway"
    # Asked first whether it answers at all; then a new session always: whatever the gateway
    # had for the number is ended first.
    assert app.gateway.requests == [("status", SOL), ("disconnect", SOL), ("connect", SOL)]

    renewed = app.gateway.new_qr(SOL)
    assert (await app.post(renewed)).status_code == 200
    assert (await app.numbers(headers))[0]["connection"]["qrCode"] == renewed.payload()["qr_code"]

    scanned = await app.post(app.gateway.scan(SOL))
    assert scanned.json() == {"messages": 0, "updates": 0, "connections": 1}
    (linked,) = await app.numbers(headers)
    assert linked["connection"]["state"] == "connected"
    assert linked["connection"]["qrCode"] is None
    assert len(await app.audit(headers, "channel.linked")) == 1

    hello = app.gateway.message(SOL, MEMBER, "Hola Sol")
    kept = await app.post(hello)
    assert kept.status_code == 200, kept.text
    assert kept.json() == {"messages": 1, "updates": 0, "connections": 0}
    assert app.gateway.texts_to(MEMBER) == ["echo: Hola Sol (history 0)"]
    (answer,) = app.gateway.sent
    assert answer.phone_number == SOL
    # Delivered twice (the gateway retried): stored once, answered once.
    assert (await app.post(hello)).status_code == 200
    assert len(app.gateway.sent) == 1
    messages = {message.author: message for message in await app.member_messages()}
    assert len(messages) == 2
    written, answered = messages[Author.MEMBER], messages[Author.ASSISTANT]
    assert (written.content, written.external_message_id) == (
        "Hola Sol",
        hello.payload()["message_id"],
    )
    assert answered.content == answer.message

    assert (await app.post(app.gateway.delivery(SOL, answer.message_id, "read"))).status_code == 200
    answers = [m for m in await app.member_messages() if m.author is Author.ASSISTANT]
    assert [m.delivery_status for m in answers] == [DeliveryStatus.READ]


async def test_an_unsigned_or_wrongly_signed_webhook_is_refused_and_nothing_is_kept(
    app: Deployment,
) -> None:
    headers = await app.admin()
    assert (await app.connect(headers)).status_code == 201
    await app.post(app.gateway.scan(SOL))
    gateway = app.gateway
    refused = [
        gateway.message(SOL, MEMBER, "unsigned", unsigned=True),
        gateway.message(SOL, MEMBER, "forged", secret="not-the-shared-secret-" + "x" * 20),
        # Signed right, but five minutes and more ago: a replay.
        gateway.message(SOL, MEMBER, "replayed", signed_at=time.time() - 301),
        gateway.status(SOL, "disconnected", reason="forged", unsigned=True),
    ]
    for webhook in refused:
        response = await app.post(webhook)
        assert response.status_code == 401, response.text
        assert response.json()["error"] == "invalid_signature"
    # A body changed after it was signed.
    signed = gateway.message(SOL, MEMBER, "Hola")
    tampered = await app.client.post(
        signed.path, content=signed.body.replace(b"Hola", b"Hole"), headers=signed.headers
    )
    assert tampered.status_code == 401
    await app.system.settle()

    assert await app.system.container.webhook_inbox().waiting() == 0
    assert await app.member_messages() == []
    assert gateway.sent == []
    (number,) = await app.numbers(headers)
    assert number["connection"]["state"] == "connected"


async def test_a_dropped_link_shows_disconnected_to_the_admins_is_audited_and_paired_again(
    app: Deployment,
) -> None:
    headers = await app.admin()
    channel_id = (await app.connect(headers)).json()["id"]
    await app.post(app.gateway.scan(SOL))

    assert (await app.post(app.gateway.drop(SOL, reason="LOGOUT"))).status_code == 200
    (number,) = await app.numbers(headers)
    assert number["connection"]["state"] == "disconnected"
    assert number["connection"]["reason"] == "LOGOUT"
    (alert,) = await app.audit(headers, "channel.link_lost")
    assert alert["targetId"] == channel_id
    assert alert["actorId"] is None
    assert alert["details"] == {"state": "disconnected", "reason": "LOGOUT"}
    # The same word again, or an older one arriving late, changes nothing and alerts no more.
    await app.post(app.gateway.drop(SOL, reason="LOGOUT"))
    await app.post(app.gateway.status(SOL, "connected", at=time.time() - 120))
    assert (await app.numbers(headers))[0]["connection"]["state"] == "disconnected"
    assert len(await app.audit(headers, "channel.link_lost")) == 1

    paired = await app.client.post(
        f"/workspaces/sol/channels/{channel_id}/pairing", headers=headers
    )
    assert paired.status_code == 200, paired.text
    session = app.gateway.session(SOL)
    assert session is not None and session.state == "qr"
    assert paired.json()["connection"] == {
        "state": "pairing",
        "since": paired.json()["connection"]["since"],
        "qrCode": session.qr_code,
        "reason": None,
    }
    assert len(await app.audit(headers, "channel.pair")) == 1


async def test_the_watch_notices_a_gateway_that_died_without_a_word(memory_app: Deployment) -> None:
    app = memory_app
    headers = await app.admin()
    await app.connect(headers)
    await app.post(app.gateway.scan(SOL))
    watch = app.system.container.watch_gateway_links()
    assert await watch() == 0

    app.gateway.die()
    assert await watch() == 1
    (number,) = await app.numbers(headers)
    assert number["connection"]["state"] == "disconnected"
    assert number["connection"]["reason"] == "the gateway answered gateway down"
    assert len(await app.audit(headers, "channel.link_lost")) == 1
    assert await watch() == 0


async def test_the_watch_sees_a_number_linked_without_its_webhook_and_leaves_a_pairing_alone(
    memory_app: Deployment,
) -> None:
    app = memory_app
    headers = await app.admin()
    await app.connect(headers)
    watch = app.system.container.watch_gateway_links()
    # Waiting for its code to be scanned: the poll keeps the code on screen.
    assert await watch() == 0
    assert (await app.numbers(headers))[0]["connection"]["state"] == "pairing"
    app.gateway.scan(SOL)  # the webhook that says so is lost
    assert await watch() == 1
    assert (await app.numbers(headers))[0]["connection"]["state"] == "connected"


async def test_disconnecting_the_number_ends_its_session_at_the_gateway(
    memory_app: Deployment,
) -> None:
    app = memory_app
    headers = await app.admin()
    channel_id = (await app.connect(headers)).json()["id"]
    await app.post(app.gateway.scan(SOL))
    removed = await app.client.delete(f"/workspaces/sol/channels/{channel_id}", headers=headers)
    assert removed.status_code == 204
    assert app.gateway.session(SOL) is None
    assert app.gateway.requests[-1] == ("disconnect", SOL)
    # What it still delivers is for nobody: set aside for the platform's admins.
    await app.post(app.gateway.message(SOL, MEMBER, "Hola"))
    assert await app.member_messages() == []


async def test_a_gateway_that_refuses_ignacio_s_signature_connects_nothing() -> None:
    async with deployment("memory://", WHATSAPP_GATEWAY_SECRET="w" * 40) as app:
        headers = await app.admin()
        refused = await app.connect(headers)
        assert refused.status_code == 400
        assert "WHATSAPP_GATEWAY_SECRET" in refused.json()["message"]
        assert app.gateway.refused >= 1
        assert await app.numbers(headers) == []


async def test_without_a_gateway_a_gateway_number_is_refused_saying_what_to_set() -> None:
    system = build_system(fake_clock=False)
    async with serve(system) as client:
        app = Deployment(api=Api(client=client, system=system), gateway=FakeGateway())
        headers = await app.admin()
        refused = await app.connect(headers)
        assert refused.status_code == 400
        assert "WHATSAPP_GATEWAY_URL" in refused.json()["message"]
        # Nobody can sign a webhook when no secret is configured.
        signed = app.gateway.message(SOL, MEMBER, "Hola")
        assert (await app.post(signed)).status_code == 401


async def test_a_gateway_served_for_real_pairs_and_answers_with_an_image_qr_code() -> None:
    gateway = FakeGateway(qr_as_image=True)
    with gateway.serve() as base_url:
        system = build_system(
            settings_for_tests(**gateway_settings(WHATSAPP_GATEWAY_URL=base_url)),
            fake_clock=False,
        )
        async with serve(system) as client:
            app = Deployment(api=Api(client=client, system=system), gateway=gateway)
            headers = await app.admin()
            connected = await app.connect(headers)
            assert connected.json()["connection"]["qrCode"] == PNG_DATA_URL
            await app.post(gateway.scan(SOL))
            await app.post(gateway.message(SOL, MEMBER, "Hola"))
            assert gateway.texts_to(MEMBER) == ["echo: Hola (history 0)"]
