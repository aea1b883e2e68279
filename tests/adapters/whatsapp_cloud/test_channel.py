"""CloudApiChannel against the fake Graph API: what it sends, and how it reads refusals."""

from __future__ import annotations

import logging

import httpx
import pytest
import structlog.testing

from ignacio.adapters.whatsapp_cloud import CloudApiChannel
from ignacio.application.ports import Channel, OutgoingFile, SendFailure
from ignacio.domain import PhoneNumber, WhatsAppUserId
from ignacio.domain.pacing import Throttle
from ignacio.domain.templates import MessageTemplate
from tests.adapters.whatsapp_cloud.conftest import LOGIN_TEMPLATE
from tests.support.fake_graph import FAKE_BASE_URL, FakeGraph
from tests.support.samples import png

TO = PhoneNumber.parse("+34 612 345 678")
BSUID = WhatsAppUserId("US.13491208655302741918")


def test_it_is_a_channel(channel: CloudApiChannel) -> None:
    port: Channel = channel
    assert port.max_text_length == 4096


async def test_a_text_goes_to_the_number_without_plus(
    channel: CloudApiChannel, graph: FakeGraph
) -> None:
    sent = await channel.send_text(TO, "Hola, ¿qué tal?")

    (record,) = graph.messages
    assert sent.external_id == record.id
    assert record.id.startswith("wamid.")
    assert record.payload == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "34612345678",
        "type": "text",
        "text": {"preview_url": False, "body": "Hola, ¿qué tal?"},
    }


async def test_someone_whose_number_is_hidden_is_sent_to_by_their_user_id(
    channel: CloudApiChannel, graph: FakeGraph
) -> None:
    await channel.send_text(BSUID, "Hola")
    await channel.send_template(BSUID, MessageTemplate(name="hello_again").filled([]))

    text, template = graph.messages
    assert text.by_user_id and text.to == BSUID.value
    # `recipient` alone: Graph would send to `to` if both were there.
    assert {k: v for k, v in text.payload.items() if k in ("to", "recipient")} == {
        "recipient": BSUID.value
    }
    assert "to" not in template.payload and template.payload["recipient"] == BSUID.value
    assert graph.texts_to(BSUID.value) == ["Hola"]


async def test_each_text_gets_its_own_id(channel: CloudApiChannel, graph: FakeGraph) -> None:
    first = await channel.send_text(TO, "one")
    second = await channel.send_text(TO, "two")

    assert first.external_id != second.external_id
    assert graph.texts_to("+34612345678") == ["one", "two"]


async def test_4096_characters_go_through(channel: CloudApiChannel, graph: FakeGraph) -> None:
    await channel.send_text(TO, "a" * 4096)

    assert graph.texts_to(TO.e164) == ["a" * 4096]


async def test_4097_characters_are_refused_before_anything_is_sent(
    channel: CloudApiChannel, graph: FakeGraph
) -> None:
    with pytest.raises(SendFailure) as refused:
        await channel.send_text(TO, "a" * 4097)

    assert not refused.value.retriable
    assert graph.attempts == []


