"""RemoveFromAllowList: an admin takes a number off the allow-list."""

from __future__ import annotations

from uuid import UUID

from ignacio.application.auditing import Auditor
from ignacio.application.authorization import require_admin
from ignacio.application.ports import UnitOfWorkFactory
from ignacio.domain import NotFound, User


class RemoveFromAllowList:
    """Take an entry off the allow-list; the number's member account, if any, stays.

    - Admins only; 404 if there is no such entry.
    - Recorded in the audit log.
    """

    def __init__(self, uow: UnitOfWorkFactory, auditor: Auditor) -> None:
        self._uow = uow
        self._auditor = auditor

    async def __call__(self, actor: User, entry_id: UUID) -> None:
        require_admin(actor)
        async with self._uow() as uow:
            if not await uow.allow_list.remove(entry_id):
                raise NotFound("There is no such entry on the allow-list.")
            await self._auditor.record(
                uow, actor.id, "allowlist.remove", "allowed_number", entry_id
            )
            await uow.commit()
