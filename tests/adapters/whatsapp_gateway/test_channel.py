"""The Channel, the sessions and the probe against the local fake gateway (in-process): what
reaches `/send-message`, `/connect`, `/disconnect` and `/status`, signed; and each refusal read
as what it means (retry later, scan again, fix the secret, never sent as something else)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from ignacio.adapters.whatsapp_gateway import (
    LOGIN_CODE_TEXT,
    MAX_TEXT_LENGTH,
    GatewayChannel,
    GatewayClient,
    GatewayMediaFetcher,
    GatewayProbe,
    GatewaySessions,
    NoGateway,
)
from ignacio.application.ports import OutgoingFile, SendFailure, SessionFailure
from ignacio.domain import ConnectionState, MediaRef, PhoneNumber
from ignacio.domain.templates import TemplateUse
from tests.support.fake_gateway import DEFAULT_SECRET, FAKE_BASE_URL, FakeGateway

OURS = PhoneNumber.parse("+34910000111")
ANA = PhoneNumber.parse("+34612345678")
WEBHOOK_URL = "https://ignacio.example.org/webhooks/gateway"


@pytest.fixture
def gateway() -> FakeGateway:
    return FakeGateway()


@pytest.fixture
async def client(gateway: FakeGateway) -> AsyncIterator[httpx.AsyncClient]:
    async with gateway.client() as client:
        yield client


def connect(client: httpx.AsyncClient, secret: str = DEFAULT_SECRET) -> GatewayClient:
    return GatewayClient(client, base_url=FAKE_BASE_URL + "/", secret=secret)


@pytest.fixture
def sessions(client: httpx.AsyncClient) -> GatewaySessions:
    return GatewaySessions(connect(client), webhook_url=WEBHOOK_URL)


@pytest.fixture
def channel(client: httpx.AsyncClient) -> GatewayChannel:
    return GatewayChannel(connect(client), number=OURS)


async def test_a_session_begins_with_a_qr_code_and_its_state_is_read(
    gateway: FakeGateway, sessions: GatewaySessions
) -> None:
    assert await sessions.state(OURS) is ConnectionState.DISCONNECTED  # never seen: 404
    qr_code = await sessions.start(OURS)
    session = gateway.session(OURS.e164)
    assert session is not None and (session.qr_code, session.webhook_url) == (qr_code, WEBHOOK_URL)
    assert await sessions.state(OURS) is ConnectionState.PAIRING
    gateway.scan(OURS.e164)
    assert await sessions.state(OURS) is ConnectionState.CONNECTED
    # Starting again ends the linked session first: a new code, to be scanned again.
    again = await sessions.start(OURS)
    assert again != qr_code
    assert await sessions.state(OURS) is ConnectionState.PAIRING
    await sessions.stop(OURS)
    await sessions.stop(OURS)  # no session: nothing to stop, no error
    assert gateway.session(OURS.e164) is None
    assert gateway.refused == 0


async def test_texts_and_login_codes_reach_send_message_from_a_linked_number(
    gateway: FakeGateway, sessions: GatewaySessions, channel: GatewayChannel
) -> None:
    await sessions.start(OURS)
    gateway.scan(OURS.e164)
    sent = await channel.send_text(ANA, "Hola Ana")
    code = await channel.send_login_code(ANA, "123456")
    first, second = gateway.sent
    assert (first.phone_number, first.to, first.message) == (OURS.e164, ANA.e164, "Hola Ana")
    assert second.message == LOGIN_CODE_TEXT.format(code="123456")
    assert (sent.external_id, code.external_id) == (first.message_id, second.message_id)
    await channel.mark_read(first.message_id)  # no such request in seed 001: nothing happens
    assert len(gateway.requests) == 4


async def test_a_number_not_linked_is_retried_later_with_a_reason(
    channel: GatewayChannel,
) -> None:
    with pytest.raises(SendFailure) as refused:
        await channel.send_text(ANA, "Hola")
    assert refused.value.retriable and refused.value.retry_after == 60
    assert "scans its QR code again" in refused.value.title


async def test_the_gateway_failing_is_retried_and_a_wrong_secret_is_not(
    gateway: FakeGateway, client: httpx.AsyncClient
) -> None:
    gateway.fail_next(1, status=503)
    with pytest.raises(SendFailure) as unavailable:
        await GatewayChannel(connect(client), number=OURS).send_text(ANA, "Hola")
    assert unavailable.value.retriable
    with pytest.raises(SendFailure) as forged:
        await GatewayChannel(connect(client, "w" * 40), number=OURS).send_text(ANA, "Hola")
    assert not forged.value.retriable
    assert "WHATSAPP_GATEWAY_SECRET" in forged.value.title
    assert gateway.refused == 1 and gateway.sent == []


async def test_what_seed_001_cannot_carry_is_refused_never_sent_as_something_else(
    gateway: FakeGateway, channel: GatewayChannel
) -> None:
    file = OutgoingFile(file_name="a.pdf", media_type="application/pdf", content=b"%PDF")
    template = TemplateUse(name="welcome", language="es", parameters=("Ana",))
    for attempt in (
        channel.send_file(ANA, file),
        channel.send_template(ANA, template),
        channel.send_text(ANA, "x" * (MAX_TEXT_LENGTH + 1)),
    ):
        with pytest.raises(SendFailure) as refused:
            await attempt
        assert not refused.value.retriable
    with pytest.raises(SendFailure):
        await GatewayMediaFetcher().fetch(MediaRef(provider_media_id="1"))
    assert gateway.requests == []


async def test_a_send_without_an_id_is_still_sent_once() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"ok": True})

    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as client:
        sent = await GatewayChannel(connect(client), number=OURS).send_text(ANA, "Hola")
    assert sent.external_id is None


async def test_sessions_say_why_the_gateway_could_not_be_asked(
    gateway: FakeGateway, client: httpx.AsyncClient
) -> None:
    forged = GatewaySessions(connect(client, "w" * 40), webhook_url=WEBHOOK_URL)
    for ask in (forged.start(OURS), forged.state(OURS), forged.stop(OURS)):
        with pytest.raises(SessionFailure, match="WHATSAPP_GATEWAY_SECRET"):
            await ask
    gateway.die()
    sessions = GatewaySessions(connect(client), webhook_url=WEBHOOK_URL)
    with pytest.raises(SessionFailure, match="gateway down"):
        await sessions.state(OURS)

    def unreachable(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused")

    async with httpx.AsyncClient(transport=httpx.MockTransport(unreachable)) as offline:
        with pytest.raises(SessionFailure, match="could not reach the gateway"):
            await GatewaySessions(connect(offline), webhook_url=WEBHOOK_URL).start(OURS)
    for ask in (NoGateway().start(OURS), NoGateway().state(OURS), NoGateway().stop(OURS)):
        with pytest.raises(SessionFailure, match="WHATSAPP_GATEWAY_URL"):
            await ask


@pytest.mark.parametrize(
    "answer",
    [{}, {"qr_code": ""}, {"qr_code": 12}, {"qr_code": "x" * 20_000}, "not json"],
)
async def test_a_connect_without_a_usable_qr_code_is_a_failure(answer: object) -> None:
    def reply(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/connect":
            if isinstance(answer, str):
                return httpx.Response(200, content=answer.encode())
            return httpx.Response(200, json=answer)
        return httpx.Response(200, json={"status": "disconnected"})

    async with httpx.AsyncClient(transport=httpx.MockTransport(reply)) as client:
        with pytest.raises(SessionFailure, match=r"qr_code|QR code"):
            await GatewaySessions(connect(client), webhook_url=WEBHOOK_URL).start(OURS)


async def test_the_probe_passes_a_gateway_that_takes_our_signature_and_names_what_fails(
    gateway: FakeGateway, client: httpx.AsyncClient
) -> None:
    assert (await GatewayProbe(connect(client), number=OURS).check()).ok
    refused = await GatewayProbe(connect(client, "w" * 40), number=OURS).check()
    assert not refused.ok and "WHATSAPP_GATEWAY_SECRET" in refused.detail
    missing = await GatewayProbe(None, number=OURS).check()
    assert not missing.ok and "WHATSAPP_GATEWAY_URL" in missing.detail
    gateway.die()
    assert not (await GatewayProbe(connect(client), number=OURS).check()).ok
