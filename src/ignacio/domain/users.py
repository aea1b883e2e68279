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

    def changed(
        self,
        at: datetime,
        *,
        name: str | msgspec.UnsetType | None = msgspec.UNSET,
        is_active: bool | msgspec.UnsetType = msgspec.UNSET,
        is_admin: bool | msgspec.UnsetType = msgspec.UNSET,
    ) -> tuple[User, dict[str, object]]:
        """The user after an edit, and what the edit changed (unset or equal values change
        nothing; a name is checked). Unchanged, the same user comes back."""
        changes: dict[str, object] = {}
        if name is not msgspec.UNSET and name != self.name:
            changes["name"] = None if name is None else check_name(name)
        if is_active is not msgspec.UNSET and is_active != self.is_active:
            changes["is_active"] = is_active
        if is_admin is not msgspec.UNSET and is_admin != self.is_admin:
            changes["is_admin"] = is_admin
        if not changes:
            return self, changes
        return msgspec.structs.replace(self, **changes, updated_at=at), changes

    def loses_admin_by(self, changes: dict[str, object]) -> bool:
        """Whether these changes take an active admin's rights away (demoted or deactivated)."""
        return (
            self.is_admin
            and self.is_active
            and (changes.get("is_admin") is False or changes.get("is_active") is False)
        )

    def seen_on_whatsapp(
        self, profile_name: str | None, whatsapp_user_id: str | None, at: datetime
    ) -> User:
        """The user after writing on WhatsApp: Meta's user id kept when it is new, the profile
        name taken only when the user has no name yet (a name they chose is never overwritten)."""
        changes: dict[str, object] = {}
        if whatsapp_user_id and whatsapp_user_id != self.whatsapp_user_id:
            changes["whatsapp_user_id"] = whatsapp_user_id
        if self.name is None and profile_name:
            changes["name"] = profile_name
        return msgspec.structs.replace(self, **changes, updated_at=at) if changes else self


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
