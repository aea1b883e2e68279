"""Requests per client address on the API (429 with Retry-After, in the API's error shape), in
one process and across two app instances sharing the real Redis; WhatsApp senders' limits shared
the same way."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from ignacio.application.use_cases.receive_inbound import SLOW_DOWN_NOTICE
from tests.http.conftest import Api, serve
from tests.support.fake_twilio import (
    DEFAULT_ACCOUNT_SID,
    DEFAULT_AUTH_TOKEN,
    DEFAULT_NUMBER,
    inbound_form,
    signature,
)
from tests.support.system import build_system, settings_for_tests

MEMBER = "+34612345678"


async def app_with(**settings: Any) -> AsyncIterator[Api]:
    system = build_system(settings_for_tests(**settings), fake_clock=False)
    async with serve(system) as client:
        yield Api(client=client, system=system)


@pytest.fixture
async def limited() -> AsyncIterator[Api]:
    async for api in app_with(IGNACIO_API_RATE_LIMIT=3):
        yield api


async def test_the_api_answers_429_with_retry_after_past_the_limit(limited: Api) -> None:
    responses = [await limited.client.get("/users/me") for _ in range(4)]

    assert [r.status_code for r in responses] == [401, 401, 401, 429]
    refused = responses[-1]
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    body = refused.json()
    assert body["error"] == "rate_limited"
    assert body["message"].startswith("Too many requests")


async def test_health_and_webhooks_are_not_limited(limited: Api) -> None:
    health = [await limited.client.get("/health") for _ in range(5)]
    webhooks = [await limited.client.post("/webhooks/whatsapp", content=b"{}") for _ in range(5)]

    assert {r.status_code for r in health} == {200}
    assert 429 not in {r.status_code for r in webhooks}
    assert (await limited.client.get("/users/me")).status_code == 401


async def test_zero_turns_the_api_limit_off() -> None:
    async for api in app_with(IGNACIO_API_RATE_LIMIT=0):
        responses = [await api.client.get("/users/me") for _ in range(120)]
        assert {r.status_code for r in responses} == {401}


async def test_the_default_is_100_a_minute() -> None:
    async for api in app_with():
        responses = [await api.client.get("/users/me") for _ in range(101)]
        assert [r.status_code for r in responses].count(429) == 1


@pytest.fixture
async def two_instances(redis_url: str, redis_prefix: str) -> AsyncIterator[tuple[Api, Api]]:
    """Two apps with their own memory databases (as if on two machines) and one Redis."""
    settings = {
        "IGNACIO_API_RATE_LIMIT": 4,
        "RATE_LIMIT_MESSAGES": 2,
        "IGNACIO_REDIS_URL": redis_url,
        "IGNACIO_REDIS_KEY_PREFIX": redis_prefix,
        "IGNACIO_CHANNEL": "twilio",
        "TWILIO_ACCOUNT_SID": DEFAULT_ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": DEFAULT_AUTH_TOKEN,
        "TWILIO_WHATSAPP_NUMBER": DEFAULT_NUMBER,
    }
    async with AsyncExitStack() as stack:
        apps = []
        for _ in range(2):
            system = build_system(settings_for_tests(**settings), fake_clock=False)
            client = await stack.enter_async_context(serve(system))
            apps.append(Api(client=client, system=system))
        yield apps[0], apps[1]


async def test_two_instances_sharing_redis_count_an_address_together(
    two_instances: tuple[Api, Api],
) -> None:
    one, other = two_instances

    statuses = [
        (await (one if n % 2 else other).client.get("/users/me")).status_code for n in range(6)
    ]

    assert statuses == [401, 401, 401, 401, 429, 429]


async def test_two_instances_sharing_redis_count_a_sender_together(
    two_instances: tuple[Api, Api],
) -> None:
    one, other = two_instances

    async def deliver(api: Api, text: str) -> httpx.Response:
        params = inbound_form(MEMBER, text)
        response = await api.client.post(
            "/webhooks/twilio",
            content=urlencode(params).encode(),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Twilio-Signature": signature("http://testserver/webhooks/twilio", params),
            },
        )
        await api.system.settle()
        return response

    for n, api in enumerate([one, other, one, other]):
        assert (await deliver(api, f"message {n}")).status_code == 200

    answered = one.system.channel.texts_to(MEMBER) + other.system.channel.texts_to(MEMBER)
    assert sorted(answered) == sorted(
        ["echo: message 0 (history 0)", "echo: message 1 (history 0)", SLOW_DOWN_NOTICE]
    )
