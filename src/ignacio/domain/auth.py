"""Login by one-time code, and the sessions it opens."""

from __future__ import annotations

import ipaddress
import secrets
from datetime import datetime, timedelta
from uuid import UUID

import msgspec

from ignacio.domain.errors import InvalidInput
from ignacio.domain.phone import PhoneNumber

CODE_LENGTH = 6
# How much of a client's address a member is shown of their sessions: the network, not the host
# (the first three bytes of an IPv4 address, a site's /48 of an IPv6 one).
IPV4_SHOWN_BITS = 24
IPV6_SHOWN_BITS = 48


class OtpPolicy(msgspec.Struct, frozen=True, kw_only=True):
    """How login codes behave; the defaults follow the product brief."""

    ttl: timedelta = timedelta(minutes=5)
    max_attempts: int = 5

    def __post_init__(self) -> None:
        if self.ttl <= timedelta(0):
            raise InvalidInput("A login code must live for some time.")
        if self.max_attempts < 1:
            raise InvalidInput("A login code must allow at least one attempt.")


class OtpCode(msgspec.Struct, frozen=True):
    """Six digits, as the member types them (spaces and dashes between digits are forgiven)."""

    digits: str

    def __post_init__(self) -> None:
        if (
            len(self.digits) != CODE_LENGTH
            or not self.digits.isascii()
            or not self.digits.isdigit()
        ):
            raise InvalidInput(f"The login code has {CODE_LENGTH} digits.")

    @classmethod
    def parse(cls, raw: str) -> OtpCode:
        return cls("".join(raw.replace("-", " ").split()))

    @classmethod
    def generate(cls) -> OtpCode:
        return cls(f"{secrets.randbelow(10**CODE_LENGTH):0{CODE_LENGTH}d}")


class LoginChallenge(msgspec.Struct, frozen=True, kw_only=True):
    """A login code requested for a phone; only its hash is kept.

    A challenge is made when the code is requested, with no code yet (`code_hash` None): the code
    is drawn and sent afterwards, away from the request, so that answering does not depend on
    whether the number may log in.
    """

    id: UUID
    phone: PhoneNumber
    code_hash: str | None
    attempts: int = 0
    expires_at: datetime
    consumed_at: datetime | None = None
    created_at: datetime

    @classmethod
    def requested(
        cls, *, id: UUID, phone: PhoneNumber, now: datetime, policy: OtpPolicy
    ) -> LoginChallenge:
        """A challenge for a code requested now, its code still to be drawn."""
        return cls(id=id, phone=phone, code_hash=None, expires_at=now + policy.ttl, created_at=now)

    def is_expired(self, now: datetime) -> bool:
        return now >= self.expires_at

    @property
    def is_used(self) -> bool:
        return self.consumed_at is not None

    def awaits_code(self, now: datetime) -> bool:
        """Whether a code may still be drawn for it: none was, and it is neither used nor expired."""
        return self.code_hash is None and not self.is_used and not self.is_expired(now)


class UserSession(msgspec.Struct, frozen=True, kw_only=True):
    """A login on one device: the refresh token (kept hashed) rotates at every refresh."""

    id: UUID
    user_id: UUID
    token_hash: str
    expires_at: datetime
    created_at: datetime
    last_used_at: datetime
    revoked_at: datetime | None = None
    user_agent: str | None = None
    client_address: str | None = None

    def is_live(self, now: datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at

    @property
    def network(self) -> str | None:
        """Where the session was opened, coarsely: the network its client address was in."""
        return coarse_network(self.client_address)


class AccessClaims(msgspec.Struct, frozen=True, kw_only=True):
    """What a valid access token says about its bearer."""

    user_id: UUID
    session_id: UUID
    expires_at: datetime


class IssuedTokens(msgspec.Struct, frozen=True, kw_only=True):
    access_token: str
    access_expires_at: datetime
    refresh_token: str
    refresh_expires_at: datetime


def coarse_network(address: str | None) -> str | None:
    """The network an address is in, in CIDR notation (`203.0.113.0/24`, `2001:db8:85a3::/48`),
    so that a list of sessions tells places apart without pinpointing a home; an IPv4 address
    mapped into IPv6 counts as IPv4. None for anything that is not an IP address."""
    if not address:
        return None
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if isinstance(ip, ipaddress.IPv4Address):
        return str(ipaddress.IPv4Network((int(ip), IPV4_SHOWN_BITS), strict=False))
    # From the integer: a zone index (`fe80::1%eth0`) names a local interface, not a place.
    return str(ipaddress.IPv6Network((int(ip), IPV6_SHOWN_BITS), strict=False))


def new_refresh_token() -> str:
    """256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)
