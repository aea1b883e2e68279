"""Members and admins."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from uuid import UUID

import msgspec

from ignacio.domain.errors import InvalidInput
from ignacio.domain.phone import PhoneNumber

MAX_NAME_LENGTH = 255


class RegistrationPolicy(StrEnum):
    """Who may create an account by logging in with a code."""

    OPEN = "open"  # any WhatsApp number becomes a member on its first login
    INVITE = "invite"  # only numbers an admin has added may log in


class User(msgspec.Struct, frozen=True, kw_only=True):
    """A person known by their phone number; admins oversee everything."""

    id: UUID
    phone: PhoneNumber
    name: str | None = None
    is_admin: bool = False
    is_active: bool = True
    whatsapp_user_id: str | None = None  # Meta's business-scoped user id, kept where Meta sends it
    created_at: datetime
    updated_at: datetime

    def __post_init__(self) -> None:
        if self.name is not None:
            check_name(self.name)


def check_name(name: str) -> str:
    """A display name: trimmed, not empty, at most 255 characters, no control characters."""
    cleaned = name.strip()
    if not cleaned:
        raise InvalidInput("The name cannot be empty.")
    if len(cleaned) > MAX_NAME_LENGTH:
        raise InvalidInput(f"The name can have at most {MAX_NAME_LENGTH} characters.")
    if any(ord(character) < 32 for character in cleaned):
        raise InvalidInput("The name cannot contain control characters.")
    return cleaned
