"""Cloud API webhook bodies turned into provider-neutral inbound messages, edits and deletions
of earlier messages (`edit`, `revoke`), delivery updates, and notices that a person's number or
id changed (`system`).

Only a body that is not a JSON object at all is refused (`InvalidInput`). Anything inside it that
cannot be read, or that is not a message from a person to answer, is skipped with a reason in
`WebhookBatch.ignored`, so the webhook still answers 200 and Meta does not retry forever.

A sender is named by their phone number (`from`, the contact's `wa_id`), their business-scoped
user id (`from_user_id`, the contact's `user_id`) or both: since 2026 Meta leaves the number out
for people who use a username. The id is scoped by the WhatsApp Business Account the change
comes under (`entry[].id`; see `ignacio.domain.identity`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, TypeVar

import msgspec

from ignacio.adapters.whatsapp_cloud.payloads import (
    Change,
    ChangeValue,
    Contact,
    Edit,
    Entry,
    Location,
    Media,
    Order,
    SharedContact,
    System,
    WebhookBody,
    WebhookError,
    WebhookMessage,
    WebhookStatus,
)
from ignacio.application.ports import DeliveryItems
from ignacio.domain import (
    DeliveryStatus,
    DeliveryUpdate,
    IdentityChange,
    IdentityChangeKind,
    InboundEdit,
    InboundMessage,
    InboundRevision,
    InboundRevoke,
    InvalidInput,
    MediaRef,
    MessageType,
    PhoneNumber,
    Provider,
    Sender,
    WebhookBatch,
    WhatsAppUserId,
    json_without_nul,
)
from ignacio.domain.identity import MAX_ACCOUNT_LENGTH, clean_username

PROVIDER = Provider.WHATSAPP_CLOUD
# JSON carries NUL only as this escape: a body without it is not walked.
_ESCAPED_NUL = b"\\u0000"

_BUSINESS_ACCOUNT = "whatsapp_business_account"
_MEDIA_TYPES = {
    "image": MessageType.IMAGE,
    "video": MessageType.VIDEO,
    "audio": MessageType.AUDIO,
    "document": MessageType.DOCUMENT,
    "sticker": MessageType.STICKER,
}
_SYSTEM_NOTICES = {
    "user_changed_number": IdentityChangeKind.NUMBER,
    "customer_changed_number": IdentityChangeKind.NUMBER,  # its name in older Graph versions
    "user_changed_user_id": IdentityChangeKind.USER_ID,
    "customer_identity_changed": IdentityChangeKind.SECURITY_CODE,
    "user_identity_changed": IdentityChangeKind.SECURITY_CODE,
}
_STATUSES = {
    "sent": DeliveryStatus.SENT,
    "delivered": DeliveryStatus.DELIVERED,
    "read": DeliveryStatus.READ,
    "played": DeliveryStatus.READ,
    "failed": DeliveryStatus.FAILED,
}

_T = TypeVar("_T")


class _Skip(Exception):
    """An item that is not turned into an event; the message says why."""


def parse_webhook(raw_body: bytes) -> WebhookBatch:
    """Every message and status update in a webhook body, in order; the rest ignored with a reason.

    Raises InvalidInput only when the body is not JSON or not a JSON object. NUL characters are
    dropped from its text (see `ignacio.domain.text`): the message is kept, without them.
    """
    try:
        decoded = msgspec.json.decode(raw_body)
        if _ESCAPED_NUL in raw_body:
            decoded = json_without_nul(decoded)
    except (msgspec.DecodeError, RecursionError, UnicodeDecodeError) as error:
        raise InvalidInput("The webhook body is not valid JSON.") from error
    if not isinstance(decoded, dict):
        raise InvalidInput("The webhook body is not a JSON object.")
    batch = _Batch()
    batch.read_body(decoded)
    return WebhookBatch(
        messages=batch.messages,
        revisions=batch.revisions,
        updates=batch.updates,
        identity_changes=batch.changes,
        ignored=batch.ignored,
    )


class _Batch:
    def __init__(self) -> None:
        self.messages: list[InboundMessage] = []
        self.revisions: list[InboundRevision] = []
        self.updates: list[DeliveryUpdate] = []
        self.changes: list[IdentityChange] = []
        self.ignored: list[str] = []

    def read_body(self, decoded: dict[str, Any]) -> None:
        try:
            body = _convert(decoded, WebhookBody, "the body")
            if body.object is not None and body.object != _BUSINESS_ACCOUNT:
                raise _Skip(f"the body is about {body.object!r}, not a WhatsApp account")
        except _Skip as skip:
            self.ignored.append(str(skip))
            return
        for e, raw_entry in enumerate(body.entry or ()):
            try:
                entry = _convert(raw_entry, Entry, f"entry {e}")
            except _Skip as skip:
                self.ignored.append(str(skip))
                continue
            # The WhatsApp Business Account: the scope of the user ids in its changes.
            account = entry.id if entry.id and len(entry.id) <= MAX_ACCOUNT_LENGTH else None
            for c, raw_change in enumerate(entry.changes or ()):
                try:
                    self._read_change(raw_change, f"entry {e} change {c}", account)
                except _Skip as skip:
                    self.ignored.append(str(skip))

    def _read_change(self, raw: Any, where: str, account: str | None) -> None:
        change = _convert(raw, Change, where)
        if change.field is not None and change.field != "messages":
            raise _Skip(f"{where}: field {change.field!r} carries no messages")
        value = _convert(change.value, ChangeValue, f"{where} value")
        contacts = _contacts(value.contacts or ())
        change_errors = _errors(value.errors or ())
        # The business number the change concerns: which workspace it is for.
        recipient = value.metadata.phone_number_id if value.metadata else None
        for m, raw_message in enumerate(value.messages or ()):
            where_message = f"{where} message {m}"
            try:
                message = _convert(raw_message, WebhookMessage, where_message)
                if not message.id:
                    raise _Skip(f"{where_message}: a message without an id")
                sender = _sender(message, contacts, account)
                if message.type == "system":
                    self.changes.append(_identity_change(message, sender, recipient, account))
                    continue
                item = _message(message, sender, change_errors, recipient)
                if isinstance(item, InboundMessage):
                    self.messages.append(item)
                else:
                    self.revisions.append(item)
            except _Skip as skip:
                self.ignored.append(str(skip))
        for s, raw_status in enumerate(value.statuses or ()):
            try:
                self.updates.append(_status(raw_status, f"{where} status {s}", recipient))
            except _Skip as skip:
                self.ignored.append(str(skip))
        if change_errors and not value.messages and not value.statuses:
            self.ignored.append(f"{where}: error notice {_error_text(change_errors[0])}")


def _convert(raw: Any, shape: type[_T], where: str) -> _T:
    try:
        return msgspec.convert(raw, shape, strict=False)
    except msgspec.ValidationError as error:
        raise _Skip(f"{where}: unreadable ({error})") from error


def _contacts(raw_contacts: tuple[Any, ...]) -> list[Contact]:
    contacts: list[Contact] = []
    for raw in raw_contacts:
        try:
            contacts.append(msgspec.convert(raw, Contact, strict=False))
        except msgspec.ValidationError:
            continue
    return contacts


class _Who(msgspec.Struct, frozen=True, kw_only=True):
    """A message's sender as far as it could be read: None when neither a possible number nor
    a user id was there (`reason` says which was wrong), and their contact entry."""

    sender: Sender | None
    contact: Contact | None
    reason: str


def _sender(message: WebhookMessage, contacts: list[Contact], account: str | None) -> _Who:
    """Who sent `message`: their number (`from`, else their contact's `wa_id`), their user id
    (`from_user_id`, else their contact's `user_id`), the parent id and username with them.

    The contact is the one whose `wa_id` is `from` or whose `user_id` is `from_user_id`; a
    message with neither a usable `from` nor `from_user_id` takes the change's only contact
    (the sender, since Meta lists the senders of a change's messages there)."""
    phone = _phone(message.from_)
    user_id = _user_id(message.from_user_id)
    if user_id is None and phone is None and (message.from_ or "")[:1].isalpha():
        # The id written where the number used to be (an id starts with its country code).
        user_id = _user_id(message.from_)
    contact = next(
        (
            c
            for c in contacts
            if (message.from_ and c.wa_id == message.from_)
            or (message.from_user_id and c.user_id == message.from_user_id)
        ),
        None,
    )
    if contact is None and phone is None and user_id is None and len(contacts) == 1:
        contact = contacts[0]
    if contact is not None:
        phone = phone or _phone(contact.wa_id)
        user_id = user_id or _user_id(contact.user_id)
    parent = _user_id(message.from_parent_user_id) or (
        _user_id(contact.parent_user_id) if contact is not None else None
    )
    username = clean_username(contact.profile.username) if contact and contact.profile else None
    if phone is None and user_id is None:
        wrote = message.from_ or (contact.wa_id if contact else None)
        reason = "the sender is not a valid phone number" if wrote else "no sender number or id"
        return _Who(sender=None, contact=contact, reason=reason)
    sender = Sender(
        phone=phone,
        user_id=user_id,
        account=account if user_id is not None else None,
        parent_user_id=parent if user_id is not None else None,
        username=username,
    )
    return _Who(sender=sender, contact=contact, reason="")


def _phone(raw: str | None) -> PhoneNumber | None:
    if not raw:
        return None
    try:
        return PhoneNumber.from_provider(raw)
    except InvalidInput:
        return None


def _user_id(raw: str | None) -> WhatsAppUserId | None:
    if not raw:
        return None
    try:
        return WhatsAppUserId(raw.strip())
    except InvalidInput:
        return None


def _errors(raw_errors: tuple[Any, ...]) -> list[WebhookError]:
    errors: list[WebhookError] = []
    for raw in raw_errors:
        try:
            errors.append(msgspec.convert(raw, WebhookError, strict=False))
        except msgspec.ValidationError:
            continue
    return errors


def _identity_change(
    message: WebhookMessage, who: _Who, recipient: str | None, account: str | None
) -> IdentityChange:
    """A `system` notice: the person's number, id or security code changed. `who` is the
    person before the change: the old number (`from`, or `customer` in older versions) and the
    old id (`from_user_id`, or `previous_user_id` where a notice says it so)."""
    assert message.id is not None
    where = f"message {message.id}"
    system = message.system or System()
    kind = _SYSTEM_NOTICES.get(system.type or "")
    if kind is None:
        raise _Skip(f"{where}: a system notice ({system.type or 'unknown'}), not understood")
    phone = who.sender.phone if who.sender else _phone(system.customer)
    old_id = (who.sender.user_id if who.sender else None) or _user_id(system.previous_user_id)
    if phone is None and old_id is None:
        raise _Skip(f"{where}: a {system.type} notice about nobody ({who.reason})")
    sender = Sender(
        phone=phone,
        user_id=old_id,
        account=account if old_id is not None else None,
        parent_user_id=who.sender.parent_user_id if who.sender and old_id else None,
        username=who.sender.username if who.sender else None,
    )
    at = _instant(message.timestamp)
    if at is None:
        raise _Skip(f"{where}: missing or invalid timestamp")
    new_phone = _phone(system.wa_id or system.new_wa_id)
    new_user_id = _user_id(system.user_id)
    try:
        return IdentityChange(
            provider=PROVIDER,
            external_id=message.id,
            recipient=recipient,
            kind=kind,
            who=sender,
            new_phone=new_phone if kind is IdentityChangeKind.NUMBER else None,
            new_user_id=new_user_id if kind is not IdentityChangeKind.SECURITY_CODE else None,
            new_parent_user_id=_user_id(system.parent_user_id)
            if new_user_id is not None and kind is not IdentityChangeKind.SECURITY_CODE
            else None,
            at=at,
        )
    except InvalidInput as error:
        raise _Skip(f"{where}: a {system.type} notice without its new value") from error


def _message(
    message: WebhookMessage,
    who: _Who,
    change_errors: list[WebhookError],
    recipient: str | None,
) -> InboundMessage | InboundRevision:
    assert message.id is not None
    where = f"message {message.id}"
    if who.sender is None:
        raise _Skip(f"{where}: {who.reason}")
    sent_at = _instant(message.timestamp)
    if sent_at is None:
        raise _Skip(f"{where}: missing or invalid timestamp")
    if message.type in ("edit", "revoke"):
        return _revision(message, where, sender=who.sender, sent_at=sent_at, recipient=recipient)
    message_type, text, media, reply_to = _content(message, where, change_errors)
    contact = who.contact
    context = message.context
    return InboundMessage(
        provider=PROVIDER,
        external_id=message.id,
        recipient=recipient,
        sender=who.sender,
        profile_name=contact.profile.name if contact and contact.profile else None,
        sent_at=sent_at,
        message_type=message_type,
        text=text,
        media=media,
        reply_to_external_id=reply_to or (context.id if context else None),
        forwarded=bool(context and (context.forwarded or context.frequently_forwarded)),
    )


def _revision(
    message: WebhookMessage,
    where: str,
    *,
    sender: Sender,
    sent_at: datetime,
    recipient: str | None,
) -> InboundRevision:
    """An `edit` (the message it edits, and its words now) or a `revoke` (the message deleted)."""
    assert message.id is not None
    if message.type == "revoke":
        original = message.revoke.original_message_id if message.revoke else None
        if not original:
            raise _Skip(f"{where}: a deletion that names no message")
        return InboundRevoke(
            provider=PROVIDER,
            external_id=message.id,
            original_external_id=original,
            recipient=recipient,
            sender=sender,
            sent_at=sent_at,
        )
    original = message.edit.original_message_id if message.edit else None
    if not original or message.edit is None:
        raise _Skip(f"{where}: an edit that names no message")
    return InboundEdit(
        provider=PROVIDER,
        external_id=message.id,
        original_external_id=original,
        recipient=recipient,
        sender=sender,
        sent_at=sent_at,
        text=_edited_text(message.edit, where),
    )


def _edited_text(edit: Edit, where: str) -> str:
    """What the edited message says now: a text's body, or a photo's, video's or document's
    caption (WhatsApp lets nothing else be edited)."""
    edited = edit.message
    kind = edited.type if edited else None
    if edited is not None and kind == "text":
        if edited.text is None or edited.text.body is None:
            raise _Skip(f"{where}: an edit of a text without its new body")
        return edited.text.body
    if edited is not None and kind in _MEDIA_TYPES:
        media: Media | None = getattr(edited, kind)
        if media is None:
            raise _Skip(f"{where}: an edit of a {kind} without its new caption")
        return media.caption or ""
    raise _Skip(f"{where}: an edit of a {kind or 'message of no type'}, which has no words")


def _content(
    message: WebhookMessage, where: str, change_errors: list[WebhookError]
) -> tuple[MessageType, str, MediaRef | None, str | None]:
    """The message's type, its text as a reader should see it, its media, and what it answers."""
    kind = message.type
    if kind == "text":
        if message.text is None or message.text.body is None:
            raise _Skip(f"{where}: a text message without a body")
        return MessageType.TEXT, message.text.body, None, None
    if kind in _MEDIA_TYPES:
        media: Media | None = getattr(message, kind)
        if media is None or not (media.id or media.url):
            raise _Skip(f"{where}: a {kind} message without its {kind}")
        return _MEDIA_TYPES[kind], media.caption or "", _media_ref(media, kind), None
    if kind == "location" and message.location is not None:
        return MessageType.LOCATION, _location_text(message.location), None, None
    if kind == "contacts" and message.contacts is not None:
        return MessageType.CONTACTS, _contacts_text(message.contacts), None, None
    if kind == "interactive" and message.interactive is not None:
        reply = message.interactive.button_reply or message.interactive.list_reply
        if reply is not None:
            text = reply.title or reply.id or ""
            if reply.description:
                text = f"{text} — {reply.description}"
            return MessageType.INTERACTIVE, text, None, None
    if kind == "button" and message.button is not None:
        text = message.button.text or message.button.payload or ""
        return MessageType.INTERACTIVE, text, None, None
    if kind == "reaction":
        if message.reaction is None or not message.reaction.message_id:
            raise _Skip(f"{where}: a reaction to no message")
        reaction = message.reaction
        return MessageType.REACTION, reaction.emoji or "", None, reaction.message_id
    if kind == "order" and message.order is not None:
        return MessageType.TEXT, _order_text(message.order), None, None
    subtype = message.unsupported.type if kind == "unsupported" and message.unsupported else kind
    if subtype == "unsupported":
        subtype = None
    return MessageType.UNSUPPORTED, _unsupported_text(subtype, message, change_errors), None, None


def _media_ref(media: Media, kind: str) -> MediaRef:
    return MediaRef(
        provider_media_id=media.id or None,
        url=media.url or None,
        mime_type=media.mime_type or None,
        filename=media.filename or None,
        sha256=media.sha256 or None,
        is_voice=kind == "audio" and bool(media.voice),
    )


def _location_text(location: Location) -> str:
    place = ", ".join(part for part in (location.name, location.address) if part)
    coordinates = (
        f"({location.latitude}, {location.longitude})"
        if location.latitude is not None and location.longitude is not None
        else ""
    )
    pieces = [piece for piece in (place, coordinates, location.url) if piece]
    return "📍 " + (" ".join(pieces) if pieces else "A location")


def _contacts_text(contacts: tuple[SharedContact, ...]) -> str:
    lines = []
    for contact in contacts:
        name = contact.name
        display = (
            (
                name.formatted_name
                or " ".join(p for p in (name.first_name, name.middle_name, name.last_name) if p)
            )
            if name
            else ""
        ) or "Unnamed contact"
        phones = [phone.phone or phone.wa_id or "" for phone in contact.phones or ()]
        phones = [phone for phone in phones if phone]
        lines.append(f"👤 {display}: {', '.join(phones)}" if phones else f"👤 {display}")
    return "\n".join(lines) if lines else "👤 An empty contact card"


def _order_text(order: Order) -> str:
    lines = ["🛒 Order" + (f" from catalog {order.catalog_id}" if order.catalog_id else "") + ":"]
    for item in order.product_items or ():
        line = f"• {_number(item.quantity) if item.quantity is not None else '?'} x "
        line += item.product_retailer_id or "an unnamed product"
        if item.item_price is not None:
            line += f" at {_number(item.item_price)}"
            if item.currency:
                line += f" {item.currency}"
            line += " each"
        lines.append(line)
    if order.text:
        lines.append(order.text)
    return "\n".join(lines)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _unsupported_text(
    subtype: str | None, message: WebhookMessage, change_errors: list[WebhookError]
) -> str:
    text = "Unsupported message" + (f" ({subtype})" if subtype else "")
    errors = message.errors or tuple(change_errors)
    if errors:
        text += ": " + _error_text(errors[0])
    return text


def _error_text(error: WebhookError) -> str:
    title = error.title or error.message
    details = error.error_data.details if error.error_data else None
    parts = [part for part in (title, details) if part]
    if len(parts) == 2 and parts[0] == parts[1]:
        parts.pop()
    return " — ".join(parts) or (f"error {error.code}" if error.code is not None else "an error")


def _status(raw: Any, where: str, recipient: str | None) -> DeliveryUpdate:
    update = _convert(raw, WebhookStatus, where)
    if not update.id:
        raise _Skip(f"{where}: a status without a message id")
    where = f"status of {update.id}"
    status = _STATUSES.get(update.status or "")
    if status is None:
        raise _Skip(f"{where}: unknown status {update.status!r}")
    at = _instant(update.timestamp)
    if at is None:
        raise _Skip(f"{where}: missing or invalid timestamp")
    error = update.errors[0] if status is DeliveryStatus.FAILED and update.errors else None
    return DeliveryUpdate(
        provider=PROVIDER,
        external_id=update.id,
        recipient=recipient,
        status=status,
        at=at,
        error_code=error.code if error else None,
        error_title=(error.title or error.message) if error else None,
    )


def _instant(raw: int | float | str | None) -> datetime | None:
    """A Unix timestamp in seconds (Meta sends it as a string) as a UTC datetime."""
    if raw is None or isinstance(raw, bool):
        return None
    try:
        seconds: float = raw if not isinstance(raw, str) else _seconds(raw)
        return datetime.fromtimestamp(seconds, UTC)
    except (ValueError, OverflowError, OSError):
        return None


def _seconds(raw: str) -> float:
    try:
        return int(raw)
    except ValueError:
        return float(raw)


class _CountedValue(msgspec.Struct):
    messages: list[msgspec.Raw] | None = None
    statuses: list[msgspec.Raw] | None = None


class _CountedChange(msgspec.Struct):
    field: str | None = None
    value: _CountedValue | None = None


class _CountedEntry(msgspec.Struct):
    changes: list[_CountedChange] | None = None


class _CountedBody(msgspec.Struct):
    object: str | None = None
    entry: list[_CountedEntry] | None = None


# Items stay undecoded (Raw): counting a delivery costs a few microseconds.
_count_decoder = msgspec.json.Decoder(_CountedBody)


class CloudApiWebhookParser:
    """The WebhookParser for Meta's bodies (which carry their own timestamps)."""

    def count(self, body: bytes) -> DeliveryItems:
        try:
            counted = _count_decoder.decode(body)
        except msgspec.ValidationError:
            # An envelope of an odd shape: the lenient parser tells what is in it.
            batch = parse_webhook(body)
            return DeliveryItems(messages=len(batch.messages), updates=len(batch.updates))
        except (msgspec.DecodeError, RecursionError, UnicodeDecodeError) as error:
            raise InvalidInput("The webhook body is not a JSON object.") from error
        if counted.object is not None and counted.object != _BUSINESS_ACCOUNT:
            return DeliveryItems(messages=0, updates=0)
        messages = updates = 0
        for entry in counted.entry or ():
            for change in entry.changes or ():
                if change.value is None or change.field not in (None, "messages"):
                    continue
                messages += len(change.value.messages or ())
                updates += len(change.value.statuses or ())
        return DeliveryItems(messages=messages, updates=updates)

    def parse(self, body: bytes, received_at: datetime) -> WebhookBatch:
        return parse_webhook(body)
