"""A workspace's own WhatsApp numbers: which workspace a message is for, and whose number answers.

Each workspace speaks through numbers of its own (Meta's terms: an organisation's own
assistant), at most a handful each. A number is known to the webhooks by its `address`, as the
provider names it in every delivery: Meta's phone-number id (`metadata.phone_number_id`),
Twilio's sender in E.164, the gateway's `phone_number` in E.164. An address belongs to one
workspace at most.

A number on a WhatsApp-Web gateway is linked by its phone scanning a QR code, and the link can
drop at any time (the phone logged out, WhatsApp banned the number, the gateway stopped): its
`connection` says where it stands, as the gateway last reported it.

The credentials that send from a number are kept sealed: the domain never holds them in the
clear next to the channel, so a channel can be listed, logged and audited without them.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timedelta
from uuid import UUID

import msgspec

from ignacio.domain.errors import InvalidInput
from ignacio.domain.inbound import ConnectionState, ConnectionUpdate, Provider
from ignacio.domain.phone import PhoneNumber

DEFAULT_MAX_CHANNELS_PER_WORKSPACE = 2
_PHONE_NUMBER_ID = re.compile(r"^[0-9]{5,32}$")
_ACCOUNT_SID = re.compile(r"^AC[0-9a-fA-F]{32}$")
_MAX_SECRET = 1_000
_MAX_LABEL = 60
MAX_QR_CODE = 16_000
"""The longest QR code kept: a data URL of a PNG of WhatsApp's code is a few kilobytes."""
MAX_REASON = 200
CLOCK_GRAIN = timedelta(seconds=1)


def _has_control(text: str) -> bool:
    """Line breaks, NUL and the like: never in a label or a credential (PostgreSQL refuses NUL
    in text, and HTTP in a header)."""
    return any(unicodedata.category(character)[0] == "C" for character in text)


def _secret(value: str, what: str) -> str:
    value = value.strip()
    if not value:
        raise InvalidInput(f"{what} is required.")
    if len(value) > _MAX_SECRET or any(c.isspace() for c in value) or _has_control(value):
        raise InvalidInput(f"{what} must be one word of at most {_MAX_SECRET} characters.")
    return value


class CloudApiCredentials(msgspec.Struct, frozen=True, kw_only=True, tag="whatsapp_cloud"):
    """A number on Meta's WhatsApp Cloud API: its phone-number id and a token that may send
    from it (a system user's, in production)."""

    phone_number_id: str
    access_token: str

    def __post_init__(self) -> None:
        if not _PHONE_NUMBER_ID.match(self.phone_number_id):
            raise InvalidInput(
                "The phone number id is the number's id in Meta's WhatsApp Manager (digits only)."
            )
        _secret(self.access_token, "The access token")

    @property
    def provider(self) -> Provider:
        return Provider.WHATSAPP_CLOUD

    @property
    def address(self) -> str:
        return self.phone_number_id


class TwilioCredentials(msgspec.Struct, frozen=True, kw_only=True, tag="twilio"):
    """A WhatsApp sender on Twilio: the account that owns it and the sender's number."""

    account_sid: str
    auth_token: str
    number: str
    """The WhatsApp sender, in E.164 (what Twilio writes after `whatsapp:`)."""

    def __post_init__(self) -> None:
        if not _ACCOUNT_SID.match(self.account_sid):
            raise InvalidInput("The account SID is 'AC' followed by 32 hexadecimal characters.")
        _secret(self.auth_token, "The auth token")
        PhoneNumber.parse(self.number)

    @property
    def provider(self) -> Provider:
        return Provider.TWILIO

    @property
    def address(self) -> str:
        return PhoneNumber.parse(self.number).e164


class GatewayCredentials(msgspec.Struct, frozen=True, kw_only=True, tag="whatsapp_gateway"):
    """A number linked through the deployment's WhatsApp-Web gateway: the number is all it
    takes. The gateway and the secret shared with it are the deployment's; what shows the
    number is the workspace's is its phone scanning the QR code the gateway gives."""

    number: str
    """The number, in E.164 (the gateway's `phone_number`)."""

    def __post_init__(self) -> None:
        PhoneNumber.parse(self.number)

    @property
    def provider(self) -> Provider:
        return Provider.WHATSAPP_GATEWAY

    @property
    def address(self) -> str:
        return PhoneNumber.parse(self.number).e164


