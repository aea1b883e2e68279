"""A fake Twilio per test, and the adapters pointed at it in-process."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from ignacio.adapters.twilio import TwilioChannel, TwilioMediaFetcher
from ignacio.domain import PhoneNumber
from tests.support.fake_twilio import FAKE_BASE_URL, FakeTwilio

STATUS_CALLBACK = "https://ignacio.example.org/webhooks/twilio/status"


class ManualClock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def twilio(clock: ManualClock) -> FakeTwilio:
    return FakeTwilio(clock=clock)


@pytest.fixture
async def client(twilio: FakeTwilio) -> AsyncIterator[httpx.AsyncClient]:
    async with twilio.client() as client:
        yield client


def channel_for(
    twilio: FakeTwilio, client: httpx.AsyncClient, *, login_content_sid: str | None = None
) -> TwilioChannel:
    return TwilioChannel(
        client,
        account_sid=twilio.account_sid,
        auth_token=twilio.auth_token,
        from_number=PhoneNumber.from_provider(twilio.number),
        api_base_url=FAKE_BASE_URL,
        messaging_base_url=FAKE_BASE_URL,
        status_callback_url=STATUS_CALLBACK,
        login_content_sid=login_content_sid,
    )


@pytest.fixture
def channel(twilio: FakeTwilio, client: httpx.AsyncClient) -> TwilioChannel:
    return channel_for(twilio, client)


@pytest.fixture
def fetcher(twilio: FakeTwilio, client: httpx.AsyncClient) -> TwilioMediaFetcher:
    return TwilioMediaFetcher(
        client,
        account_sid=twilio.account_sid,
        auth_token=twilio.auth_token,
        api_base_url=FAKE_BASE_URL,
        max_bytes=1024 * 1024,
    )
