"""UserRepository port."""

from __future__ import annotations

import builtins
from collections.abc import Iterable
from typing import Protocol
from uuid import UUID

from ignacio.domain import Page, PageRequest, PhoneNumber, User
from ignacio.domain.workspaces import Joined


class UserRepository(Protocol):
    async def add(self, user: User) -> None:
        """Store a new user; raises Conflict if the phone number is already registered."""
        ...

    async def get(self, user_id: UUID) -> User | None:
        """The user with this id, or None."""
        ...

    async def get_many(self, user_ids: Iterable[UUID]) -> dict[UUID, User]:
        """The users with these ids, by id; ids nobody has are left out."""
        ...

    async def in_session_with_workspaces(
        self, user_id: UUID, session_id: UUID
    ) -> tuple[User, builtins.list[Joined]] | None:
        """`get_in_session`, with the workspaces the user belongs to and their role in each
        (as `WorkspaceRepository.of_user` lists them): every request in a workspace asks both,
        so it is one read."""
        ...

    async def get_in_session(self, user_id: UUID, session_id: UUID) -> User | None:
        """The user, if `session_id` is one of their sessions and has not been revoked; else None.

        One lookup for what every authenticated request asks (whose token is this, and is its
        session still open), whatever the user's own state: callers decide what inactive means.
        """
        ...

    async def get_by_phone(self, phone: PhoneNumber) -> User | None:
        """The user registered with this phone number, or None."""
        ...

    async def update(self, user: User) -> None:
        """Replace the stored user with this one (same id)."""
        ...

    async def merge_into(self, source_id: UUID, target_id: UUID) -> None:
        """Join `source` to `target` (two members found to be one person), then remove `source`.

        Everything that names `source` names `target` after: their conversations, messages,
        files, WhatsApp identities, sessions, live events and logins by message; what they did
        for a team (assignments, replies sent, summaries asked for, numbers allowed, knowledge
        uploaded). A membership or read marker `target` already has for the same workspace or
        conversation is kept and `source`'s dropped (settle roles before). The audit log is
        left as written. NotFound unless both exist and differ. `target`'s own row is not
        changed (the caller stores what it takes from `source` once `source` is gone, so a
        number moves without clashing).
        """
        ...

    async def delete(self, user_id: UUID) -> None:
        """Remove the user and everything that belongs to them."""
        ...

    async def list(self, page: PageRequest, *, search: str | None = None) -> Page[User]:
        """Users by creation time; `search` matches part of the name or of a WhatsApp username
        (case-insensitive, a leading `@` ignored for the username), or the exact number."""
        ...

    async def lock_active_admins(self) -> frozenset[UUID]:
        """The ids of the active admins, held until the unit of work ends: another unit of work
        asking for them waits for this one to end, then sees what it left. So two use cases that
        each take an admin away run one after the other, and the second counts again."""
        ...
