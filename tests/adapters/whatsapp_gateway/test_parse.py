"""The gateway's webhooks read into events: the three kinds, the ways gateways write numbers
and times, what is ignored and why, and arbitrary input from outside (never anything but a
batch of at most one event, or InvalidInput)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ignacio.adapters.whatsapp_gateway import (
    DELIVERY,
    EVENTS,
    MESSAGE,
    STATUS,
    GatewayWebhookParser,
    envelope,
    parse_webhook,
)
from ignacio.application.ports import DeliveryItems
from ignacio.domain import (
    ConnectionState,
    DeliveryStatus,
    InvalidInput,
    MessageType,
    Provider,
    WebhookBatch,
)

RECEIVED = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
OURS = "+34910000111"
ANA = "+34612345678"


def parsed(event: str, payload: Any) -> WebhookBatch:
    return parse_webhook(envelope(event, json.dumps(payload).encode()), RECEIVED)


def message(**fields: Any) -> dict[str, Any]:
    return {
        "phone_number": OURS,
        "message_id": "false_34612345678@c.us_3EB0C767D26A",
        "from": ANA,
        "message": "Hola",
        "type": "text",
        "timestamp": 1_767_225_600,
    } | fields


def test_a_text_message_becomes_an_inbound_message_for_our_number() -> None:
    (item,) = parsed(MESSAGE, message(name="Ana", reply_to="false_1@c.us_AB")).messages
    assert item.provider is Provider.WHATSAPP_GATEWAY
    assert (item.external_id, item.recipient, str(item.sender.phone)) == (
        "false_34612345678@c.us_3EB0C767D26A",
        OURS,
        ANA,
    )
    assert (item.message_type, item.text, item.profile_name) == (MessageType.TEXT, "Hola", "Ana")
    assert item.sent_at == datetime(2026, 1, 1, tzinfo=UTC)
    assert item.reply_to_external_id == "false_1@c.us_AB"


@pytest.mark.parametrize(
    ("written", "e164"),
    [
        ("+34612345678", ANA),
        ("34612345678", ANA),
        ("34612345678@c.us", ANA),
        ("34612345678:12@s.whatsapp.net", ANA),
        (34612345678, ANA),
    ],
)
def test_numbers_as_gateways_write_them(written: Any, e164: str) -> None:
    (item,) = parsed(MESSAGE, message(**{"from": written, "phone_number": written})).messages
    assert str(item.sender.phone) == e164 and item.recipient == e164


@pytest.mark.parametrize(
    ("timestamp", "expected"),
    [
        (1_767_225_600, datetime(2026, 1, 1, tzinfo=UTC)),
        (1_767_225_600_500, datetime(2026, 1, 1, 0, 0, 0, 500_000, tzinfo=UTC)),
        ("1767225600", datetime(2026, 1, 1, tzinfo=UTC)),
        ("2026-01-01T01:00:00+01:00", datetime(2026, 1, 1, tzinfo=UTC)),
        ("2026-01-01T00:00:00", datetime(2026, 1, 1, tzinfo=UTC)),
        (None, RECEIVED),
        (0, RECEIVED),
        ("yesterday", RECEIVED),
        (float("1e300"), RECEIVED),
        (True, RECEIVED),
    ],
)
def test_times_in_seconds_milliseconds_or_iso_and_the_arrival_otherwise(
    timestamp: Any, expected: datetime
) -> None:
    (item,) = parsed(MESSAGE, message(timestamp=timestamp)).messages
    assert item.sent_at == expected


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"from_me": True}, "sent from the number itself"),
        ({"from": "120363025@g.us"}, "group"),
        ({"from": "status@broadcast"}, "broadcast"),
        ({"from": "123456789012345@lid"}, "hides their number"),
        ({"from": "not a number"}, "not a valid phone number"),
        ({"phone_number": None}, "phone_number"),
        ({"message_id": None}, "without a message_id"),
        ({"message_id": "x" * 300}, "longer than"),
    ],
)
def test_what_is_not_a_member_s_message_to_us_is_ignored_with_a_reason(
    fields: dict[str, Any], reason: str
) -> None:
    batch = parsed(MESSAGE, message(**fields))
    assert batch.messages == []
    (ignored,) = batch.ignored
    assert reason in ignored


def test_media_keeps_its_caption_and_is_unsupported_since_the_protocol_carries_no_file() -> None:
    (photo,) = parsed(MESSAGE, message(type="image", message="¿Qué es esto?")).messages
    (bare,) = parsed(MESSAGE, message(type="ptt", message=None)).messages
    assert (photo.message_type, photo.text, photo.media) == (
        MessageType.UNSUPPORTED,
        "¿Qué es esto?",
        None,
    )
    assert (bare.message_type, bare.text) == (MessageType.UNSUPPORTED, "Unsupported message (ptt)")
    (reaction,) = parsed(MESSAGE, message(type="reaction", message="👍")).messages
    assert reaction.message_type is MessageType.REACTION and not reaction.expects_answer


@pytest.mark.parametrize(
    ("payload", "state", "qr_code", "reason"),
    [
        ({"status": "qr", "qr_code": "2@abc"}, ConnectionState.PAIRING, "2@abc", None),
        (
            {"qr_code": "data:image/png;base64,AAAA"},
            ConnectionState.PAIRING,
            "data:image/png;base64,AAAA",
            None,
        ),
        ({"status": "READY"}, ConnectionState.CONNECTED, None, None),
        ({"status": "connected", "qr_code": "stale"}, ConnectionState.CONNECTED, None, None),
        (
            {"status": "disconnected", "reason": "LOGOUT"},
            ConnectionState.DISCONNECTED,
            None,
            "LOGOUT",
        ),
        ({"status": "banned"}, ConnectionState.DISCONNECTED, None, "banned"),
    ],
)
def test_a_status_says_where_the_number_s_link_stands(
    payload: dict[str, Any], state: ConnectionState, qr_code: str | None, reason: str | None
) -> None:
    (update,) = parsed(STATUS, {"phone_number": "34910000111@c.us"} | payload).connections
    assert (update.address, update.state, update.qr_code, update.reason) == (
        OURS,
        state,
        qr_code,
        reason,
    )
    assert update.at == RECEIVED


def test_an_unknown_state_or_an_oversized_qr_code_is_ignored() -> None:
    assert "unknown state" in parsed(STATUS, {"phone_number": OURS, "status": "??"}).ignored[0]
    huge = {"phone_number": OURS, "status": "qr", "qr_code": "x" * 20_000}
    assert "QR code longer" in parsed(STATUS, huge).ignored[0]


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("sent", DeliveryStatus.SENT),
        ("delivered", DeliveryStatus.DELIVERED),
        ("READ", DeliveryStatus.READ),
        (3, DeliveryStatus.READ),
        ("failed", DeliveryStatus.FAILED),
        (-1, DeliveryStatus.FAILED),
    ],
)
def test_a_delivery_report_moves_our_message(status: Any, expected: DeliveryStatus) -> None:
    payload = {"phone_number": OURS, "message_id": "true_1@c.us_9", "status": status}
    (update,) = parsed(DELIVERY, payload | {"error": "not on WhatsApp"}).updates
    assert (update.external_id, update.recipient, update.status) == (
        "true_1@c.us_9",
        OURS,
        expected,
    )
    failed = expected is DeliveryStatus.FAILED
    assert update.error_title == ("not on WhatsApp" if failed else None)


def test_a_delivery_still_on_its_way_is_ignored() -> None:
    payload = {"phone_number": OURS, "message_id": "m", "status": "pending"}
    assert "still on its way" in parsed(DELIVERY, payload).ignored[0]


@pytest.mark.parametrize(
    "body",
    [b"", b"message", b"message\n", b"message\nnot json", b"message\n[1, 2]", b"other\n{}", b"{}"],
)
def test_a_body_that_is_not_a_gateway_webhook_is_invalid_input(body: bytes) -> None:
    with pytest.raises(InvalidInput):
        parse_webhook(body, RECEIVED)


def test_count_says_what_the_body_carries() -> None:
    parser = GatewayWebhookParser()
    body = envelope(STATUS, b'{"phone_number": "+34910000111", "status": "connected"}')
    assert parser.count(body) == DeliveryItems(messages=0, updates=0, connections=1)
    assert parser.count(envelope(MESSAGE, b'{"from_me": true}')).empty


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3)
    ),
    max_leaves=12,
)
fields = st.sampled_from(
    [
        "phone_number",
        "message_id",
        "id",
        "from",
        "message",
        "type",
        "timestamp",
        "name",
        "reply_to",
        "from_me",
        "status",
        "qr_code",
        "reason",
        "error",
    ]
)


@given(event=st.sampled_from(EVENTS), payload=st.dictionaries(fields, json_values, max_size=10))
def test_any_json_object_gives_exactly_one_event_or_one_reason(
    event: str, payload: dict[str, Any]
) -> None:
    batch = parsed(event, payload)
    counts = (len(batch.messages), len(batch.updates), len(batch.connections), len(batch.ignored))
    assert sum(counts) == 1
    for item in batch.messages:
        assert "\x00" not in item.text and item.recipient is not None


@given(body=st.binary(max_size=300))
def test_arbitrary_bytes_are_a_batch_or_invalid_input(body: bytes) -> None:
    try:
        batch = GatewayWebhookParser().parse(body, RECEIVED)
    except InvalidInput:
        return
    assert isinstance(batch, WebhookBatch)


@given(event=st.sampled_from(EVENTS), raw=st.binary(max_size=300))
def test_any_signed_body_behind_a_path_is_a_batch_or_invalid_input(event: str, raw: bytes) -> None:
    try:
        items = GatewayWebhookParser().count(envelope(event, raw))
    except InvalidInput:
        return
    assert items.messages + items.updates + items.connections <= 1
