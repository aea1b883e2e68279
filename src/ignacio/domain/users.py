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
    """A person; admins oversee everything.

    `phone` is verified (a provider's delivery or a login code vouched for it) and unique, but
    optional: someone who writes on WhatsApp under a username may never show it, and is known
    by their WhatsApp identities instead (`ignacio.domain.identity`)."""

    id: UUID
    phone: PhoneNumber | None = None
    name: str | None = None
    is_admin: bool = False
    is_active: bool = True
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

    @property
    def shown_name(self) -> str | None:
        """What others are shown them as: their display name, else their number masked (as
        the team sees people it has no name for); None when neither is known."""
        if self.name:
            return self.name
        return self.phone.masked() if self.phone is not None else None

    def loses_admin_by(self, changes: dict[str, object]) -> bool:
        """Whether these changes take an active admin's rights away (demoted or deactivated)."""
        return (
            self.is_admin
            and self.is_active
            and (changes.get("is_admin") is False or changes.get("is_active") is False)
        )

    def seen_on_whatsapp(
        self, profile_name: str | None, phone: PhoneNumber | None, at: datetime
    ) -> User:
        """The user after writing on WhatsApp: the profile name taken only when the user has no
        name yet (a name they chose is never overwritten), the number the provider vouched for
        taken when none was known. Unchanged, the same user comes back."""
        changes: dict[str, object] = {}
        if self.name is None and profile_name:
            changes["name"] = profile_name
        if self.phone is None and phone is not None:
            changes["phone"] = phone
        return msgspec.structs.replace(self, **changes, updated_at=at) if changes else self

    def with_phone(self, phone: PhoneNumber | None, at: datetime) -> User:
        """The user with another number (the provider said theirs changed)."""
        if phone == self.phone:
            return self
        return msgspec.structs.replace(self, phone=phone, updated_at=at)


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
