"""The JSON the gateway speaks, as lenient msgspec Structs: seed 001 names the requests, and
this adapter decides the rest (README, "WhatsApp-Web gateway"). Every field of what the gateway
sends is optional and of any JSON type, so that what is missing or odd is ignored with a reason
rather than refusing the whole delivery; unknown fields are ignored."""

from __future__ import annotations

from typing import Any

import msgspec


class SendMessageRequest(msgspec.Struct, frozen=True, kw_only=True):
    """`POST /send-message`."""

    phone_number: str
    to: str
    message: str
    type: str = "text"


class ConnectRequest(msgspec.Struct, frozen=True, kw_only=True):
    """`POST /connect`: the gateway posts the number's webhooks under `webhook_url`."""

    phone_number: str
    webhook_url: str


class DisconnectRequest(msgspec.Struct, frozen=True, kw_only=True):
    """`POST /disconnect`."""

    phone_number: str


class SendMessageResult(msgspec.Struct, frozen=True, kw_only=True):
    """What `/send-message` answers: the message's id (`message_id`, or `id`)."""

    message_id: Any = None
    id: Any = None


class ConnectResult(msgspec.Struct, frozen=True, kw_only=True):
    """What `/connect` answers: `{"qr_code": ...}`."""

    qr_code: Any = None


class StatusResult(msgspec.Struct, frozen=True, kw_only=True):
    """What `GET /status/{phone_number}` answers: `{"status": ...}`."""

    status: Any = None


class GatewayError(msgspec.Struct, frozen=True, kw_only=True):
    """A refusal: whatever it says in `error` or `message`."""

    error: Any = None
    message: Any = None


class MessageWebhook(msgspec.Struct, frozen=True, kw_only=True, rename={"sender": "from"}):
    """`POST {webhook_url}/message`: a message to one of our numbers."""

    phone_number: Any = None
    message_id: Any = None
    id: Any = None
    sender: Any = None
    message: Any = None
    type: Any = None
    timestamp: Any = None
    name: Any = None
    reply_to: Any = None
    from_me: Any = None


class StatusWebhook(msgspec.Struct, frozen=True, kw_only=True):
    """`POST {webhook_url}/status`: where a number's link to WhatsApp stands."""

    phone_number: Any = None
    status: Any = None
    qr_code: Any = None
    reason: Any = None
    timestamp: Any = None


class DeliveryWebhook(msgspec.Struct, frozen=True, kw_only=True):
    """`POST {webhook_url}/delivery`: what became of a message we sent."""

    phone_number: Any = None
    message_id: Any = None
    id: Any = None
    status: Any = None
    error: Any = None
    timestamp: Any = None
