"""Twilio webhook forms turned into provider-neutral inbound messages and delivery updates.

Twilio posts `application/x-www-form-urlencoded` forms: an incoming WhatsApp message (`From` and
`To` as `whatsapp:+E164`, `Body`, `MessageSid`, `ProfileName`, `NumMedia` with `MediaUrlN` and
`MediaContentTypeN`, location, button and reply fields) or a status callback for a message we
sent (`MessageStatus`, `ErrorCode`). Neither carries a time, so events are dated when received.
Twilio's incoming-message webhook has no parameter for a person editing or deleting a message
they sent (Meta's `edit` and `revoke`): through Twilio, edits and deletions never reach us.

Since 2026 an incoming message also carries `ExternalUserId`, Meta's business-scoped user id for
the sender (see `ignacio.domain.identity`), scoped here by the account (`AccountSid`); for
someone who uses a username `From` may hold no number, and the message is kept under the id.

Only a body that is not a form at all is refused (`InvalidInput`); a form that is not a WhatsApp
message or status is ignored with the reason, so the webhook still answers 200.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from urllib.parse import parse_qsl

from ignacio.adapters.twilio.failures import error_title
from ignacio.application.ports import DeliveryItems
from ignacio.domain import (
    DeliveryStatus,
    DeliveryUpdate,
    InboundMessage,
    InvalidInput,
    MediaRef,
    MessageType,
    PhoneNumber,
    Provider,
    Sender,
    WebhookBatch,
    WhatsAppUserId,
    without_nul,
)
from ignacio.domain.identity import MAX_ACCOUNT_LENGTH

PROVIDER = Provider.TWILIO
WHATSAPP_PREFIX = "whatsapp:"
MAX_FIELDS = 1000
MAX_MEDIA = 10

_STATUSES = {
    "sent": DeliveryStatus.SENT,
    "delivered": DeliveryStatus.DELIVERED,
    "read": DeliveryStatus.READ,
    "failed": DeliveryStatus.FAILED,
    "undelivered": DeliveryStatus.FAILED,
    "canceled": DeliveryStatus.FAILED,
}
_ON_THE_WAY = frozenset({"accepted", "scheduled", "queued", "sending", "partially_delivered"})
_INBOUND = frozenset({"", "received", "receiving"})
_MEDIA_TYPES = {
    "image": MessageType.IMAGE,
    "video": MessageType.VIDEO,
    "audio": MessageType.AUDIO,
    "document": MessageType.DOCUMENT,
    "sticker": MessageType.STICKER,
}
_CONTACT_CARDS = frozenset({"text/vcard", "text/x-vcard", "text/directory"})
_VOICE_NOTES = frozenset({"audio/ogg", "audio/opus"})


class _Skip(Exception):
    """A form that is not turned into an event; the message says why."""


def parse_form(raw_body: bytes) -> list[tuple[str, str]]:
    """The POST parameters in order, blank values kept (Twilio signs them too).

    Raises InvalidInput when the body is not a UTF-8 form, or has more than 1,000 fields.
    """
    try:
        text = raw_body.decode("utf-8")
        return parse_qsl(text, keep_blank_values=True, max_num_fields=MAX_FIELDS)
    except (UnicodeDecodeError, ValueError) as error:
        raise InvalidInput("The webhook body is not a form Twilio would send.") from error


def parse_webhook(params: Iterable[tuple[str, str]], received_at: datetime) -> WebhookBatch:
    """The message or status update one Twilio form carries, dated `received_at`; anything
    else ignored with a reason. NUL characters are dropped (see `ignacio.domain.text`)."""
    fields: dict[str, str] = {}
    for name, value in params:
        # NUL dropped here, not in `parse_form`: Twilio's signature covers the values as sent.
        fields.setdefault(without_nul(name), without_nul(value))
    try:
        sid = fields.get("MessageSid") or fields.get("SmsMessageSid") or fields.get("SmsSid")
        if not sid:
            raise _Skip("a form without a MessageSid")
        status = (fields.get("MessageStatus") or fields.get("SmsStatus") or "").strip().lower()
        if status not in _INBOUND:
            return WebhookBatch(updates=[_update(fields, sid, status, received_at)])
        return WebhookBatch(messages=_messages(fields, sid, received_at))
    except _Skip as skip:
        return WebhookBatch(ignored=[str(skip)])


def _update(fields: Mapping[str, str], sid: str, status: str, at: datetime) -> DeliveryUpdate:
    where = f"status of {sid}"
    if status in _ON_THE_WAY:
        raise _Skip(f"{where}: {status!r}, still on its way")
    known = _STATUSES.get(status)
    if known is None:
        raise _Skip(f"{where}: unknown status {status!r}")
    code = _integer(fields.get("ErrorCode"))
    failed = known is DeliveryStatus.FAILED
    title = (
        fields.get("ErrorMessage") or fields.get("ChannelStatusMessage") or error_title(code)
        if failed
        else None
    )
    return DeliveryUpdate(
        provider=PROVIDER,
        external_id=sid,
        # A status is about a message we sent: it went from our number.
        recipient=_our_number(fields.get("From")),
        status=known,
        at=at,
        error_code=code if failed else None,
        error_title=(title or f"Twilio reported the message {status}.") if failed else None,
    )


def _messages(fields: Mapping[str, str], sid: str, at: datetime) -> list[InboundMessage]:
    where = f"message {sid}"
    raw_from = fields.get("From", "")
    if raw_from and not raw_from.lower().startswith(WHATSAPP_PREFIX):
        raise _Skip(f"{where}: not a WhatsApp message (From has no 'whatsapp:' prefix)")
    sender = _sender(fields, raw_from[len(WHATSAPP_PREFIX) :])
    if sender is None:
        reason = "the sender is not a valid phone number" if raw_from else "no sender number or id"
        raise _Skip(f"{where}: {reason}")
    kind = fields.get("MessageType", "").strip().lower()
    body = fields.get("Body", "")
    media = _media(fields, kind)
    message_type, text = _content(fields, kind, body, media)
    profile_name = fields.get("ProfileName") or None

    def message(external_id: str, text: str, item: MediaRef | None) -> InboundMessage:
        return InboundMessage(
            provider=PROVIDER,
            external_id=external_id,
            recipient=_our_number(fields.get("To")),
            sender=sender,
            profile_name=profile_name,
            sent_at=at,
            message_type=_media_type(item, kind) if item is not None else message_type,
            text=text,
            media=item,
            reply_to_external_id=fields.get("OriginalRepliedMessageSid") or None,
            forwarded=_true(fields.get("Forwarded")) or _true(fields.get("FrequentlyForwarded")),
        )

    if not media:
        return [message(sid, text, None)]
    # WhatsApp sends one file per message; should Twilio ever group several, each becomes a
    # message of its own, the first carrying the caption.
    return [
        message(sid if n == 0 else f"{sid}/{n}", text if n == 0 else "", item)
        for n, item in enumerate(media)
    ]


def _sender(fields: Mapping[str, str], written: str) -> Sender | None:
    """The sender: the number in `From`, the user id in `ExternalUserId` (or in `From`, where a
    number would be, for someone who hides theirs), scoped by `AccountSid`; None if neither."""
    phone = _phone(written)
    user_id = _user_id(fields.get("ExternalUserId")) or (
        # An id starts with its country code; digits are a number that is not possible.
        _user_id(written) if phone is None and written[:1].isalpha() else None
    )
    if phone is None and user_id is None:
        return None
    account = (fields.get("AccountSid") or "").strip() or None
    if account is not None and len(account) > MAX_ACCOUNT_LENGTH:
        account = None
    return Sender(phone=phone, user_id=user_id, account=account if user_id else None)


def _phone(raw: str) -> PhoneNumber | None:
    if not raw.strip():
        return None
    try:
        return PhoneNumber.from_provider(raw)
    except InvalidInput:
        return None


def _user_id(raw: str | None) -> WhatsAppUserId | None:
    if not raw or not raw.strip():
        return None
    try:
        return WhatsAppUserId(raw.strip())
    except InvalidInput:
        return None


def our_number(fields: Mapping[str, str], *, status: bool) -> str | None:
    """Which of our senders a form is about, in E.164: the one written to (`To`), or, in a
    status callback, the one that sent (`From`)."""
    return _our_number(fields.get("From" if status else "To"))


def _our_number(raw: str | None) -> str | None:
    """One of our WhatsApp senders as Twilio writes it (`whatsapp:+14155238886`), in E.164;
    None when it is missing or not a number."""
    if not raw or not raw.lower().startswith(WHATSAPP_PREFIX):
        return None
    try:
        return PhoneNumber.from_provider(raw[len(WHATSAPP_PREFIX) :]).e164
    except InvalidInput:
        return None


def _content(
    fields: Mapping[str, str], kind: str, body: str, media: list[MediaRef]
) -> tuple[MessageType, str]:
    latitude, longitude = fields.get("Latitude"), fields.get("Longitude")
    if latitude and longitude:
        place = ", ".join(p for p in (fields.get("Label"), fields.get("Address")) if p)
        return MessageType.LOCATION, "📍 " + " ".join(
            p for p in (place, f"({latitude}, {longitude})") if p
        )
    button = fields.get("ButtonText") or fields.get("ButtonPayload")
    if button:
        return MessageType.INTERACTIVE, button
    choice = fields.get("ListTitle") or fields.get("ListId")
    if choice:
        return MessageType.INTERACTIVE, choice
    if media:
        return MessageType.DOCUMENT, body  # each media item's own type is used instead
    if body or kind in ("", "text"):
        return MessageType.TEXT, body
    return MessageType.UNSUPPORTED, f"Unsupported message ({kind})"


def _media(fields: Mapping[str, str], kind: str) -> list[MediaRef]:
    count = min(_integer(fields.get("NumMedia")) or 0, MAX_MEDIA)
    media = []
    for n in range(count):
        url = fields.get(f"MediaUrl{n}")
        if url:
            mime_type = fields.get(f"MediaContentType{n}") or None
            media.append(
                MediaRef(
                    url=url,
                    provider_media_id=url.rstrip("/").rsplit("/", 1)[-1] or None,
                    mime_type=mime_type,
                    is_voice=_base_type(mime_type) in _VOICE_NOTES,
                )
            )
    return media


def _media_type(media: MediaRef, kind: str) -> MessageType:
    if kind in _MEDIA_TYPES and kind != "document":
        return _MEDIA_TYPES[kind]
    base = _base_type(media.mime_type)
    if base in _CONTACT_CARDS:
        return MessageType.CONTACTS
    major = base.split("/", 1)[0]
    return _MEDIA_TYPES.get(major, MessageType.DOCUMENT)


def _base_type(mime_type: str | None) -> str:
    return (mime_type or "").split(";", 1)[0].strip().lower()


def _integer(raw: str | None) -> int | None:
    raw = (raw or "").strip()
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None


def _true(raw: str | None) -> bool:
    return (raw or "").strip().lower() == "true"


class TwilioWebhookParser:
    """The WebhookParser for Twilio's form-encoded bodies (one message or status each)."""

    def count(self, body: bytes) -> DeliveryItems:
        # A form is small and carries one item: reading it is as cheap as counting.
        batch = self.parse(body, datetime.now(UTC))
        return DeliveryItems(messages=len(batch.messages), updates=len(batch.updates))

    def parse(self, body: bytes, received_at: datetime) -> WebhookBatch:
        return parse_webhook(parse_form(body), received_at)
