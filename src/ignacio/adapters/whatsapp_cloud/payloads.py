"""The shapes of the Cloud API's webhook bodies and Graph API answers, as lenient msgspec Structs.

Meta adds fields and leaves others out without notice, so unknown fields are ignored and nearly
every field is optional. The envelope keeps its items undecoded (`tuple[Any, ...]`) so that each
message, status and contact is read on its own: one item Meta got wrong never hides the others.
Only the fields Ignacio uses are declared.
"""

from __future__ import annotations

from typing import Any

import msgspec

# The envelope: object > entry[] > changes[] > value.


class WebhookBody(msgspec.Struct, frozen=True, kw_only=True):
    object: str | None = None
    entry: tuple[Any, ...] | None = None


class Entry(msgspec.Struct, frozen=True, kw_only=True):
    id: str | None = None
    changes: tuple[Any, ...] | None = None


class Change(msgspec.Struct, frozen=True, kw_only=True):
    field: str | None = None
    value: Any = None


class Metadata(msgspec.Struct, frozen=True, kw_only=True):
    display_phone_number: str | None = None
    phone_number_id: str | None = None


class ChangeValue(msgspec.Struct, frozen=True, kw_only=True):
    messaging_product: str | None = None
    metadata: Metadata | None = None
    contacts: tuple[Any, ...] | None = None
    messages: tuple[Any, ...] | None = None
    statuses: tuple[Any, ...] | None = None
    errors: tuple[Any, ...] | None = None


# The items.


class ErrorData(msgspec.Struct, frozen=True, kw_only=True):
    details: str | None = None


class WebhookError(msgspec.Struct, frozen=True, kw_only=True):
    code: int | None = None
    title: str | None = None
    message: str | None = None
    error_data: ErrorData | None = None


class Profile(msgspec.Struct, frozen=True, kw_only=True):
    name: str | None = None
    username: str | None = None  # since 2026, for people who chose one


class Contact(msgspec.Struct, frozen=True, kw_only=True):
    """Who sent the messages of a change: `wa_id` is the phone number (left out for people who
    use a username, unless they wrote in the last 30 days), `user_id` the business-scoped user
    id (BSUID, always there since April 2026), `parent_user_id` the parent BSUID (managed
    businesses that enabled it)."""

    wa_id: str | None = None
    user_id: str | None = None
    parent_user_id: str | None = None
    profile: Profile | None = None


class Context(msgspec.Struct, frozen=True, kw_only=True):
    id: str | None = None
    forwarded: bool = False
    frequently_forwarded: bool = False


class Text(msgspec.Struct, frozen=True, kw_only=True):
    body: str | None = None


class Media(msgspec.Struct, frozen=True, kw_only=True):
    """An image, video, audio (voice notes included), document or sticker."""

    id: str | None = None
    url: str | None = None
    mime_type: str | None = None
    sha256: str | None = None
    caption: str | None = None
    filename: str | None = None
    voice: bool | None = None


class Location(msgspec.Struct, frozen=True, kw_only=True):
    latitude: float | None = None
    longitude: float | None = None
    name: str | None = None
    address: str | None = None
    url: str | None = None


class ContactName(msgspec.Struct, frozen=True, kw_only=True):
    formatted_name: str | None = None
    first_name: str | None = None
    middle_name: str | None = None
    last_name: str | None = None


class ContactPhone(msgspec.Struct, frozen=True, kw_only=True):
    phone: str | None = None
    wa_id: str | None = None
    type: str | None = None


class SharedContact(msgspec.Struct, frozen=True, kw_only=True):
    """A contact card a person shared (not to be confused with `Contact`, the sender)."""

    name: ContactName | None = None
    phones: tuple[ContactPhone, ...] | None = None


class Reply(msgspec.Struct, frozen=True, kw_only=True):
    id: str | None = None
    title: str | None = None
    description: str | None = None


class Interactive(msgspec.Struct, frozen=True, kw_only=True):
    type: str | None = None
    button_reply: Reply | None = None
    list_reply: Reply | None = None


