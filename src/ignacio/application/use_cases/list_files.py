"""ListFiles: a member's own files; an admin may list everyone's or one member's."""

from __future__ import annotations

from uuid import UUID

from ignacio.application.auditing import Auditor
from ignacio.application.authorization import require_admin
from ignacio.application.ports import UnitOfWorkFactory
from ignacio.domain import Page, PageRequest, User
from ignacio.domain.knowledge import UserFile


class ListFiles:
    """Newest first by default, paged by cursor.

    - Without `user_id`, a member gets their own files; `all_members` is for admins.
    - Another member's `user_id` is for admins only; their reads are audited.
    """

    def __init__(self, uow: UnitOfWorkFactory, auditor: Auditor) -> None:
        self._uow = uow
        self._auditor = auditor

    async def __call__(
        self,
        me: User,
        page: PageRequest,
        *,
        user_id: UUID | None = None,
        all_members: bool = False,
    ) -> Page[UserFile]:
        owner = None if all_members else (user_id or me.id)
        if owner != me.id:
            require_admin(me)
        async with self._uow() as uow:
            files = await uow.files.list(page, user_id=owner)
            if owner != me.id:
                await self._auditor.record(
                    uow, me.id, "file.list", "user" if owner else "file", owner
                )
                await uow.commit()
        return files
