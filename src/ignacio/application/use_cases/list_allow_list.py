"""ListAllowList: the numbers admins have let talk to Ignacio."""

from __future__ import annotations

from ignacio.application.auditing import Auditor
from ignacio.application.authorization import require_admin
from ignacio.application.ports import UnitOfWorkFactory
from ignacio.domain import AllowedNumber, Page, PageRequest, User


class ListAllowList:
    """The allow-list by the time each number was added (the configuration's WHITELISTED_USERS
    are not in it).

    - Admins only; the listing is recorded in the audit log.
    """

    def __init__(self, uow: UnitOfWorkFactory, auditor: Auditor) -> None:
        self._uow = uow
        self._auditor = auditor

    async def __call__(self, actor: User, page: PageRequest) -> Page[AllowedNumber]:
        require_admin(actor)
        async with self._uow() as uow:
            entries = await uow.allow_list.list(page)
            await self._auditor.record(uow, actor.id, "allowlist.list", "allowed_number")
            await uow.commit()
        return entries