class Button(msgspec.Struct, frozen=True, kw_only=True):
    """A tap on a template's quick-reply button."""

    text: str | None = None
    payload: str | None = None


class Reaction(msgspec.Struct, frozen=True, kw_only=True):
    message_id: str | None = None
    emoji: str | None = None


class OrderItem(msgspec.Struct, frozen=True, kw_only=True):
    product_retailer_id: str | None = None
    quantity: int | float | None = None
    item_price: int | float | None = None
    currency: str | None = None


class Order(msgspec.Struct, frozen=True, kw_only=True):
    catalog_id: str | None = None
    text: str | None = None
    product_items: tuple[OrderItem, ...] | None = None


class Unsupported(msgspec.Struct, frozen=True, kw_only=True):
    type: str | None = None


class System(msgspec.Struct, frozen=True, kw_only=True):
    """A notice about the person: `type` says what changed; `wa_id` is the new number
    (`user_changed_number`), `user_id` and `parent_user_id` the new ids Meta gives with it or
    alone (`user_changed_user_id`)."""

    type: str | None = None
    body: str | None = None
    wa_id: str | None = None
    new_wa_id: str | None = None
    customer: str | None = None  # the old number, in older Graph versions
    user_id: str | None = None
    parent_user_id: str | None = None
    previous_user_id: str | None = None


class Edit(msgspec.Struct, frozen=True, kw_only=True):
    """A person edited a message they sent: `message` is it as it is now (its text or caption)."""

    original_message_id: str | None = None
    message: WebhookMessage | None = None


class Revoke(msgspec.Struct, frozen=True, kw_only=True):
    """A person deleted, for everyone, a message they sent."""

    original_message_id: str | None = None


class WebhookMessage(msgspec.Struct, frozen=True, kw_only=True):
    id: str | None = None
    from_: str | None = msgspec.field(default=None, name="from")
    from_user_id: str | None = None
    from_parent_user_id: str | None = None
    timestamp: int | float | str | None = None
    type: str | None = None
    context: Context | None = None
    text: Text | None = None
    image: Media | None = None
    video: Media | None = None
    audio: Media | None = None
    document: Media | None = None
    sticker: Media | None = None
    location: Location | None = None
    contacts: tuple[SharedContact, ...] | None = None
    interactive: Interactive | None = None
    button: Button | None = None
    reaction: Reaction | None = None
    order: Order | None = None
    unsupported: Unsupported | None = None
    system: System | None = None
    edit: Edit | None = None
    revoke: Revoke | None = None
    errors: tuple[WebhookError, ...] | None = None


class WebhookStatus(msgspec.Struct, frozen=True, kw_only=True):
    id: str | None = None
    status: str | None = None
    timestamp: int | float | str | None = None
    recipient_id: str | None = None
    recipient_type: str | None = None
    errors: tuple[WebhookError, ...] | None = None


# Graph API answers.


class GraphError(msgspec.Struct, frozen=True, kw_only=True):
    """The `error` object of a Graph API failure."""

    message: str | None = None
    type: str | None = None
    code: int | None = None
    error_subcode: int | None = None
    error_data: ErrorData | None = None
    fbtrace_id: str | None = None


class GraphErrorBody(msgspec.Struct, frozen=True, kw_only=True):
    error: GraphError | None = None


class SentMessageId(msgspec.Struct, frozen=True, kw_only=True):
    id: str | None = None


class SendResult(msgspec.Struct, frozen=True, kw_only=True):
    """What `POST /{phone-number-id}/messages` answers when it accepts a message."""

    messages: tuple[SentMessageId, ...] | None = None


class UploadResult(msgspec.Struct, frozen=True, kw_only=True):
    """What `POST /{phone-number-id}/media` answers when it keeps an upload."""

    id: str | None = None


class MediaInfo(msgspec.Struct, frozen=True, kw_only=True):
    """What `GET /{media-id}` answers: a short-lived download URL and what it points to."""

    id: str | None = None
    url: str | None = None
    mime_type: str | None = None
    sha256: str | None = None
    file_size: int | None = None