ChannelCredentials = CloudApiCredentials | TwilioCredentials | GatewayCredentials


def decode_credentials(raw: bytes) -> ChannelCredentials:
    """Credentials as `encode_credentials` wrote them."""
    credentials: ChannelCredentials = msgspec.json.decode(raw, type=ChannelCredentials)
    return credentials


def encode_credentials(credentials: ChannelCredentials) -> bytes:
    return msgspec.json.encode(credentials)


class Connection(msgspec.Struct, frozen=True, kw_only=True):
    """A gateway number's link to WhatsApp, as the gateway last reported it: in `state` since
    `since` (by the gateway's clock where it said, else when its word arrived), last said at
    `reported_at` (a repeat of the same state moves only this; None: at `since`). `qr_code` is
    what the number's phone scans while `pairing`; `reason` why it is `disconnected`."""

    state: ConnectionState
    since: datetime
    qr_code: str | None = None
    reason: str | None = None
    reported_at: datetime | None = None

    def __post_init__(self) -> None:
        if self.qr_code is not None and (
            self.state is not ConnectionState.PAIRING or len(self.qr_code) > MAX_QR_CODE
        ):
            raise InvalidInput(
                f"A QR code is shown only while pairing, and is at most {MAX_QR_CODE} characters."
            )
        if self.reason is not None and len(self.reason) > MAX_REASON:
            raise InvalidInput(f"The reason is at most {MAX_REASON} characters.")

    @classmethod
    def pairing(cls, qr_code: str | None, at: datetime) -> Connection:
        return cls(state=ConnectionState.PAIRING, since=at, qr_code=qr_code or None)

    @classmethod
    def of(cls, update: ConnectionUpdate) -> Connection:
        pairing = update.state is ConnectionState.PAIRING
        reason = update.reason if update.state is ConnectionState.DISCONNECTED else None
        return cls(
            state=update.state,
            since=update.at,
            qr_code=(update.qr_code or None) if pairing else None,
            reason=_one_line(reason, MAX_REASON),
        )

    @property
    def connected(self) -> bool:
        return self.state is ConnectionState.CONNECTED

    @property
    def as_of(self) -> datetime:
        """When the gateway last spoke of it: a word dated before is older news."""
        return self.since if self.reported_at is None else max(self.since, self.reported_at)

    def news(self) -> tuple[ConnectionState, datetime, str | None, str | None]:
        """What the page shows of it (not when it was last confirmed)."""
        return self.state, self.since, self.qr_code, self.reason


def _one_line(text: str | None, limit: int) -> str | None:
    if not text:
        return None
    line = " ".join("".join(c if not _has_control(c) else " " for c in text).split())
    return line[:limit] or None


class ConnectionChange(msgspec.Struct, frozen=True, kw_only=True):
    """What a gateway's word did to a number: `before` and `after` it (the same when it changed
    nothing, or was older than what was known)."""

    before: WorkspaceChannel
    after: WorkspaceChannel

    @property
    def changed(self) -> bool:
        """Whether the link is not what it was (a state, a QR code, a reason): a repeated
        state only confirms it."""
        before, after = self.before.connection, self.after.connection
        return (before and before.news()) != (after and after.news())

    @property
    def touched(self) -> bool:
        """Whether anything is to be stored (a confirmation included)."""
        return self.after.connection != self.before.connection

    @property
    def dropped(self) -> bool:
        """The number was linked and no longer is: what its admins are alerted to."""
        was = self.before.connection
        now = self.after.connection
        return was is not None and was.connected and (now is None or not now.connected)

    @property
    def linked(self) -> bool:
        """The number became linked (its phone scanned the QR code, or the link came back)."""
        was = self.before.connection
        now = self.after.connection
        return now is not None and now.connected and (was is None or not was.connected)