async def test_the_fake_refuses_4097_characters_as_meta_does(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v23.0/1122334455667/messages",
        headers={"Authorization": "Bearer fake-graph-access-token"},
        json={"messaging_product": "whatsapp", "to": "34612345678", "text": {"body": "a" * 4097}},
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == 100


async def test_a_login_code_is_an_authentication_template_with_a_copy_code_button(
    channel: CloudApiChannel, graph: FakeGraph
) -> None:
    graph.register_template(LOGIN_TEMPLATE, language="en_US", authentication=True)

    sent = await channel.send_login_code(TO, "482913")

    (record,) = graph.messages
    assert sent.external_id == record.id
    assert (record.type, record.template, record.language) == ("template", LOGIN_TEMPLATE, "en_US")
    assert record.payload["template"]["components"] == [
        {"type": "body", "parameters": [{"type": "text", "text": "482913"}]},
        {
            "type": "button",
            "sub_type": "url",
            "index": "0",
            "parameters": [{"type": "text", "text": "482913"}],
        },
    ]


async def test_an_unknown_template_is_not_retriable(
    channel: CloudApiChannel, graph: FakeGraph
) -> None:
    graph.register_template("some_other_template")

    with pytest.raises(SendFailure) as refused:
        await channel.send_login_code(TO, "482913")

    assert (refused.value.retriable, refused.value.code) == (False, 132001)


async def test_mark_read_sends_a_read_receipt_with_a_typing_indicator(
    channel: CloudApiChannel, graph: FakeGraph
) -> None:
    await channel.mark_read("wamid.incoming")

    (receipt,) = graph.read_receipts
    assert (receipt.message_id, receipt.typing_indicator) == ("wamid.incoming", True)


@pytest.mark.parametrize(
    ("status", "code"), [(500, None), (429, None), (400, 131047), (401, 190), (400, 100)]
)
async def test_mark_read_swallows_refusals(
    channel: CloudApiChannel, graph: FakeGraph, status: int, code: int | None
) -> None:
    graph.fail_next(status=status, code=code)

    await channel.mark_read("wamid.incoming")

    assert graph.read_receipts == []
    assert [a.status for a in graph.attempts] == [status]


async def test_mark_read_swallows_network_failures() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    async with httpx.AsyncClient(transport=httpx.MockTransport(refuse)) as client:
        channel = a_channel(client)
        await channel.mark_read("wamid.incoming")


# Refusals, classified.


@pytest.mark.parametrize(
    ("status", "code", "retry_after", "retriable"),
    [
        (500, 1, None, True),
        (503, 2, None, True),
        (429, 130429, 7, True),
        (400, 130429, None, True),
        (400, 131056, None, True),
        (500, 131000, None, True),
        (400, 4, None, True),
        (400, 80007, None, True),
        (400, 131047, None, False),
        (400, 131026, None, False),
        (400, 100, None, False),
        (401, 190, None, False),
        (400, 368, None, False),
        (400, 131051, None, False),
    ],
)
async def test_refusals_are_classified(
    channel: CloudApiChannel,
    graph: FakeGraph,
    status: int,
    code: int,
    retry_after: float | None,
    retriable: bool,
) -> None:
    graph.fail_next(status=status, code=code, retry_after=retry_after)

    with pytest.raises(SendFailure) as refused:
        await channel.send_text(TO, "hello")

    failure = refused.value
    assert (failure.retriable, failure.code, failure.retry_after) == (retriable, code, retry_after)
    assert failure.title
    assert graph.messages == []


@pytest.mark.parametrize(
    ("status", "code", "throttled"),
    [
        (400, 131056, Throttle.PAIR),
        (400, 130429, Throttle.NUMBER),
        (429, 130429, Throttle.NUMBER),
        (400, 80007, None),
        (503, 2, None),
        (400, 131047, None),
    ],
)
async def test_rate_limits_that_pass_with_time_say_whom_they_hold_back(
    channel: CloudApiChannel, graph: FakeGraph, status: int, code: int, throttled: Throttle | None
) -> None:
    graph.fail_next(status=status, code=code)

    with pytest.raises(SendFailure) as refused:
        await channel.send_text(TO, "hello")

    assert refused.value.throttled is throttled
    assert refused.value.code == code


async def test_the_title_is_meta_s_details_when_given(
    channel: CloudApiChannel, graph: FakeGraph
) -> None:
    graph.always_fail_for(TO.e164, code=131047)

    with pytest.raises(SendFailure) as refused:
        await channel.send_text(TO, "hello")

    assert refused.value.title == (
        "Message failed to send because more than 24 hours have passed since the customer last "
        "replied to this number."
    )


async def test_the_title_falls_back_to_the_message(
    channel: CloudApiChannel, graph: FakeGraph
) -> None:
    graph.fail_next(status=400, code=368)

    with pytest.raises(SendFailure) as refused:
        await channel.send_text(TO, "hello")

    assert refused.value.title == "(#368) Temporarily blocked for policies violations"


async def test_a_wrong_token_is_not_retriable(graph: FakeGraph, client: httpx.AsyncClient) -> None:
    channel = a_channel(client, access_token="stale-token")

    with pytest.raises(SendFailure) as refused:
        await channel.send_text(TO, "hello")

    assert (refused.value.retriable, refused.value.code) == (False, 190)


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(502, text="<html>Bad gateway</html>"),
        httpx.Response(429, headers={"Retry-After": "3"}),
        httpx.Response(503, json={"error": "not an object"}),
    ],
)
async def test_odd_answers_are_classified_by_status(answer: httpx.Response) -> None:
    async with httpx.AsyncClient(transport=httpx.MockTransport(lambda _: answer)) as client:
        with pytest.raises(SendFailure) as refused:
            await a_channel(client).send_text(TO, "hello")

    assert refused.value.retriable
    assert refused.value.code is None
    assert refused.value.retry_after == (3.0 if answer.status_code == 429 else None)


@pytest.mark.parametrize(
    "error",
    [
        httpx.ConnectError("refused"),
        httpx.ReadTimeout("slow"),
        httpx.ConnectTimeout("slow"),
        httpx.RemoteProtocolError("closed"),
    ],
)
async def test_network_failures_are_retriable(error: httpx.HTTPError) -> None:
    def fail(request: httpx.Request) -> httpx.Response:
        raise error

    async with httpx.AsyncClient(transport=httpx.MockTransport(fail)) as client:
        with pytest.raises(SendFailure) as refused:
            await a_channel(client).send_text(TO, "hello")

    assert refused.value.retriable
    assert refused.value.code is None


