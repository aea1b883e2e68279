"""The gateway's webhooks, read into provider-neutral events.

Seed 001's gateway posts to three paths under the `webhook_url` Ignacio gives it: `/message`,
`/status` and `/delivery`. The webhook inbox keeps one body per delivery, so the controller
keeps the path's name in front of the body, on a line of its own (`envelope`): the body itself
stays byte for byte what the gateway signed.

Numbers are read as the gateway may write them: E.164 (`+34612345678`), digits alone, or a
WhatsApp-Web id (`34612345678@c.us`, `34612345678:3@s.whatsapp.net`). Group chats, messages the
number sent itself and senders who hide their number are ignored with a reason; so is an item
missing what makes it one. Times are seconds (or milliseconds) since the epoch, or ISO 8601;
without one, the time the delivery arrived.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any, Final, TypeVar

import msgspec

from ignacio.adapters.whatsapp_gateway.payloads import (
    DeliveryWebhook,
    MessageWebhook,
    StatusWebhook,
)
from ignacio.application.ports import DeliveryItems
from ignacio.domain import (
    ConnectionState,
    ConnectionUpdate,
    DeliveryStatus,
    DeliveryUpdate,
    InboundMessage,
    InvalidInput,
    MessageType,
    PhoneNumber,
    Provider,
    Sender,
    WebhookBatch,
    without_nul,
)
from ignacio.domain.channels import MAX_QR_CODE, MAX_REASON

PROVIDER = Provider.WHATSAPP_GATEWAY
MESSAGE, STATUS, DELIVERY = "message", "status", "delivery"
EVENTS: Final = (MESSAGE, STATUS, DELIVERY)
MAX_ID = 256

_TEXT_TYPES = frozenset({"", "text", "chat", "conversation"})
CONNECTION_STATES: Final = {
    **dict.fromkeys(
        ("qr", "qr_code", "pairing", "scan", "scan_qr", "waiting_qr", "unpaired_idle"),
        ConnectionState.PAIRING,
    ),
    **dict.fromkeys(
        ("connected", "ready", "authenticated", "open", "online", "inchat"),
        ConnectionState.CONNECTED,
    ),
    **dict.fromkeys(
        (
            "disconnected",
            "logged_out",
            "logout",
            "closed",
            "close",
            "banned",
            "conflict",
            "auth_failure",
            "failed",
            "offline",
            "unpaired",
            "not_found",
            "unknown",
        ),
        ConnectionState.DISCONNECTED,
    ),
}
"""The words gateways use for a session's state (whatsapp-web.js, Baileys, Venom, WPPConnect
say it their own ways), each read as one of ours; any other is ignored."""

_DELIVERY_STATES: Final = {
    **dict.fromkeys(("sent", "server", "1"), DeliveryStatus.SENT),
    **dict.fromkeys(("delivered", "device", "delivery_ack", "2"), DeliveryStatus.DELIVERED),
    **dict.fromkeys(("read", "played", "3", "4"), DeliveryStatus.READ),
    **dict.fromkeys(("failed", "error", "-1"), DeliveryStatus.FAILED),
}
_ON_THE_WAY = frozenset({"pending", "queued", "sending", "0"})
# Moments outside these years are a gateway's mistake (a zero, a unit mixed up): the arrival's.
_EARLIEST = datetime(2000, 1, 1, tzinfo=UTC).timestamp()
_LATEST = datetime(2100, 1, 1, tzinfo=UTC).timestamp()


_Item = TypeVar("_Item", MessageWebhook, StatusWebhook, DeliveryWebhook)


class _Skip(Exception):
    """An item not turned into an event; the message says why."""


def envelope(event: str, raw_body: bytes) -> bytes:
    """What the inbox keeps for a webhook posted to `/{event}`: the path's name, a line
    break, and the body as signed."""
    if event not in EVENTS:
        raise ValueError(f"the gateway posts no {event!r} webhook")
    return event.encode() + b"\n" + raw_body


def parse_webhook(body: bytes, received_at: datetime) -> WebhookBatch:
    """The event one kept webhook carries (see `envelope`), the rest ignored with a reason.

    Raises InvalidInput when the body is not a JSON object.
    """
    event, raw = _opened(body)
    try:
        if event == MESSAGE:
            return WebhookBatch(messages=[_message(_decode(raw, MessageWebhook), received_at)])
        if event == STATUS:
            return WebhookBatch(connections=[_connection(_decode(raw, StatusWebhook), received_at)])
        return WebhookBatch(updates=[_delivery(_decode(raw, DeliveryWebhook), received_at)])
    except _Skip as skip:
        return WebhookBatch(ignored=[str(skip)])


def _opened(body: bytes) -> tuple[str, bytes]:
    event, separator, raw = body.partition(b"\n")
    name = event.decode("ascii", "replace")
    if not separator or name not in EVENTS:
        raise InvalidInput("Not a webhook of the WhatsApp-Web gateway.")
    return name, raw


def _decode(raw: bytes, kind: type[_Item]) -> _Item:
    try:
        return msgspec.json.decode(raw, type=kind)
    except (msgspec.DecodeError, RecursionError) as error:
        raise InvalidInput(
            "The webhook body is not a JSON object in the gateway's format."
        ) from error


def _message(item: MessageWebhook, received_at: datetime) -> InboundMessage:
    external_id = _identifier(item.message_id, item.id, what="a message")
    where = f"message {external_id}"
    if item.from_me is True:
        raise _Skip(f"{where}: sent from the number itself")
    ours = _our_number(item.phone_number, where)
    sender = _sender(item.sender, where)
    kind = (_text(item.type) or "").strip().lower()
    body = _text(item.message) or ""
    if kind in _TEXT_TYPES:
        message_type, text = MessageType.TEXT, body
    elif kind == "reaction":
        message_type, text = MessageType.REACTION, body
    else:
        # Seed 001's protocol carries no media: a photo's caption is kept, the photo is not.
        message_type = MessageType.UNSUPPORTED
        text = body or f"Unsupported message ({kind[:40]})"
    reply_to = _text(item.reply_to)
    return InboundMessage(
        provider=PROVIDER,
        external_id=external_id,
        recipient=ours,
        sender=Sender(phone=sender),
        profile_name=(_text(item.name) or "").strip()[:255] or None,
        sent_at=_moment(item.timestamp, received_at),
        message_type=message_type,
        text=text,
        reply_to_external_id=reply_to if reply_to and len(reply_to) <= MAX_ID else None,
    )


def _connection(item: StatusWebhook, received_at: datetime) -> ConnectionUpdate:
    ours = _our_number(item.phone_number, "status")
    where = f"status of {ours}"
    qr_code = _text(item.qr_code)
    word = (_text(item.status) or "").strip().lower()
    state = connection_state(word)
    if state is None:
        if not word and qr_code:
            state = ConnectionState.PAIRING
        else:
            raise _Skip(f"{where}: unknown state {word[:40]!r}")
    if qr_code is not None and len(qr_code) > MAX_QR_CODE:
        raise _Skip(f"{where}: a QR code longer than {MAX_QR_CODE} characters")
    return ConnectionUpdate(
        provider=PROVIDER,
        address=ours,
        state=state,
        at=_moment(item.timestamp, received_at),
        qr_code=qr_code if state is ConnectionState.PAIRING else None,
        reason=(_text(item.reason) or word)[:MAX_REASON]
        if state is ConnectionState.DISCONNECTED
        else None,
    )


def connection_state(word: object) -> ConnectionState | None:
    """Our name for a gateway's word on a session's state; None for a word it does not know."""
    text = _text(word)
    return None if text is None else CONNECTION_STATES.get(text.strip().lower())


def _delivery(item: DeliveryWebhook, received_at: datetime) -> DeliveryUpdate:
    external_id = _identifier(item.message_id, item.id, what="a delivery report")
    where = f"status of {external_id}"
    word = (_text(item.status) or "").strip().lower()
    if word in _ON_THE_WAY:
        raise _Skip(f"{where}: {word!r}, still on its way")
    status = _DELIVERY_STATES.get(word)
    if status is None:
        raise _Skip(f"{where}: unknown status {word[:40]!r}")
    failed = status is DeliveryStatus.FAILED
    error = (_text(item.error) or "").strip()[:MAX_REASON]
    return DeliveryUpdate(
        provider=PROVIDER,
        external_id=external_id,
        recipient=_our_number(item.phone_number, where) if item.phone_number else None,
        status=status,
        at=_moment(item.timestamp, received_at),
        error_title=(error or "The gateway reported the message failed.") if failed else None,
    )


def _identifier(*candidates: object, what: str) -> str:
    for candidate in candidates:
        text = _text(candidate)
        if text and text.strip():
            if len(text) > MAX_ID:
                raise _Skip(f"{what} with an id longer than {MAX_ID} characters")
            return text.strip()
    raise _Skip(f"{what} without a message_id")


def _our_number(raw: object, where: str) -> str:
    number = _phone(raw)
    if number is None:
        raise _Skip(f"{where}: phone_number is not one of our numbers in E.164")
    return number.e164


def _sender(raw: object, where: str) -> PhoneNumber:
    text = (_text(raw) or "").strip().lower()
    if text.endswith("@g.us") or text.endswith("@broadcast") or text.endswith("@newsletter"):
        raise _Skip(f"{where}: a group, broadcast or channel message")
    if text.endswith("@lid"):
        raise _Skip(f"{where}: the sender hides their number (a WhatsApp LID)")
    number = _phone(raw)
    if number is None:
        raise _Skip(f"{where}: the sender is not a valid phone number")
    return number


def _phone(raw: object) -> PhoneNumber | None:
    """A number as a gateway writes it (see the module's doc); None if it is none."""
    text = _text(raw)
    if text is None:
        return None
    user = text.strip().partition("@")[0].partition(":")[0]
    if not user or len(user) > 20:
        return None
    try:
        return PhoneNumber.from_provider(user)
    except InvalidInput:
        return None


def _text(value: object) -> str | None:
    """A JSON string (or an id sent as a number) as text without NUL; None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return without_nul(value)
    return None


def _moment(value: Any, received_at: datetime) -> datetime:
    """When the gateway says something happened; `received_at` when it says nothing usable."""
    seconds: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(value)
    elif isinstance(value, str) and value.strip():
        text = value.strip()
        try:
            seconds = float(text)
        except ValueError:
            try:
                moment = datetime.fromisoformat(text)
            except ValueError:
                return received_at
            return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    if seconds is None or not math.isfinite(seconds):
        return received_at
    if seconds > _LATEST:
        seconds /= 1000  # milliseconds, as JavaScript counts
    if not _EARLIEST <= seconds <= _LATEST:
        return received_at
    return datetime.fromtimestamp(seconds, UTC)


class GatewayWebhookParser:
    """The WebhookParser for the gateway's webhooks (one event each, behind its path's name)."""

    def count(self, body: bytes) -> DeliveryItems:
        # One small item per delivery: reading it is as cheap as counting.
        batch = self.parse(body, datetime.now(UTC))
        return DeliveryItems(
            messages=len(batch.messages),
            updates=len(batch.updates),
            connections=len(batch.connections),
        )

    def parse(self, body: bytes, received_at: datetime) -> WebhookBatch:
        return parse_webhook(body, received_at)
