"""TwilioChannel against the fake Twilio: what it sends, and how it reads refusals."""

from __future__ import annotations

import base64

import httpx
import pytest
import structlog.testing

from ignacio.adapters.twilio import LOGIN_CODE_TEXT, TwilioChannel
from ignacio.application.ports import Channel, OutgoingFile, SendFailure
from ignacio.domain import PhoneNumber, WhatsAppUserId
from ignacio.domain.pacing import Throttle
from ignacio.domain.templates import MessageTemplate
from tests.adapters.twilio.conftest import STATUS_CALLBACK, channel_for
from tests.support.fake_twilio import DEFAULT_ACCOUNT_SID, FAKE_BASE_URL, FakeTwilio

TO = PhoneNumber.parse("+34 612 345 678")
CONTENT_SID = "HX" + "ab" * 16
MESSAGES = f"/2010-04-01/Accounts/{DEFAULT_ACCOUNT_SID}/Messages.json"


def test_it_is_a_channel(channel: TwilioChannel) -> None:
    port: Channel = channel
    assert port.max_text_length == 1600


async def test_a_text_goes_from_the_whatsapp_number_with_a_status_callback(
    channel: TwilioChannel, twilio: FakeTwilio
) -> None:
    sent = await channel.send_text(TO, "Hola, ¿qué tal? 100% & más")

    (record,) = twilio.messages
    assert sent.external_id == record.sid
    assert record.sid.startswith("SM")
    assert record.form == {
        "From": "whatsapp:+14155238886",
        "To": "whatsapp:+34612345678",
        "Body": "Hola, ¿qué tal? 100% & más",
        "StatusCallback": STATUS_CALLBACK,
    }


async def test_twilio_sends_to_numbers_only_and_says_so_for_a_user_id(
    channel: TwilioChannel, twilio: FakeTwilio
) -> None:
    hidden = WhatsAppUserId("US.13491208655302741918")
    for send in (
        channel.send_text(hidden, "Hola"),
        channel.send_template(hidden, MessageTemplate(name=CONTENT_SID).filled([])),
    ):
        with pytest.raises(SendFailure) as refused:
            await send
        assert not refused.value.retriable
        assert "phone numbers only" in refused.value.title
        assert hidden.value not in refused.value.title  # masked: it is shown to the team
    assert twilio.attempts == []


async def test_1600_characters_go_through(channel: TwilioChannel, twilio: FakeTwilio) -> None:
    await channel.send_text(TO, "a" * 1600)

    assert twilio.texts_to(TO.e164) == ["a" * 1600]


async def test_1601_characters_are_refused_before_anything_is_sent(
    channel: TwilioChannel, twilio: FakeTwilio
) -> None:
    with pytest.raises(SendFailure) as refused:
        await channel.send_text(TO, "a" * 1601)

    assert not refused.value.retriable
    assert refused.value.code == 21617
    assert twilio.attempts == []


async def test_the_fake_refuses_1601_characters_as_twilio_does(
    twilio: FakeTwilio, client: httpx.AsyncClient
) -> None:
    response = await client.post(
        MESSAGES,
        auth=(twilio.account_sid, twilio.auth_token),
        data={"From": "whatsapp:+14155238886", "To": "whatsapp:+34612345678", "Body": "a" * 1601},
    )

    assert response.status_code == 400
    assert response.json()["code"] == 21617


async def test_a_login_code_goes_through_the_content_template(
    twilio: FakeTwilio, client: httpx.AsyncClient
) -> None:
    twilio.register_content(CONTENT_SID)
    channel = channel_for(twilio, client, login_content_sid=CONTENT_SID)

    await channel.send_login_code(TO, "123456")

    (record,) = twilio.messages
    assert (record.content_sid, record.content_variables, record.body) == (
        CONTENT_SID,
        {"1": "123456"},
        None,
    )


async def test_without_a_template_the_login_code_is_a_text(
    channel: TwilioChannel, twilio: FakeTwilio
) -> None:
    await channel.send_login_code(TO, "123456")

    assert twilio.texts_to(TO.e164) == [LOGIN_CODE_TEXT.format(code="123456")]


async def test_an_unknown_template_is_a_permanent_failure(
    twilio: FakeTwilio, client: httpx.AsyncClient
) -> None:
    twilio.register_content(CONTENT_SID)
    channel = channel_for(twilio, client, login_content_sid="HX" + "cd" * 16)

    with pytest.raises(SendFailure) as refused:
        await channel.send_login_code(TO, "123456")

    assert (refused.value.retriable, refused.value.code) == (False, 63027)


