"""A workspace's own WhatsApp numbers: which workspace a message is for, and whose number answers.

Each workspace speaks through numbers of its own (Meta's terms: an organisation's own
assistant), at most a handful each. A number is known to the webhooks by its `address`, as the
provider names it in every delivery: Meta's phone-number id (`metadata.phone_number_id`),
Twilio's sender in E.164. An address belongs to one workspace at most.

The credentials that send from a number are kept sealed: the domain never holds them in the
clear next to the channel, so a channel can be listed, logged and audited without them.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from uuid import UUID

import msgspec

from ignacio.domain.errors import InvalidInput
from ignacio.domain.inbound import Provider
from ignacio.domain.phone import PhoneNumber

DEFAULT_MAX_CHANNELS_PER_WORKSPACE = 2
_PHONE_NUMBER_ID = re.compile(r"^[0-9]{5,32}$")
_ACCOUNT_SID = re.compile(r"^AC[0-9a-fA-F]{32}$")
_MAX_SECRET = 1_000
_MAX_LABEL = 60


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


ChannelCredentials = CloudApiCredentials | TwilioCredentials


def decode_credentials(raw: bytes) -> ChannelCredentials:
    """Credentials as `encode_credentials` wrote them."""
    credentials: ChannelCredentials = msgspec.json.decode(raw, type=ChannelCredentials)
    return credentials


def encode_credentials(credentials: ChannelCredentials) -> bytes:
    return msgspec.json.encode(credentials)


class WorkspaceChannel(msgspec.Struct, frozen=True, kw_only=True):
    """One of a workspace's WhatsApp numbers. `sealed_credentials` are the credentials as the
    Sealer sealed them; only the adapter that sends opens them."""

    id: UUID
    workspace_id: UUID
    provider: Provider
    address: str
    display_number: PhoneNumber | None = None
    label: str | None = None
    sealed_credentials: bytes = msgspec.field(default=b"")
    created_at: datetime

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
        if isinstance(credentials, TwilioCredentials):
            # Twilio's sender is the number people write to.
            display_number = display_number or PhoneNumber.parse(credentials.number)
        return cls(
            id=id,
            workspace_id=workspace_id,
            provider=credentials.provider,
            address=credentials.address,
            display_number=display_number,
            label=label,
            sealed_credentials=sealed_credentials,
            created_at=at,
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
