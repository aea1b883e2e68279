"""DeleteUser: an admin removes a member and everything that is theirs."""

from __future__ import annotations

from uuid import UUID

from ignacio.application.auditing import Auditor
from ignacio.application.authorization import existing_user, keep_one_admin, require_admin
from ignacio.application.ports import UnitOfWorkFactory
from ignacio.domain import Conflict, User


class DeleteUser:
    """Delete a user with their conversations, messages and sessions.

    - Admins only; an admin cannot delete themselves (deactivate instead, or ask another admin).
    - The last active admin cannot be deleted.
    - Recorded in the audit log (the entry keeps only the user's id).
    """

    def __init__(self, uow: UnitOfWorkFactory, auditor: Auditor) -> None:
        self._uow = uow
        self._auditor = auditor

    async def __call__(self, actor: User, user_id: UUID) -> None:
        require_admin(actor)
        if actor.id == user_id:
            raise Conflict("You cannot delete your own account.")
        async with self._uow() as uow:
            user = await existing_user(uow, user_id)
            if user.is_admin and user.is_active:
                await keep_one_admin(uow)
            await uow.users.delete(user.id)
            await self._auditor.record(uow, actor.id, "user.delete", "user", user.id)
            await uow.commit()
