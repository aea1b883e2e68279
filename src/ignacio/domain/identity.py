"""Who a person is on WhatsApp, as the providers say it since 2026: phone numbers, business-scoped
user ids and usernames.

The model (issue 17), and why:

- A person is one `User`. WhatsApp knows them by one or more *identities*, each the pair
  (provider account, provider user id): for Meta the business-scoped user id (BSUID, `user_id`
  in webhooks), which Meta sends with every message since April 2026, phone number or not; for
  Twilio the same id, as `ExternalUserId`. Identities are rows of their own
  (`whatsapp_identities`), so that one person may hold several (two accounts, an id Meta
  replaced) and each stays findable.
- The scope. Meta scopes a BSUID to a business portfolio, which no webhook names; every webhook
  names the WhatsApp Business Account (WABA, `entry[].id`), and a WABA lies in exactly one
  portfolio. So `account` is the WABA's id (Twilio: the account SID): an identity never
  conflates two portfolios' ids, at the price of keeping one person who writes, phone hidden,
  to two WABAs of one portfolio as two members until something links them (their phone number,
  or Meta's parent BSUID, `parent_user_id`, which one managed business shares across its
  portfolios and which also finds a person). Ids kept before the scope was recorded (migration
  0026) have no account; the first delivery that carries the same id claims them.
- The phone number is an optional attribute of the `User` (encrypted, unique), and a verified
  one: it is only ever taken from a provider's delivery or a login code sent to it. Meta leaves
  it out of deliveries from people who use a username (unless they wrote in the last 30 days),
  so a member may have none: they are answered at their BSUID, and only the code-by-template
  login (authentication templates need a number) is closed to them.
- The username is kept on the identity it came with, for display only: it can change, and
  it finds nobody.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

import msgspec

from ignacio.domain.errors import InvalidInput
from ignacio.domain.phone import PhoneNumber
from ignacio.domain.providers import Provider
from ignacio.domain.users import User

MAX_USER_ID_LENGTH = 160
MAX_USERNAME_LENGTH = 100
MAX_ACCOUNT_LENGTH = 64
# Meta: a country code, a period, up to 128 letters and digits (parents add `ENT.`); Twilio
# passes it on. A little wider than that, so a change of format Meta does not announce loses
# no message; never blanks, control characters or anything a URL or a log would mangle.
_USER_ID = re.compile(rf"[A-Za-z0-9][A-Za-z0-9._:-]{{0,{MAX_USER_ID_LENGTH - 1}}}")
_LEADING = re.compile(r"^[@\s]+")


class WhatsAppUserId(msgspec.Struct, frozen=True):
    """A provider's id for a person (Meta's BSUID, `US.13491208655302741918`), kept exactly as
    the provider wrote it: it is sent back as is."""

    value: str

    def __post_init__(self) -> None:
        if not _USER_ID.fullmatch(self.value):
            raise InvalidInput(f"{self.value[:40]!r} is not a WhatsApp user id.")

    def masked(self) -> str:
        """The id with its middle hidden (`US.****1918`), safe for logs and admin lists."""
        prefix = self.value[:3] if self.value[2:3] == "." else ""
        rest = self.value[len(prefix) :]
        tail = rest[-4:] if len(rest) > 6 else rest[-2:] if len(rest) > 2 else ""
        return f"{prefix}****{tail}"

    def __str__(self) -> str:
        return self.value


Recipient = PhoneNumber | WhatsAppUserId
"""Where a message goes: a phone number, or the person's id with the provider (the Cloud API's
`recipient` field) when the number is not known."""


def clean_username(raw: str | None) -> str | None:
    """A username as shown to admins: trimmed, without a leading `@`, no control characters, at
    most 100 characters; None when nothing is left."""
    if raw is None:
        return None
    text = "".join(c for c in raw if unicodedata.category(c)[0] != "C")
    text = _LEADING.sub("", text)[:MAX_USERNAME_LENGTH].rstrip()
    return text or None


class Sender(msgspec.Struct, frozen=True, kw_only=True):
    """Who sent a message, as the delivery says it: a phone number, a provider user id, or both
    (never neither). `account` is the scope of `user_id` (see the module's doc);
    `parent_user_id` comes only with a `user_id`."""

    phone: PhoneNumber | None = None
    user_id: WhatsAppUserId | None = None
    account: str | None = None
    parent_user_id: WhatsAppUserId | None = None
    username: str | None = None

    def __post_init__(self) -> None:
        if self.phone is None and self.user_id is None:
            raise InvalidInput("A WhatsApp sender needs a phone number or a user id.")
        if self.parent_user_id is not None and self.user_id is None:
            raise InvalidInput("A parent user id comes only with the user id it is the parent of.")
        if self.account is not None and not 0 < len(self.account) <= MAX_ACCOUNT_LENGTH:
            raise InvalidInput("A provider account is named by 1 to 64 characters.")
        if self.username is not None and clean_username(self.username) != self.username:
            raise InvalidInput("A username is trimmed, has no '@' in front and no control codes.")

    @property
    def key(self) -> str:
        """One key per person and account, for counting and ordering what they send: the user
        id where there is one (Meta sends it with every message, whether the number comes or
        not, so it stays the same across both kinds), else the phone number."""
        if self.user_id is not None:
            return f"id:{self.account or ''}:{self.user_id.value}"
        assert self.phone is not None
        return self.phone.e164

    @property
    def recipient(self) -> Recipient:
        """Where an answer to this sender goes: their number when the delivery carried it."""
        if self.phone is not None:
            return self.phone
        assert self.user_id is not None
        return self.user_id

    def masked(self) -> str:
        """Who, safe for logs and admins: the masked number, else the masked id."""
        return self.phone.masked() if self.phone is not None else _masked(self.user_id)


def _masked(user_id: WhatsAppUserId | None) -> str:
    return user_id.masked() if user_id is not None else "unknown"


class WhatsAppIdentity(msgspec.Struct, frozen=True, kw_only=True):
    """One way a member is known to a provider: `provider_user_id` under `account` (None: an id
    kept before accounts were recorded). `(provider, account, provider_user_id)` is unique."""

    id: UUID
    user_id: UUID
    provider: Provider
    account: str | None = None
    provider_user_id: str
    parent_user_id: str | None = None
    username: str | None = None
    created_at: datetime
    updated_at: datetime

    def __post_init__(self) -> None:
        WhatsAppUserId(self.provider_user_id)
        if self.parent_user_id is not None:
            WhatsAppUserId(self.parent_user_id)

    @classmethod
    def of(
        cls, *, id: UUID, user_id: UUID, provider: Provider, sender: Sender, at: datetime
    ) -> WhatsAppIdentity:
        """The identity a delivery's sender shows, for the member `user_id`."""
        if sender.user_id is None:
            raise InvalidInput("Only a sender with a user id has an identity to keep.")
        return cls(
            id=id,
            user_id=user_id,
            provider=provider,
            account=sender.account,
            provider_user_id=sender.user_id.value,
            parent_user_id=_value(sender.parent_user_id),
            username=sender.username,
            created_at=at,
            updated_at=at,
        )

    def seen(self, sender: Sender, at: datetime) -> WhatsAppIdentity:
        """After another delivery with this id: a new username or parent id kept (one left out
        is not taken as removed: not every provider sends them), an unscoped id claimed for the
        delivery's account. Unchanged, the same identity comes back."""
        changes: dict[str, object] = {}
        if sender.username is not None and sender.username != self.username:
            changes["username"] = sender.username
        parent = _value(sender.parent_user_id)
        if parent is not None and parent != self.parent_user_id:
            changes["parent_user_id"] = parent
        if self.account is None and sender.account is not None:
            changes["account"] = sender.account
        return msgspec.structs.replace(self, **changes, updated_at=at) if changes else self

    @property
    def recipient(self) -> WhatsAppUserId:
        return WhatsAppUserId(self.provider_user_id)

    def masked(self) -> str:
        return self.recipient.masked()


def _value(user_id: WhatsAppUserId | None) -> str | None:
    return None if user_id is None else user_id.value


def recipient_for(
    user: User, identities: Sequence[WhatsAppIdentity], provider: Provider | None = None
) -> Recipient | None:
    """Where a message to `user` goes: their phone number when it is known (Meta's advice too:
    it keeps the number coming in webhooks), else the id of their newest identity with
    `provider` (with any provider when None, or when they have none with it). None: nowhere."""
    if user.phone is not None:
        return user.phone
    mine = [i for i in identities if i.user_id == user.id]
    preferred = [i for i in mine if i.provider is provider] or mine
    if not preferred:
        return None
    return max(preferred, key=lambda i: (i.created_at, i.provider_user_id)).recipient


def newest(identities: Sequence[WhatsAppIdentity]) -> WhatsAppIdentity | None:
    """The identity seen first most recently (what admins are shown of a member)."""
    return max(identities, key=lambda i: (i.created_at, i.provider_user_id), default=None)
