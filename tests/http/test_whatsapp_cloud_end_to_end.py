"""The whole WhatsApp Cloud path with the real adapter: signed webhook in, the answer out to a
local fake of the Graph API (in-process), on SQLite and PostgreSQL; faults injected at the fake."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from ignacio.application.use_cases.create_user import CreateUserCommand
from ignacio.application.workspaces import default_workspace
from ignacio.domain import RetryPolicy
from tests.http.conftest import database_url_for, serve
from tests.support.fake_graph import (
    DEFAULT_PHONE_NUMBER_ID,
    DEFAULT_TOKEN,
    FAKE_BASE_URL,
    FakeGraph,
    delivery_status,
    inbound_media,
    inbound_text,
    post_signed,
)
from tests.support.system import System, build_system, settings_for_tests

MEMBER = "+34612345678"


@dataclass
class Cloud:
    client: httpx.AsyncClient
    system: System
    graph: FakeGraph

    async def deliver(self, body: bytes) -> httpx.Response:
        response = await post_signed(self.client, body)
        return response

    async def settle(self) -> None:
        await self.system.settle()


@pytest.fixture(params=["sqlite", "postgres"])
async def cloud(request: pytest.FixtureRequest) -> AsyncIterator[Cloud]:
    async with open_cloud(request) as opened:
        yield opened


@pytest.fixture(params=["sqlite", "postgres"])
async def invite_only_cloud(request: pytest.FixtureRequest) -> AsyncIterator[Cloud]:
    async with open_cloud(request, IGNACIO_REGISTRATION="invite") as opened:
        yield opened


@asynccontextmanager
async def open_cloud(request: pytest.FixtureRequest, **overrides: Any) -> AsyncIterator[Cloud]:
    database_url = database_url_for(request)
    settings = settings_for_tests(
        IGNACIO_DATABASE_URL=database_url,
        IGNACIO_CHANNEL="whatsapp_cloud",
        WHATSAPP_ACCESS_TOKEN=DEFAULT_TOKEN,
        WHATSAPP_PHONE_NUMBER_ID=DEFAULT_PHONE_NUMBER_ID,
        WHATSAPP_API_BASE_URL=FAKE_BASE_URL,
        IGNACIO_STORAGE_DIR=request.getfixturevalue("tmp_path") / "files",
        **overrides,
    )
    graph = FakeGraph()
    system = build_system(settings, fake_clock=False, real_channel=True)
    system.container.http_client.override(graph.client())
    # Backoff in milliseconds, but never sooner than the fake's Retry-After.
    system.container.retry_policy.override(
        RetryPolicy(max_attempts=8, base_seconds=0.005, max_seconds=0.05)
    )
    async with serve(system) as client:
        yield Cloud(client=client, system=system, graph=graph)


async def test_a_message_is_read_answered_and_its_status_tracked(cloud: Cloud) -> None:
    await cloud.deliver(inbound_text(MEMBER, "Hola", message_id="wamid.IN1"))
    await cloud.settle()

    assert cloud.graph.texts_to(MEMBER) == ["echo: Hola (history 0)"]
    assert [r.message_id for r in cloud.graph.read_receipts] == ["wamid.IN1"]
    sent = cloud.graph.messages[0].id
    await cloud.deliver(delivery_status(sent, "delivered", MEMBER))
    await cloud.deliver(delivery_status(sent, "read", MEMBER))
    await cloud.settle()

    login = await cloud.client.post("/auth/request-otp", json={"phoneNumber": MEMBER})
    assert login.status_code == 200
    await cloud.settle()
    template = cloud.graph.messages[-1]
    assert template.type == "template"
    code = template.parameters[0]
    tokens = (
        await cloud.client.post("/auth/verify-otp", json={"phoneNumber": MEMBER, "code": code})
    ).json()
    headers = {"Authorization": f"Bearer {tokens['accessToken']}"}
    conversation = (await cloud.client.get("/conversations", headers=headers)).json()["items"][0]
    messages = (
        await cloud.client.get(f"/conversations/{conversation['id']}/messages", headers=headers)
    ).json()
    assert [(m["author"], m["deliveryStatus"]) for m in messages["items"]] == [
        ("assistant", "read"),
        ("member", "received"),
    ]


async def test_thirty_percent_failures_still_deliver_every_answer_once(cloud: Cloud) -> None:
    cloud.graph.set_failure_rate(0.3, seed=7, retry_after=0.05)
    senders = [f"+346123456{n:02d}" for n in range(12)]
    for n, sender in enumerate(senders):
        await cloud.deliver(inbound_text(sender, f"question {n}"))
    await cloud.settle()

    for n, sender in enumerate(senders):
        assert cloud.graph.texts_to(sender) == [f"echo: question {n} (history 0)"]
    refused = [a for a in cloud.graph.attempts if not a.accepted]
    assert refused, "the fault injection should have refused some sends"
    assert cloud.graph.retry_after_violations() == []


async def test_outside_the_window_fails_once_with_the_reason_and_is_not_retried(
    cloud: Cloud,
) -> None:
    cloud.graph.always_fail_for(MEMBER, code=131047)
    await cloud.system.container.create_user()(
        None, CreateUserCommand(phone="+34600000001", is_admin=True)
    )

    await cloud.deliver(inbound_text(MEMBER, "late reply"))
    await cloud.settle()

    sends = [
        a for a in cloud.graph.attempts if a.to == MEMBER.removeprefix("+") and a.kind == "text"
    ]
    assert len(sends) == 1
    admin = await _login(cloud, "+34600000001")
    failed = (await cloud.client.get("/admin/deliveries/failed", headers=admin)).json()["items"]
    assert [(d["errorCode"], d["attempts"]) for d in failed] == [(131047, 1)]
    assert failed[0]["errorTitle"]


async def test_media_is_fetched_with_the_token_and_kept(cloud: Cloud) -> None:
    media_id = cloud.graph.add_media(b"%PDF-1.7 fake", mime_type="application/pdf")
    await cloud.deliver(
        inbound_media(
            MEMBER,
            "document",
            media_id,
            mime_type="application/pdf",
            filename="plan.pdf",
            caption="my plan",
        )
    )
    await cloud.settle()

    storage = cloud.system.container.blob_storage()
    member = await _member_id(cloud)
    async with cloud.system.container.uow()() as uow:
        conversation = await uow.conversations.latest_for(
            (await default_workspace(uow)).id, member, _whatsapp()
        )
        assert conversation is not None
        inbound = next(
            m
            for m in (await uow.messages.recent(conversation.id, 10))
            if m.author.value == "member"
        )
    assert inbound.file_path is not None and inbound.file_path.endswith("/plan.pdf")
    assert await storage.get(inbound.file_path) == b"%PDF-1.7 fake"
    assert len(cloud.graph.texts_to(MEMBER)) == 1


async def test_under_invite_a_refused_code_answers_like_a_stranger_s_request(
    invite_only_cloud: Cloud,
) -> None:
    cloud = invite_only_cloud
    await cloud.system.container.create_user()(None, CreateUserCommand(phone=MEMBER))
    cloud.graph.fail_next(1, status=400, code=131026)  # "Message undeliverable"
    stranger = "+34699999999"

    answers = [
        await cloud.client.post("/auth/request-otp", json={"phoneNumber": number})
        for number in (MEMBER, stranger)
    ]
    await cloud.settle()

    assert [answer.status_code for answer in answers] == [200, 200]
    assert answers[0].json()["expiresIn"] == answers[1].json()["expiresIn"]
    assert cloud.graph.messages == []
    # Refused once; asked again, the code goes through and the person logs in.
    await _login(cloud, MEMBER)


async def _login(cloud: Cloud, phone: str) -> dict[str, str]:
    await cloud.client.post("/auth/request-otp", json={"phoneNumber": phone})
    await cloud.settle()
    code = cloud.graph.messages[-1].parameters[0]
    tokens = (
        await cloud.client.post("/auth/verify-otp", json={"phoneNumber": phone, "code": code})
    ).json()
    return {"Authorization": f"Bearer {tokens['accessToken']}"}


async def _member_id(cloud: Cloud) -> Any:
    from ignacio.domain import PhoneNumber

    async with cloud.system.container.uow()() as uow:
        user = await uow.users.get_by_phone(PhoneNumber.parse(MEMBER))
    assert user is not None
    return user.id


def _whatsapp() -> Any:
    from ignacio.domain import Channel

    return Channel.WHATSAPP
