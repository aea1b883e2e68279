"""`ignacio dev whatsapp`: the delivery it signs is what Meta sends, a hidden number included."""

from __future__ import annotations

import pytest

from ignacio.adapters.whatsapp_cloud import parse_webhook
from ignacio.domain import InvalidInput, PhoneNumber, Sender, WhatsAppUserId
from ignacio.entrypoints.cli import dev_delivery


def test_a_number_alone_as_before() -> None:
    (message,) = parse_webhook(
        dev_delivery("Hola", phone_number_id="dev", sender="+34 699 111 222")
    ).messages
    assert (message.sender, message.text) == (
        Sender(phone=PhoneNumber.parse("+34699111222")),
        "Hola",
    )


def test_a_username_only_sender_has_no_number_only_their_id() -> None:
    body = dev_delivery(
        "Hola", phone_number_id="dev", sender=None, user_id="US.1349", username="lucia.g"
    )
    (message,) = parse_webhook(body).messages
    assert message.sender == Sender(
        user_id=WhatsAppUserId("US.1349"), account="dev", username="lucia.g"
    )


def test_a_sender_named_by_nothing_is_refused() -> None:
    with pytest.raises(InvalidInput):
        dev_delivery("Hola", phone_number_id="dev", sender=None)
