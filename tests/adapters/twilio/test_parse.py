"""Twilio forms into inbound messages and delivery updates; everything else ignored with a reason."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ignacio.adapters.twilio import PROVIDER, parse_form, parse_webhook
from ignacio.domain import (
    DeliveryStatus,
    DeliveryUpdate,
    InboundMessage,
    InvalidInput,
    MediaRef,
    MessageType,
    PhoneNumber,
    Sender,
    WebhookBatch,
    WhatsAppUserId,
)
from tests.support.fake_twilio import (
    DEFAULT_ACCOUNT_SID,
    DEFAULT_NUMBER,
    inbound_form,
    status_form,
)

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
SENDER = "+34612345678"
SID = "SM" + "1" * 32
MEDIA_URL = "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME" + "2" * 32


def parse(params: list[tuple[str, str]]) -> WebhookBatch:
    return parse_webhook(params, NOW)


def one_message(params: list[tuple[str, str]]) -> InboundMessage:
    batch = parse(params)
    assert batch.updates == [] and batch.ignored == [], batch
    (message,) = batch.messages
    return message


def test_a_text_message() -> None:
    message = one_message(inbound_form(SENDER, "Hola Ignacio", sid=SID, profile_name="Lucía"))

    assert message == InboundMessage(
        provider=PROVIDER,
        external_id=SID,
        recipient=DEFAULT_NUMBER,
        sender=Sender(phone=PhoneNumber.parse(SENDER)),
        profile_name="Lucía",
        sent_at=NOW,
        message_type=MessageType.TEXT,
        text="Hola Ignacio",
    )


def test_external_user_id_is_the_sender_s_bsuid_under_the_account() -> None:
    form = inbound_form(SENDER, "Hola", extra={"ExternalUserId": "US.13491208655302741918"})

    assert one_message(form).sender == Sender(
        phone=PhoneNumber.parse(SENDER),
        user_id=WhatsAppUserId("US.13491208655302741918"),
        account=DEFAULT_ACCOUNT_SID,
    )


@pytest.mark.parametrize("written", ["", "whatsapp:", "whatsapp:US.13491208655302741918"])
def test_a_sender_whose_number_is_hidden_is_kept_under_their_bsuid(written: str) -> None:
    form = [
        (name, written if name == "From" else value)
        for name, value in inbound_form(
            SENDER, "Hola", extra={"ExternalUserId": "US.13491208655302741918"}
        )
        if name != "WaId"
    ]

    assert one_message(form).sender == Sender(
        user_id=WhatsAppUserId("US.13491208655302741918"), account=DEFAULT_ACCOUNT_SID
    )


def test_an_unreadable_external_user_id_is_left_out() -> None:
    form = inbound_form(SENDER, "Hola", extra={"ExternalUserId": "not an id"})

    assert one_message(form).sender == Sender(phone=PhoneNumber.parse(SENDER))


def test_an_image_with_a_caption_keeps_its_url_and_type() -> None:
    message = one_message(
        inbound_form(SENDER, "look", sid="MM" + "1" * 32, media=[(MEDIA_URL, "image/jpeg")])
    )

    assert message.message_type is MessageType.IMAGE
    assert message.text == "look"
    assert message.media == MediaRef(
        url=MEDIA_URL, provider_media_id="ME" + "2" * 32, mime_type="image/jpeg"
    )


@pytest.mark.parametrize(
    ("content_type", "kind", "expected", "voice"),
    [
        ("audio/ogg", "audio", MessageType.AUDIO, True),
        ("audio/mpeg", "audio", MessageType.AUDIO, False),
        ("video/mp4", "video", MessageType.VIDEO, False),
        ("application/pdf", "document", MessageType.DOCUMENT, False),
        ("image/webp", "sticker", MessageType.STICKER, False),
        ("text/vcard", "document", MessageType.CONTACTS, False),
        ("image/png", "", MessageType.IMAGE, False),
    ],
)
def test_each_kind_of_media(
    content_type: str, kind: str, expected: MessageType, voice: bool
) -> None:
    form = [
        (name, kind if name == "MessageType" else value)
        for name, value in inbound_form(SENDER, media=[(MEDIA_URL, content_type)])
    ]
    message = one_message(form)

    assert message.message_type is expected
    assert message.media is not None and message.media.is_voice is voice


def test_several_media_become_several_messages() -> None:
    second = MEDIA_URL[:-1] + "3"
    batch = parse(
        inbound_form(
            SENDER, "two photos", sid=SID, media=[(MEDIA_URL, "image/jpeg"), (second, "image/png")]
        )
    )

    assert [(m.external_id, m.text, m.media and m.media.url) for m in batch.messages] == [
        (SID, "two photos", MEDIA_URL),
        (f"{SID}/1", "", second),
    ]


def test_a_location() -> None:
    message = one_message(
        inbound_form(
            SENDER,
            extra={
                "MessageType": "location",
                "Latitude": "40.4168",
                "Longitude": "-3.7038",
                "Label": "Puerta del Sol",
                "Address": "Madrid",
            },
        )
    )

    assert message.message_type is MessageType.LOCATION
    assert message.text == "📍 Puerta del Sol, Madrid (40.4168, -3.7038)"


def test_a_button_reply_a_quote_and_a_forward() -> None:
    message = one_message(
        inbound_form(
            SENDER,
            "Yes",
            extra={
                "MessageType": "button",
                "ButtonText": "Yes, please",
                "ButtonPayload": "yes",
                "OriginalRepliedMessageSid": "SM" + "9" * 32,
                "Forwarded": "true",
            },
        )
    )

    assert message.message_type is MessageType.INTERACTIVE
    assert message.text == "Yes, please"
    assert message.reply_to_external_id == "SM" + "9" * 32
    assert message.forwarded


def test_an_unknown_kind_without_content_is_unsupported() -> None:
    message = one_message(inbound_form(SENDER, extra={"MessageType": "reaction"}))

    assert message.message_type is MessageType.UNSUPPORTED
    assert message.text == "Unsupported message (reaction)"


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("sent", DeliveryStatus.SENT),
        ("delivered", DeliveryStatus.DELIVERED),
        ("read", DeliveryStatus.READ),
    ],
)
def test_status_callbacks(status: str, expected: DeliveryStatus) -> None:
    batch = parse(status_form(SID, status, to=SENDER))

    assert batch.updates == [
        DeliveryUpdate(
            provider=PROVIDER,
            external_id=SID,
            recipient=DEFAULT_NUMBER,
            status=expected,
            at=NOW,
        )
    ]
    assert batch.messages == []


@pytest.mark.parametrize("status", ["failed", "undelivered"])
def test_a_failure_carries_twilio_s_code_and_reason(status: str) -> None:
    (update,) = parse(status_form(SID, status, to=SENDER, error_code=63016)).updates

    assert update.status is DeliveryStatus.FAILED
    assert update.error_code == 63016
    assert update.error_title is not None and "24-hour window" in update.error_title


def test_a_failure_with_twilio_s_own_message_keeps_it() -> None:
    form = [*status_form(SID, "failed", to=SENDER, error_code=30008), ("ErrorMessage", "Boom")]
    (update,) = parse(form).updates
    assert (update.error_code, update.error_title) == (30008, "Boom")


@pytest.mark.parametrize(
    ("form", "reason"),
    [
        (status_form(SID, "queued", to=SENDER), "still on its way"),
        (status_form(SID, "sending", to=SENDER), "still on its way"),
        (status_form(SID, "exploded", to=SENDER), "unknown status"),
        ([("Body", "hi")], "without a MessageSid"),
        (
            [(n, "+34612345678" if n == "From" else v) for n, v in inbound_form(SENDER)],
            "not a WhatsApp message",
        ),
        (inbound_form("+1555"), "not a valid phone number"),
        (inbound_form("+1555", extra={"ExternalUserId": "?"}), "not a valid phone number"),
        ([(n, v) for n, v in inbound_form(SENDER) if n != "From"], "no sender number or id"),
    ],
    ids=["queued", "sending", "unknown", "no-sid", "sms", "bad-sender", "bad-id", "no-sender"],
)
def test_what_is_not_a_message_or_status_is_ignored_with_a_reason(
    form: list[tuple[str, str]], reason: str
) -> None:
    batch = parse(form)

    assert batch.messages == [] and batch.updates == []
    (ignored,) = batch.ignored
    assert reason in ignored


def test_a_form_keeps_blank_values_and_decodes_plus_and_percent() -> None:
    assert parse_form(b"Body=&ProfileName=Ana+Mar%C3%ADa&NumMedia=0") == [
        ("Body", ""),
        ("ProfileName", "Ana María"),
        ("NumMedia", "0"),
    ]


@pytest.mark.parametrize("body", [b"\xff\xfe", b"&".join([b"a=1"] * 1001)])
def test_what_is_not_a_form_is_refused(body: bytes) -> None:
    with pytest.raises(InvalidInput):
        parse_form(body)


fields = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "MessageSid",
                "SmsSid",
                "From",
                "Body",
                "NumMedia",
                "MediaUrl0",
                "MediaContentType0",
                "MessageStatus",
                "SmsStatus",
                "ErrorCode",
                "Latitude",
                "Longitude",
                "MessageType",
                "ButtonText",
                "Forwarded",
            ]
        ),
        st.one_of(
            st.text(max_size=30),
            st.sampled_from(["whatsapp:+34612345678", "1", "received", "failed", "²"]),
        ),
    ),
    max_size=15,
)


@given(params=fields)
def test_any_form_parses_without_raising(params: list[tuple[str, str]]) -> None:
    batch = parse(params)
    assert len(batch.messages) + len(batch.updates) + len(batch.ignored) >= 1


def test_nul_characters_are_dropped_from_the_text() -> None:
    message = one_message(inbound_form(SENDER, "Ho\x00la", sid=SID, profile_name="Lu\x00cía"))

    assert message.text == "Hola"
    assert message.profile_name == "Lucía"


@given(st.text(max_size=30))
def test_our_number_is_read_from_to_or_left_out_never_an_error(to: str) -> None:
    batch = parse(inbound_form(SENDER, "Hola", sid=SID, extra={"To": to}))

    (message,) = batch.messages
    if message.recipient is not None:
        assert to.lower().startswith("whatsapp:")
        assert message.recipient == PhoneNumber.from_provider(to[len("whatsapp:") :]).e164
