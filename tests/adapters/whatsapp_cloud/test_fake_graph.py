"""The fake Graph API itself: served for real, its faults, its records and its webhook bodies."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from ignacio.adapters.whatsapp_cloud import (
    CloudApiChannel,
    CloudApiMediaFetcher,
    parse_webhook,
)
from ignacio.application.ports import SendFailure
from ignacio.domain import DeliveryStatus, MediaRef, MessageType, PhoneNumber
from tests.adapters.whatsapp_cloud.conftest import ManualClock
from tests.support.fake_graph import (
    FakeGraph,
    delivery_status,
    inbound_media,
    inbound_text,
)

TO = PhoneNumber.parse("+34612345678")
AUTH = {"Authorization": "Bearer fake-graph-access-token"}
MESSAGES = "/v23.0/1122334455667/messages"


async def test_served_on_a_real_port_it_sends_and_serves_media() -> None:
    graph = FakeGraph()
    media_id = graph.add_media(b"voice note", mime_type="audio/ogg")
    with graph.serve() as base_url:
        assert base_url.startswith("http://127.0.0.1:")
        async with httpx.AsyncClient(timeout=5) as client:
            channel = CloudApiChannel(
                client,
                base_url=base_url,
                phone_number_id=graph.phone_number_id,
                access_token=graph.access_token,
                login_template_name="login",
            )
            fetcher = CloudApiMediaFetcher(
                client, base_url=base_url, access_token=graph.access_token
            )
            sent = await channel.send_text(TO, "over a real socket")
            fetched = await fetcher.fetch(MediaRef(provider_media_id=media_id))

    assert graph.messages[0].id == sent.external_id
    assert fetched.content == b"voice note"


async def test_a_missing_or_wrong_token_gets_meta_s_oauth_error(client: httpx.AsyncClient) -> None:
    body = {"messaging_product": "whatsapp", "to": "34612345678", "text": {"body": "hi"}}
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic x"}):
        response = await client.post(MESSAGES, json=body, headers=headers)

        assert response.status_code == 401
        error = response.json()["error"]
        assert (error["type"], error["code"]) == ("OAuthException", 190)
        assert error["message"] and error["fbtrace_id"]


async def test_another_phone_number_id_does_not_exist(client: httpx.AsyncClient) -> None:
    body = {"messaging_product": "whatsapp", "to": "34612345678", "text": {"body": "hi"}}

    response = await client.post("/v23.0/999/messages", json=body, headers=AUTH)

    assert (response.status_code, response.json()["error"]["code"]) == (400, 100)


@pytest.mark.parametrize(
    "body",
    [
        {"to": "34612345678", "text": {"body": "no product"}},
        {"messaging_product": "whatsapp", "text": {"body": "no recipient"}},
        {"messaging_product": "whatsapp", "to": "not a number", "text": {"body": "hi"}},
        {"messaging_product": "whatsapp", "to": "34612345678", "type": "text"},
        {"messaging_product": "whatsapp", "to": "34612345678", "text": {"body": ""}},
        {"messaging_product": "whatsapp", "to": "34612345678", "text": {"body": 5}},
        {"messaging_product": "whatsapp", "to": "34612345678", "type": "template"},
        {
            "messaging_product": "whatsapp",
            "to": "34612345678",
            "type": "template",
            "template": {"name": "login"},
        },
        {
            "messaging_product": "whatsapp",
            "to": "34612345678",
            "type": "template",
            "template": {
                "name": "login",
                "language": {"code": "en_US"},
                "components": [{"type": "button", "parameters": []}],
            },
        },
        {"messaging_product": "whatsapp", "status": "read"},
        {
            "messaging_product": "whatsapp",
            "status": "read",
            "message_id": "m",
            "typing_indicator": 1,
        },
        {"messaging_product": "whatsapp", "to": "34612345678", "type": "telepathy"},
    ],
)
async def test_invalid_payloads_get_error_100(client: httpx.AsyncClient, body: object) -> None:
    response = await client.post(MESSAGES, json=body, headers=AUTH)

    assert (response.status_code, response.json()["error"]["code"]) == (400, 100)


async def test_a_body_that_is_not_json_gets_error_100(client: httpx.AsyncClient) -> None:
    response = await client.post(MESSAGES, content=b"{oops", headers=AUTH)

    assert (response.status_code, response.json()["error"]["code"]) == (400, 100)


async def test_an_authentication_template_needs_the_code_in_body_and_button(
    client: httpx.AsyncClient, graph: FakeGraph
) -> None:
    graph.register_template("login")
    body_only = {
        "messaging_product": "whatsapp",
        "to": "34612345678",
        "type": "template",
        "template": {
            "name": "login",
            "language": {"code": "en_US"},
            "components": [{"type": "body", "parameters": [{"type": "text", "text": "123456"}]}],
        },
    }

    response = await client.post(MESSAGES, json=body_only, headers=AUTH)

    assert response.json()["error"]["code"] == 132000


async def test_fail_next_refuses_exactly_n_requests(
    channel: CloudApiChannel, graph: FakeGraph
) -> None:
    graph.fail_next(2, status=503)

    for _ in range(2):
        with pytest.raises(SendFailure):
            await channel.send_text(TO, "hello")
    await channel.send_text(TO, "hello")

    assert [a.status for a in graph.attempts] == [503, 503, 200]
    assert [a.code for a in graph.attempts] == [2, 2, None]


async def test_always_fail_for_refuses_one_number_only(
    channel: CloudApiChannel, graph: FakeGraph
) -> None:
    graph.always_fail_for("+34612345678")

    with pytest.raises(SendFailure) as refused:
        await channel.send_text(TO, "hello")
    await channel.send_text(PhoneNumber.parse("+34612345679"), "hello")

    assert refused.value.code == 131047
    assert [m.to for m in graph.messages] == ["34612345679"]


async def test_past_meta_s_pair_rate_a_person_is_refused_with_131056(
    channel: CloudApiChannel, graph: FakeGraph, clock: ManualClock
) -> None:
    graph.enforce_rate_limits(pair=(2, 6.0))
    other = PhoneNumber.parse("+34612345679")

    await channel.send_text(TO, "one")
    await channel.send_text(TO, "two")
    with pytest.raises(SendFailure) as refused:
        await channel.send_text(TO, "three")
    await channel.send_text(other, "to someone else")
    await channel.mark_read("wamid.IN1")  # read receipts are not counted
    clock.now += 6.0
    await channel.send_text(TO, "three")

    failure = refused.value
    assert (failure.code, failure.retriable, failure.retry_after) == (131056, True, None)
    assert "pair rate limit" in failure.title or "too many messages" in failure.title
    assert graph.texts_to("+34612345678") == ["one", "two", "three"]


async def test_past_the_number_s_throughput_it_is_refused_with_130429(
    channel: CloudApiChannel, graph: FakeGraph, clock: ManualClock
) -> None:
    graph.enforce_rate_limits(throughput=3)

    for n in range(3):
        await channel.send_text(PhoneNumber.parse(f"+3461234567{n}"), "hello")
    with pytest.raises(SendFailure) as refused:
        await channel.send_text(PhoneNumber.parse("+34612345679"), "hello")
    clock.now += 1.0
    await channel.send_text(PhoneNumber.parse("+34612345679"), "hello")

    assert (refused.value.code, refused.value.retriable) == (130429, True)
    assert len(graph.messages) == 4


async def test_a_seeded_failure_rate_replays_the_same_failures(
    channel: CloudApiChannel, graph: FakeGraph
) -> None:
    async def run(seed: int) -> list[tuple[int, int | None, float | None]]:
        graph.reset()
        graph.set_failure_rate(0.5, seed=seed, retry_after=2)
        not_retriable = []
        for _ in range(60):
            try:
                await channel.send_text(TO, "hello")
            except SendFailure as failure:
                if not failure.retriable:
                    not_retriable.append(failure)
        assert not_retriable == []
        return [(a.status, a.code, a.retry_after) for a in graph.attempts]

    first = await run(7)
    again = await run(7)
    other = await run(8)

    assert first == again != other
    refused = {(status, code) for status, code, _ in first if status != 200}
    assert refused == {(500, 1), (503, 2), (429, 130429), (400, 130429), (400, 131056)}
    assert {after for status, _, after in first if status == 429} == {2}
    assert 10 < sum(1 for status, _, _ in first if status != 200) < 50


async def test_retry_after_violations_are_recorded(
    channel: CloudApiChannel, graph: FakeGraph, clock: ManualClock
) -> None:
    graph.fail_next(status=429, retry_after=5)
    with pytest.raises(SendFailure):
        await channel.send_text(TO, "first try")

    clock.now += 4.9
    await channel.send_text(TO, "too early")
    await channel.send_text(PhoneNumber.parse("+34612345679"), "someone else, early")
    clock.now += 0.1
    await channel.send_text(TO, "on time")

    ((refused, early),) = graph.retry_after_violations()
    assert (refused.status, refused.retry_after) == (429, 5)
    assert early.at - refused.at == pytest.approx(4.9)
    assert len(graph.retry_after_violations(per_recipient=False)) == 2


async def test_latency_delays_every_answer(channel: CloudApiChannel, graph: FakeGraph) -> None:
    graph.latency = 0.05
    started = time.perf_counter()

    await asyncio.gather(*(channel.send_text(TO, f"m{i}") for i in range(5)))

    assert 0.05 <= time.perf_counter() - started < 0.5
    assert len(graph.messages) == 5


async def test_reset_forgets_everything(channel: CloudApiChannel, graph: FakeGraph) -> None:
    await channel.send_text(TO, "hello")
    graph.always_fail_for(TO.e164)
    graph.reset()

    await channel.send_text(TO, "hello again")

    assert graph.texts_to(TO.e164) == ["hello again"]


def test_webhook_bodies_parse_into_what_they_describe() -> None:
    text = parse_webhook(inbound_text("+34612345678", "hola", message_id="wamid.1"))
    voice = parse_webhook(
        inbound_media("34612345678", "audio", "m1", mime_type="audio/ogg", voice=True)
    )
    failed = parse_webhook(delivery_status("wamid.2", "failed", "34612345678", error_code=131047))

    (message,) = text.messages
    assert (message.external_id, message.sender.phone, message.text) == ("wamid.1", TO, "hola")
    assert message.profile_name == "Test Member"
    (note,) = voice.messages
    assert note.message_type is MessageType.AUDIO
    assert note.media is not None and note.media.is_voice
    (update,) = failed.updates
    assert (update.status, update.error_code, update.error_title) == (
        DeliveryStatus.FAILED,
        131047,
        "Re-engagement message",
    )
