"""What arrives from a messaging provider, once translated out of the provider's own format."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from uuid import UUID

import msgspec

from ignacio.domain.conversations import DeliveryStatus, MediaRef, MessageType
from ignacio.domain.phone import PhoneNumber


class Provider(StrEnum):
    """A provider Ignacio speaks WhatsApp through: who signed a webhook delivery (and so which
    format its body is in), and who carried a message. The names are `IGNACIO_CHANNEL`'s."""

    WHATSAPP_CLOUD = "whatsapp_cloud"
    TWILIO = "twilio"
    WHATSAPP_GATEWAY = "whatsapp_gateway"
    """An unofficial WhatsApp-Web gateway (seed 001): workspaces' own numbers only, each linked
    by scanning a QR code; never `IGNACIO_CHANNEL`."""


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
    sender: PhoneNumber
    sender_user_id: str | None = None  # Meta's business-scoped user id (BSUID), where sent
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
    sender: PhoneNumber
    sender_user_id: str | None = None
    sent_at: datetime
    text: str


class InboundRevoke(msgspec.Struct, frozen=True, kw_only=True, tag="revoke"):
    """A person deleted, for everyone, a message they had sent (`original_external_id`)."""

    provider: Provider
    external_id: str
    original_external_id: str
    recipient: str | None = None
    sender: PhoneNumber
    sender_user_id: str | None = None
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


class WebhookBatch(msgspec.Struct, frozen=True, kw_only=True):
    """One webhook delivery, which may carry several messages and statuses."""

    messages: list[InboundMessage] = msgspec.field(default_factory=list)
    revisions: list[InboundRevision] = msgspec.field(default_factory=list)
    """Edits and deletions of earlier messages, in the order they came; taken in after
    `messages`, which they may be about."""
    updates: list[DeliveryUpdate] = msgspec.field(default_factory=list)
    connections: list[ConnectionUpdate] = msgspec.field(default_factory=list)
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

    def set_aside(
        self, *, error: str, sender: PhoneNumber | None, at: datetime
    ) -> SetAsideDelivery:
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
