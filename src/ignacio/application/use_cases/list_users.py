"""ListUsers: every member, for admins."""

from __future__ import annotations

from uuid import UUID

import msgspec

from ignacio.application.auditing import Auditor
from ignacio.application.authorization import require_admin
from ignacio.application.identities import shown_identities
from ignacio.application.ports import UnitOfWorkFactory
from ignacio.domain import Page, PageRequest, User, WhatsAppIdentity


class ListUsersQuery(msgspec.Struct, frozen=True, kw_only=True):
    page: PageRequest = PageRequest()
    search: str | None = None


class UserListing(msgspec.Struct, frozen=True, kw_only=True):
    """A page of users, and the WhatsApp identity each is shown with (see `shown_identities`)."""

    page: Page[User]
    identities: dict[UUID, WhatsAppIdentity] = msgspec.field(default_factory=dict)

    @property
    def items(self) -> list[User]:
        return self.page.items


class ListUsers:
    """List users, newest first by default; `search` matches a name or a whole phone number.

    - Admins only; the listing is recorded in the audit log.
    - Each comes with the WhatsApp identity admins are shown (its username; its masked id for
      someone with no number and no name).
    """

    def __init__(self, uow: UnitOfWorkFactory, auditor: Auditor) -> None:
        self._uow = uow
        self._auditor = auditor

    async def __call__(self, actor: User, query: ListUsersQuery) -> UserListing:
        require_admin(actor)
        async with self._uow() as uow:
            page = await uow.users.list(query.page, search=query.search)
            identities = await shown_identities(uow, page.items)
            await self._auditor.record(uow, actor.id, "user.list", "user", search=query.search)
            await uow.commit()
        return UserListing(page=page, identities=identities)
