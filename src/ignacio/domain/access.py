"""Who may talk to Ignacio on WhatsApp, whichever provider carries the messages."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from uuid import UUID

import msgspec

from ignacio.domain.errors import InvalidInput
from ignacio.domain.phone import PhoneNumber
from ignacio.domain.users import User

MAX_NOTE_LENGTH = 255


class WhatsAppAccess(StrEnum):
    """Which senders Ignacio listens to."""

    OPEN = "open"  # anyone; a new number becomes a member with its first message
    REGISTERED = "registered"  # active members only (an admin adds them, or they log in first)
    WHITELIST = "whitelist"  # listed numbers only (configuration or the admins' allow-list)


class AccessPolicy(msgspec.Struct, frozen=True, kw_only=True):
    """The operator's choice of `mode`, and the numbers the configuration lists.

    Active admins always get through, so that nobody locks the people who manage the list out.
    Lists hold phone numbers, so a sender is looked up by the number their message came with,
    else by the one their member has on file. Someone known by neither (writing under a
    username, not yet a member, or a member with no number) can be on no list: `whitelist`
    refuses them as it refuses an unlisted number, and `registered` as an unknown one.
    """

    mode: WhatsAppAccess = WhatsAppAccess.OPEN
    whitelist: frozenset[PhoneNumber] = frozenset()

    def admits_without_list(self, phone: PhoneNumber | None, member: User | None) -> bool | None:
        """True or False when the answer is known from the member and the configuration alone;
        None when it depends on the admins' allow-list (which only a number can be on)."""
        if self.mode is WhatsAppAccess.OPEN:
            return True
        if (
            member is not None
            and member.is_active
            and (self.mode is WhatsAppAccess.REGISTERED or member.is_admin)
        ):
            return True
        if self.mode is WhatsAppAccess.REGISTERED or phone is None:
            return False
        return True if phone in self.whitelist else None


class AllowedNumber(msgspec.Struct, frozen=True, kw_only=True):
    """A number an admin put on a workspace's allow-list; `note` says whose it is, for the
    admins. A number is listed at most once per workspace."""

    id: UUID
    workspace_id: UUID
    phone: PhoneNumber
    note: str | None = None
    added_by: UUID | None = None  # None: the operator at the command line
    created_at: datetime

    def __post_init__(self) -> None:
        if self.note is not None:
            check_note(self.note)


def check_note(note: str) -> str:
    """A note on an allow-listed number: trimmed, at most 255 characters, no control characters."""
    cleaned = note.strip()
    if len(cleaned) > MAX_NOTE_LENGTH:
        raise InvalidInput(f"A note can have at most {MAX_NOTE_LENGTH} characters.")
    if any(ord(character) < 32 for character in cleaned):
        raise InvalidInput("A note cannot contain control characters.")
    return cleaned