async def test_an_accepted_message_without_an_id_is_still_accepted() -> None:
    answer = httpx.Response(200, json={"messaging_product": "whatsapp"})
    async with httpx.AsyncClient(transport=httpx.MockTransport(lambda _: answer)) as client:
        sent = await a_channel(client).send_text(TO, "hello")

    assert sent.external_id is None


async def test_the_token_never_reaches_the_logs(
    graph: FakeGraph, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    channel = a_channel(client, access_token=graph.access_token)
    graph.fail_next(3, status=401)

    with structlog.testing.capture_logs() as events:
        await channel.mark_read("wamid.incoming")
        with pytest.raises(SendFailure) as refused:
            await channel.send_text(TO, "hello")

    assert [event["event"] for event in events] == ["whatsapp_mark_read_failed"]
    assert graph.access_token not in str(events)
    assert graph.access_token not in caplog.text
    assert graph.access_token not in str(refused.value)
    assert graph.access_token not in repr(channel)


ANY_TOKEN = "token"


def a_channel(client: httpx.AsyncClient, access_token: str = ANY_TOKEN) -> CloudApiChannel:
    return CloudApiChannel(
        client,
        base_url=FAKE_BASE_URL,
        phone_number_id="1122334455667",
        access_token=access_token,
        login_template_name=LOGIN_TEMPLATE,
    )


async def test_a_reply_template_fills_its_body_variables_in_order(
    channel: CloudApiChannel, graph: FakeGraph
) -> None:
    graph.register_template("follow_up", language="es", authentication=False)
    template = MessageTemplate(name="follow_up", language="es", variables=("name", "topic"))

    sent = await channel.send_template(TO, template.filled(["Lucía", "tu visado"]))

    (record,) = graph.messages
    assert sent.external_id == record.id
    assert (record.template, record.language, record.parameters) == (
        "follow_up",
        "es",
        ("Lucía", "tu visado"),
    )
    assert record.payload["template"]["components"] == [
        {
            "type": "body",
            "parameters": [
                {"type": "text", "text": "Lucía"},
                {"type": "text", "text": "tu visado"},
            ],
        }
    ]


async def test_a_template_without_variables_has_no_components(
    channel: CloudApiChannel, graph: FakeGraph
) -> None:
    await channel.send_template(TO, MessageTemplate(name="hello_again").filled([]))

    (record,) = graph.messages
    assert record.payload["template"] == {"name": "hello_again", "language": {"code": "en"}}


async def test_a_png_is_uploaded_then_sent_as_a_photo_with_its_caption(
    channel: CloudApiChannel, graph: FakeGraph
) -> None:
    picture = png(8, 8)
    sent = await channel.send_file(
        TO,
        OutgoingFile(file_name="map.png", media_type="image/png", content=picture, caption="Map"),
    )

    (media_id,) = graph.uploads
    (record,) = graph.messages
    assert sent.external_id == record.id
    assert graph.uploaded(media_id) == (picture, "image/png")
    assert record.payload == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "34612345678",
        "type": "image",
        "image": {"id": media_id, "caption": "Map"},
    }


@pytest.mark.parametrize(
    ("name", "media_type", "size"),
    [
        ("report.pdf", "application/pdf", 100),
        ("animation.gif", "image/gif", 100),  # not a photo type WhatsApp takes
        ("poster.png", "image/png", 5 * 1024 * 1024 + 1),  # over WhatsApp's 5 MB for a photo
    ],
)
async def test_anything_else_goes_as_a_document_with_its_name(
    channel: CloudApiChannel, graph: FakeGraph, name: str, media_type: str, size: int
) -> None:
    await channel.send_file(
        TO, OutgoingFile(file_name=name, media_type=media_type, content=b"x" * size)
    )

    (record,) = graph.messages
    assert record.type == "document"
    assert record.payload["document"] == {"id": graph.uploads[0], "filename": name}


async def test_a_refused_upload_sends_nothing_and_says_whether_to_retry(
    channel: CloudApiChannel, graph: FakeGraph
) -> None:
    graph.fail_next(status=503, endpoint="upload")
    file = OutgoingFile(file_name="a.pdf", media_type="application/pdf", content=b"%PDF-1.4")

    with pytest.raises(SendFailure) as refused:
        await channel.send_file(TO, file)

    assert refused.value.retriable
    assert graph.messages == [] and graph.uploads == []
    await channel.send_file(TO, file)
    assert len(graph.uploads) == len(graph.messages) == 1
