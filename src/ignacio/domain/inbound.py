"""What arrives from a messaging provider, once translated out of the provider's own format."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from uuid import UUID

import msgspec

from ignacio.domain.conversations import DeliveryStatus, MediaRef, MessageType
from ignacio.domain.errors import InvalidInput
from ignacio.domain.identity import Sender, WhatsAppUserId
from ignacio.domain.phone import PhoneNumber
from ignacio.domain.providers import Provider

__all__ = [
    "ConnectionState",
    "ConnectionUpdate",
    "DeliveryUpdate",
    "IdentityChange",
    "IdentityChangeKind",
    "InboundEdit",
    "InboundMessage",
    "InboundRevision",
    "InboundRevoke",
    "InboxDelivery",
    "Provider",
    "SetAsideDelivery",
    "WebhookBatch",
]


class InboundMessage(msgspec.Struct, frozen=True, kw_only=True):
    """A message a person sent us, in no provider's format.

    `text` is what a reader (and the assistant) should see: the body, a caption, a location or a
    contact card written out, the title of the button that was tapped.
    """

    provider: Provider
    external_id: str
    recipient: str | None = None
    """The number it was sent to, as the provider names it (Meta's phone-number id, Twilio's
    `whatsapp:+E164`): which workspace it is for. None where the provider did not say."""
    sender: Sender
    """Who wrote: their phone number, their user id with the provider, or both. Meta leaves
    the number out for people who use a username (unless they wrote in the last 30 days)."""
    profile_name: str | None = None
    sent_at: datetime
    message_type: MessageType
    text: str
    media: MediaRef | None = None
    reply_to_external_id: str | None = None
    forwarded: bool = False

    @property
    def expects_answer(self) -> bool:
        """Reactions are kept but not answered; everything else a person sends is answered."""
        return self.message_type is not MessageType.REACTION


class InboundEdit(msgspec.Struct, frozen=True, kw_only=True, tag="edit"):
    """A person edited a message they had sent (`original_external_id`): it now says `text`.

    `external_id` is the provider's id of the edit itself; `sent_at` when they edited it.
    Only the words change (a text, a caption): WhatsApp edits nothing else.
    """

    provider: Provider
    external_id: str
    original_external_id: str
    recipient: str | None = None
    sender: Sender
    sent_at: datetime
    text: str


class InboundRevoke(msgspec.Struct, frozen=True, kw_only=True, tag="revoke"):
    """A person deleted, for everyone, a message they had sent (`original_external_id`)."""

    provider: Provider
    external_id: str
    original_external_id: str
    recipient: str | None = None
    sender: Sender
    sent_at: datetime


InboundRevision = InboundEdit | InboundRevoke
"""A change a person made to a message they had sent."""


class DeliveryUpdate(msgspec.Struct, frozen=True, kw_only=True):
    """The provider's word on a message we sent."""

    provider: Provider
    external_id: str
    recipient: str | None = None
    """The number the message was sent from, as in `InboundMessage.recipient`."""
    status: DeliveryStatus
    at: datetime
    error_code: int | None = None
    error_title: str | None = None


class ConnectionState(StrEnum):
    """Where a number linked through a WhatsApp-Web gateway stands with WhatsApp."""

    PAIRING = "pairing"  # waiting for the number's phone to scan the QR code
    CONNECTED = "connected"  # linked: messages come and go
    DISCONNECTED = "disconnected"  # the link dropped (logged out, banned, the gateway down)


class ConnectionUpdate(msgspec.Struct, frozen=True, kw_only=True):
    """The gateway's word on one of our numbers' link to WhatsApp.

    `address` is the number, as `InboundMessage.recipient` names it; `qr_code` is what the
    number's phone scans while pairing (an image's data URL, or the text a QR code encodes);
    `reason` is why it disconnected, as the gateway put it."""

    provider: Provider
    address: str
    state: ConnectionState
    at: datetime
    qr_code: str | None = None
    reason: str | None = None


class IdentityChangeKind(StrEnum):
    """What a provider's notice says changed about a person (Meta's `system` messages)."""

    NUMBER = "number"  # `user_changed_number`: a new phone number (and a new BSUID with it)
    USER_ID = "user_id"  # `user_changed_user_id`: a new BSUID only, no number said
    SECURITY_CODE = "security_code"  # `customer_identity_changed`: a new device or reinstall


class IdentityChange(msgspec.Struct, frozen=True, kw_only=True):
    """A provider's notice that a person's number, id or security code changed: `who` as they
    were known until now, and what they are known by from now on."""

    provider: Provider
    external_id: str
    recipient: str | None = None
    """The number the notice came through, as in `InboundMessage.recipient`."""
    kind: IdentityChangeKind
    who: Sender
    new_phone: PhoneNumber | None = None
    new_user_id: WhatsAppUserId | None = None
    new_parent_user_id: WhatsAppUserId | None = None
    at: datetime

    def __post_init__(self) -> None:
        if self.kind is IdentityChangeKind.NUMBER and self.new_phone is None:
            raise InvalidInput("A change of number says the new number.")
        if self.kind is IdentityChangeKind.USER_ID and self.new_user_id is None:
            raise InvalidInput("A change of user id says the new id.")


class WebhookBatch(msgspec.Struct, frozen=True, kw_only=True):
    """One webhook delivery, which may carry several messages, statuses and notices that a
    person's number or id changed."""

    messages: list[InboundMessage] = msgspec.field(default_factory=list)
    revisions: list[InboundRevision] = msgspec.field(default_factory=list)
    """Edits and deletions of earlier messages, in the order they came; taken in after
    `messages`, which they may be about."""
    updates: list[DeliveryUpdate] = msgspec.field(default_factory=list)
    connections: list[ConnectionUpdate] = msgspec.field(default_factory=list)
    identity_changes: list[IdentityChange] = msgspec.field(default_factory=list)
    ignored: list[str] = msgspec.field(default_factory=list)  # why each ignored item was ignored


class InboxDelivery(msgspec.Struct, frozen=True, kw_only=True):
    """A webhook delivery as it arrived (signature checked, body untouched), kept until every
    message and status in it has been stored.

    `attempts` counts the earlier tries that failed on it: a delivery that keeps failing is set
    aside, not retried for ever.
    """

    id: UUID
    provider: Provider
    body: bytes
    received_at: datetime
    attempts: int = 0

    def set_aside(self, *, error: str, sender: Sender | None, at: datetime) -> SetAsideDelivery:
        """This delivery after its last failed attempt, as admins see it from now on."""
        return SetAsideDelivery(
            id=self.id,
            provider=self.provider,
            received_at=self.received_at,
            set_aside_at=at,
            attempts=self.attempts + 1,
            last_error=error,
            sender=sender.masked() if sender is not None else None,
        )


class SetAsideDelivery(msgspec.Struct, frozen=True, kw_only=True):
    """A webhook delivery that failed every attempt to store it: when it came and from which
    provider, who sent it (masked; None when its body could not be read), how many attempts
    and the last error. It holds no plaintext personal data: the body it came with is kept
    sealed, for an operator with the key to replay once the cause is fixed."""

    id: UUID
    provider: Provider
    received_at: datetime
    set_aside_at: datetime
    attempts: int
    last_error: str
    sender: str | None = None
