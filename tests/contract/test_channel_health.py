"""HealthProbe contract for the WhatsApp channel, on the console, the Cloud API (a local fake of
Graph) and Twilio (a local fake of its REST API): `ok` when the provider takes the credentials,
otherwise a reason naming the setting to check and never repeating a credential; each
provider's own ways of failing below."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest

from ignacio.adapters.console import ConsoleChannelProbe
from ignacio.adapters.twilio.health import TwilioProbe
from ignacio.adapters.whatsapp_cloud.health import CloudApiProbe
from ignacio.application.ports import HealthProbe
from ignacio.domain import CheckName, HealthCheck
from tests.support.fake_graph import FAKE_BASE_URL as GRAPH_URL
from tests.support.fake_graph import FakeGraph
from tests.support.fake_twilio import FAKE_BASE_URL as TWILIO_URL
from tests.support.fake_twilio import FakeTwilio

WRONG = "wrong-credential-0123456789"


@dataclass
class Provider:
    """Makes probes of one kind, with the provider's own credentials or a wrong secret."""

    name: str
    graph: FakeGraph
    twilio: FakeTwilio
    client: httpx.AsyncClient

    def probe(self, *, wrong_secret: bool = False, timeout_seconds: float = 5.0) -> HealthProbe:
        if self.name == "whatsapp_cloud":
            return CloudApiProbe(
                self.client,
                base_url=GRAPH_URL,
                api_version="v23.0",
                phone_number_id=self.graph.phone_number_id,
                access_token=WRONG if wrong_secret else self.graph.access_token,
                timeout_seconds=timeout_seconds,
            )
        if self.name == "twilio":
            return TwilioProbe(
                self.client,
                account_sid=self.twilio.account_sid,
                auth_token=WRONG if wrong_secret else self.twilio.auth_token,
                api_base_url=TWILIO_URL,
                timeout_seconds=timeout_seconds,
            )
        return ConsoleChannelProbe()

    @property
    def secrets(self) -> list[str]:
        return [WRONG, self.graph.access_token, self.twilio.auth_token]


@pytest.fixture
async def graph() -> FakeGraph:
    return FakeGraph()


@pytest.fixture
async def twilio() -> FakeTwilio:
    return FakeTwilio()


@pytest.fixture(params=["console", "whatsapp_cloud", "twilio"])
async def provider(
    request: pytest.FixtureRequest, graph: FakeGraph, twilio: FakeTwilio
) -> AsyncIterator[Provider]:
    fake_client = graph.client() if request.param != "twilio" else twilio.client()
    async with fake_client as client:
        yield Provider(request.param, graph, twilio, client)


@pytest.fixture(params=["whatsapp_cloud", "twilio"])
async def remote(
    request: pytest.FixtureRequest, graph: FakeGraph, twilio: FakeTwilio
) -> AsyncIterator[Provider]:
    fake_client = graph.client() if request.param == "whatsapp_cloud" else twilio.client()
    async with fake_client as client:
        yield Provider(request.param, graph, twilio, client)


async def test_working_credentials_are_ok(provider: Provider) -> None:
    check = await provider.probe().check()
    assert check.name == CheckName.WHATSAPP
    assert check.ok, check.detail


async def test_the_console_has_nothing_to_check() -> None:
    assert await ConsoleChannelProbe().check() == HealthCheck(
        name="whatsapp", ok=True, detail="console (nothing to check)"
    )


async def test_a_refused_secret_is_a_problem_naming_the_setting(remote: Provider) -> None:
    check = await remote.probe(wrong_secret=True).check()
    assert not check.ok
    assert "HTTP 401" in check.detail
    setting = "WHATSAPP_ACCESS_TOKEN" if remote.name == "whatsapp_cloud" else "TWILIO_AUTH_TOKEN"
    assert setting in check.detail
    assert not any(secret in check.detail for secret in remote.secrets)


async def test_a_failing_provider_is_a_problem(remote: Provider) -> None:
    if remote.name == "whatsapp_cloud":
        remote.graph.fail_next(status=503, code=2, endpoint="phone_number")
    else:
        remote.twilio.fail_next(status=503, code=20503, endpoint="account")
    check = await remote.probe().check()
    assert not check.ok
    assert "HTTP 503" in check.detail
    assert "try again later" in check.detail


async def test_a_provider_out_of_time_is_a_problem(remote: Provider) -> None:
    remote.graph.latency = remote.twilio.latency = 1.0
    check = await remote.probe(timeout_seconds=0.05).check()
    assert not check.ok
    assert check.detail.endswith("did not answer within 0.05 s")


async def test_an_unreachable_provider_is_a_problem() -> None:
    async with httpx.AsyncClient() as client:
        cloud = CloudApiProbe(
            client, base_url="http://127.0.0.1:1", phone_number_id="1", access_token=WRONG
        )
        twilio = TwilioProbe(
            client, account_sid="AC1", auth_token=WRONG, api_base_url="http://127.0.0.1:1"
        )
        checks = [await cloud.check(), await twilio.check()]
    assert [check.detail for check in checks] == [
        "could not reach the Graph API (ConnectError)",
        "could not reach Twilio (ConnectError)",
    ]


# --- the Cloud API -------------------------------------------------------------------------------


async def test_the_cloud_api_names_the_business_number(graph: FakeGraph) -> None:
    async with graph.client() as client:
        probe = Provider("whatsapp_cloud", graph, FakeTwilio(), client).probe()
        check = await probe.check()
    assert check.detail == f"ok (Cloud API, {graph.display_phone_number})"
    assert graph.phone_number_lookups == 1
    assert graph.messages == []


async def test_an_unknown_phone_number_id_is_a_problem(graph: FakeGraph) -> None:
    async with graph.client() as client:
        check = await CloudApiProbe(
            client,
            base_url=GRAPH_URL,
            phone_number_id="999999999",
            access_token=graph.access_token,
        ).check()
    assert not check.ok
    assert "WHATSAPP_PHONE_NUMBER_ID" in check.detail
    assert "code 100" in check.detail


async def test_a_token_without_permission_is_a_problem(graph: FakeGraph) -> None:
    graph.fail_next(status=403, code=200, endpoint="phone_number")
    async with graph.client() as client:
        check = await Provider("whatsapp_cloud", graph, FakeTwilio(), client).probe().check()
    assert not check.ok
    assert "whatsapp_business_management" in check.detail


# --- Twilio --------------------------------------------------------------------------------------


async def test_a_suspended_twilio_account_is_a_problem(twilio: FakeTwilio) -> None:
    twilio.account_status = "suspended"
    async with twilio.client() as client:
        check = await Provider("twilio", FakeGraph(), twilio, client).probe().check()
    assert not check.ok
    assert check.detail.startswith("the Twilio account is suspended")
    assert twilio.auth_token not in check.detail


async def test_a_trial_twilio_account_works_and_says_so(twilio: FakeTwilio) -> None:
    twilio.account_type = "Trial"
    async with twilio.client() as client:
        check = await Provider("twilio", FakeGraph(), twilio, client).probe().check()
    assert check == HealthCheck(name="whatsapp", ok=True, detail="ok (Twilio trial account)")
    assert twilio.account_fetches == 1
    assert twilio.messages == []