class WorkspaceChannel(msgspec.Struct, frozen=True, kw_only=True):
    """One of a workspace's WhatsApp numbers. `sealed_credentials` are the credentials as the
    Sealer sealed them; only the adapter that sends opens them. `connection`: where a gateway
    number's link to WhatsApp stands (None for the providers that have no such link)."""

    id: UUID
    workspace_id: UUID
    provider: Provider
    address: str
    display_number: PhoneNumber | None = None
    label: str | None = None
    sealed_credentials: bytes = msgspec.field(default=b"")
    created_at: datetime
    connection: Connection | None = None

    @property
    def links_by_qr(self) -> bool:
        """Whether the number is linked by its phone scanning a QR code (the gateway's)."""
        return self.provider is Provider.WHATSAPP_GATEWAY

    def pairing(self, qr_code: str | None, at: datetime) -> ConnectionChange:
        """The number waiting for its phone to scan `qr_code` (a new link, or after a drop)."""
        if not self.links_by_qr:
            raise InvalidInput("Only a number on a WhatsApp-Web gateway is linked by a QR code.")
        after = msgspec.structs.replace(self, connection=Connection.pairing(qr_code, at))
        return ConnectionChange(before=self, after=after)

    def reported(self, update: ConnectionUpdate) -> ConnectionChange:
        """The number after the gateway's word on its link.

        - Only a number linked by QR code has a link to report on; others stay as they are.
        - Words arrive out of order (retried webhooks, a status polled meanwhile): one dated
          before what is known changes nothing. Gateways date in whole seconds, so "before"
          means by a second or more: a word from the second a pairing began is not older.
        - A new QR code while pairing replaces the old one (WhatsApp renews it every minute
          or so); every other state drops the QR code.
        - The same state again keeps what is shown (since when, the QR code) and moves only
          when it was last said, so that older news arriving after it is still known as such.
        """
        unchanged = ConnectionChange(before=self, after=self)
        if not self.links_by_qr or update.address != self.address:
            return unchanged
        known = self.connection
        if known is not None and update.at <= known.as_of - CLOCK_GRAIN:
            return unchanged
        connection = Connection.of(update)
        if known is not None and connection.state is known.state and connection.qr_code is None:
            # The same state again (a poll, a repeated webhook): keep the QR code and the
            # moment it began, which is what the page shows; only note it was said again.
            if update.at <= known.as_of:
                return unchanged
            confirmed = msgspec.structs.replace(known, reported_at=update.at)
            return ConnectionChange(
                before=self, after=msgspec.structs.replace(self, connection=confirmed)
            )
        return ConnectionChange(
            before=self, after=msgspec.structs.replace(self, connection=connection)
        )

    @classmethod
    def connect(
        cls,
        *,
        id: UUID,
        workspace_id: UUID,
        credentials: ChannelCredentials,
        sealed_credentials: bytes,
        existing: list[WorkspaceChannel],
        limit: int,
        at: datetime,
        display_number: PhoneNumber | None = None,
        label: str | None = None,
    ) -> WorkspaceChannel:
        """A new number for the workspace, which has `existing` ones and may have `limit`."""
        if len(existing) >= limit:
            raise InvalidInput(
                f"A workspace can have at most {limit} WhatsApp numbers; remove one first."
            )
        if label is not None:
            label = label.strip() or None
            if label is not None and (len(label) > _MAX_LABEL or _has_control(label)):
                raise InvalidInput(
                    f"The label must be one line of at most {_MAX_LABEL} characters."
                )
        connection = None
        if isinstance(credentials, TwilioCredentials | GatewayCredentials):
            # Twilio's sender, the gateway's number: the number people write to.
            display_number = display_number or PhoneNumber.parse(credentials.number)
        if isinstance(credentials, GatewayCredentials):
            connection = Connection.pairing(None, at)
        return cls(
            id=id,
            workspace_id=workspace_id,
            provider=credentials.provider,
            address=credentials.address,
            display_number=display_number,
            label=label,
            sealed_credentials=sealed_credentials,
            created_at=at,
            connection=connection,
        )


class UnknownRecipient(Exception):
    """A message came in for a number no workspace has: it is kept aside for the platform's
    admins, never given to a workspace by guess."""

    def __init__(self, provider: Provider, recipient: str) -> None:
        super().__init__(f"No workspace has the {provider.value} number {recipient}.")
        self.provider = provider
        self.recipient = recipient


class ChannelAddress(msgspec.Struct, frozen=True, kw_only=True):
    """A number as a provider's webhooks name it: the deployment's own number (IGNACIO_CHANNEL),
    which belongs to the default workspace, is known by this alone."""

    provider: Provider
    address: str