@pytest.mark.parametrize(
    ("status", "code", "retry_after", "retriable"),
    [
        (429, 20429, 7.0, True),
        (500, 20500, None, True),
        (503, 20503, None, True),
        (429, 63018, 2.0, True),
        (400, 63016, None, False),
        (400, 21211, None, False),
        (404, 20404, None, False),
    ],
)
async def test_refusals_are_classified(
    channel: TwilioChannel,
    twilio: FakeTwilio,
    status: int,
    code: int,
    retry_after: float | None,
    retriable: bool,
) -> None:
    twilio.fail_next(status=status, code=code, retry_after=retry_after)

    with pytest.raises(SendFailure) as refused:
        await channel.send_text(TO, "hola")

    failure = refused.value
    assert (failure.retriable, failure.code) == (retriable, code)
    assert failure.retry_after == retry_after
    assert failure.title
    # WhatsApp's rate limit for the sender holds the whole number back (see Pacing).
    assert failure.throttled is (Throttle.NUMBER if code == 63018 else None)


async def test_wrong_credentials_are_a_permanent_failure(
    twilio: FakeTwilio, client: httpx.AsyncClient
) -> None:
    channel = TwilioChannel(
        client,
        account_sid=twilio.account_sid,
        auth_token="wrong",
        from_number=PhoneNumber.from_provider(twilio.number),
        api_base_url=FAKE_BASE_URL,
    )

    with pytest.raises(SendFailure) as refused:
        await channel.send_text(TO, "hola")

    assert (refused.value.retriable, refused.value.code) == (False, 20003)


async def test_the_credentials_travel_as_basic_auth_and_never_in_the_repr(
    channel: TwilioChannel, twilio: FakeTwilio
) -> None:
    requests: list[httpx.Request] = []

    async def record(request: httpx.Request) -> None:
        requests.append(request)

    async with twilio.client(event_hooks={"request": [record]}) as client:
        await channel_for(twilio, client).send_text(TO, "hola")

    expected = base64.b64encode(f"{twilio.account_sid}:{twilio.auth_token}".encode()).decode()
    assert requests[0].headers["authorization"] == f"Basic {expected}"
    assert twilio.auth_token not in repr(channel)


async def test_the_network_failing_is_retriable() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    async with httpx.AsyncClient(transport=httpx.MockTransport(refuse)) as client:
        channel = TwilioChannel(
            client,
            account_sid="AC1",
            auth_token="t",
            from_number=PhoneNumber.parse("+14155238886"),
        )
        with pytest.raises(SendFailure) as refused:
            await channel.send_text(TO, "hola")

    assert refused.value.retriable


async def test_mark_read_sends_a_typing_indicator(
    channel: TwilioChannel, twilio: FakeTwilio
) -> None:
    sid = "SM" + "f" * 32

    await channel.mark_read(sid)
    await channel.mark_read("MM" + "0" * 32 + "/1")  # a second media item: no such message

    assert twilio.typing_indicators == [sid]


async def test_mark_read_never_raises(channel: TwilioChannel, twilio: FakeTwilio) -> None:
    twilio.fail_next(status=500, endpoint="typing")

    with structlog.testing.capture_logs() as logs:
        await channel.mark_read("SM" + "f" * 32)

    assert [entry["event"] for entry in logs] == ["twilio_typing_indicator_failed"]
    assert twilio.typing_indicators == []


async def test_a_reply_template_is_a_content_template_with_numbered_variables(
    twilio: FakeTwilio, channel: TwilioChannel
) -> None:
    twilio.register_content(CONTENT_SID)
    template = MessageTemplate(name=CONTENT_SID, variables=("name", "topic"))

    sent = await channel.send_template(TO, template.filled(["Lucía", "your visa"]))

    (record,) = twilio.messages
    assert sent.external_id == record.sid
    assert (record.content_sid, record.content_variables, record.body) == (
        CONTENT_SID,
        {"1": "Lucía", "2": "your visa"},
        None,
    )


async def test_a_template_named_the_meta_way_is_refused_before_anything_is_sent(
    twilio: FakeTwilio, channel: TwilioChannel
) -> None:
    with pytest.raises(SendFailure) as refused:
        await channel.send_template(TO, MessageTemplate(name="follow_up").filled([]))

    assert not refused.value.retriable and "Content SID" in refused.value.title
    assert twilio.attempts == []


async def test_a_file_goes_as_its_public_link_with_the_caption_as_body(
    channel: TwilioChannel, twilio: FakeTwilio
) -> None:
    link = "https://ignacio.example.org/media/signed-token"
    file = OutgoingFile(
        file_name="map.png", media_type="image/png", content=b"png", caption="Map", link=link
    )

    sent = await channel.send_file(TO, file)

    (record,) = twilio.messages
    assert sent.external_id == record.sid
    assert (record.form["MediaUrl"], record.form["Body"]) == (link, "Map")


async def test_a_file_without_a_public_link_is_refused_before_anything_is_sent(
    channel: TwilioChannel, twilio: FakeTwilio
) -> None:
    file = OutgoingFile(file_name="a.pdf", media_type="application/pdf", content=b"%PDF")

    with pytest.raises(SendFailure) as refused:
        await channel.send_file(TO, file)

    assert not refused.value.retriable and "TWILIO_PUBLIC_URL" in refused.value.title
    assert twilio.messages == []
