"""ListUsers: every member, for admins."""

from __future__ import annotations

import msgspec

from ignacio.application.auditing import Auditor
from ignacio.application.authorization import require_admin
from ignacio.application.ports import UnitOfWorkFactory
from ignacio.domain import Page, PageRequest, User


class ListUsersQuery(msgspec.Struct, frozen=True, kw_only=True):
    page: PageRequest = PageRequest()
    search: str | None = None


class ListUsers:
    """List users, newest first by default; `search` matches a name or a whole phone number.

    - Admins only; the listing is recorded in the audit log.
    """

    def __init__(self, uow: UnitOfWorkFactory, auditor: Auditor) -> None:
        self._uow = uow
        self._auditor = auditor

    async def __call__(self, actor: User, query: ListUsersQuery) -> Page[User]:
        require_admin(actor)
        async with self._uow() as uow:
            page = await uow.users.list(query.page, search=query.search)
            await self._auditor.record(uow, actor.id, "user.list", "user", search=query.search)
            await uow.commit()
        return page
