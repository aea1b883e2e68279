"""IdentityRepository port: how members are known to the WhatsApp providers (their BSUIDs)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol
from uuid import UUID

from ignacio.domain import Provider, WhatsAppIdentity


class IdentityRepository(Protocol):
    """`(provider, account, provider_user_id)` is unique: one id under one account is one
    person's. A member's identities go with them when they are deleted."""

    async def add(self, identity: WhatsAppIdentity) -> None:
        """Store a new identity; raises Conflict if its key is already someone's, NotFound if
        its member does not exist."""
        ...

    async def update(self, identity: WhatsAppIdentity) -> None:
        """Replace the stored identity (same id); Conflict if its key is now another's."""
        ...

    async def find(
        self, provider: Provider, account: str | None, provider_user_id: str
    ) -> WhatsAppIdentity | None:
        """The identity with exactly this key (`account` None: one kept without an account)."""
        ...

    async def with_parent(self, provider: Provider, parent_user_id: str) -> WhatsAppIdentity | None:
        """The newest identity that came with this parent user id, or None."""
        ...

    async def of_users(self, user_ids: Iterable[UUID]) -> dict[UUID, list[WhatsAppIdentity]]:
        """Each member's identities, oldest first; members with none are left out."""
        ...
