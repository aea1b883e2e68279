"""UpdateUser: an admin edits a member (name, active, admin)."""

from __future__ import annotations

from uuid import UUID

import msgspec

from ignacio.application.auditing import Auditor
from ignacio.application.authorization import existing_user, keep_one_admin, require_admin
from ignacio.application.ports import Clock, UnitOfWorkFactory
from ignacio.application.use_cases.team_inbox import release_conversations_of
from ignacio.application.workspaces import keep_their_workspaces_run
from ignacio.domain import User


class UpdateUserCommand(msgspec.Struct, frozen=True, kw_only=True):
    name: str | msgspec.UnsetType | None = msgspec.UNSET
    is_active: bool | msgspec.UnsetType = msgspec.UNSET
    is_admin: bool | msgspec.UnsetType = msgspec.UNSET


class UpdateUser:
    """Change a user's name, activity or admin rights.

    - Admins only; only an admin can make an admin.
    - The last active admin can be neither deactivated nor demoted, so the system always has one.
    - Deactivating a user ends all their sessions at once.
    - Recorded in the audit log with what changed.
    """

    def __init__(self, uow: UnitOfWorkFactory, auditor: Auditor, clock: Clock) -> None:
        self._uow = uow
        self._auditor = auditor
        self._clock = clock

    async def __call__(self, actor: User | None, user_id: UUID, command: UpdateUserCommand) -> User:
        if actor is not None:
            require_admin(actor)
        now = self._clock.now()
        async with self._uow() as uow:
            user = await existing_user(uow, user_id)
            updated, changes = user.changed(
                now, name=command.name, is_active=command.is_active, is_admin=command.is_admin
            )
            if not changes:
                return user
            if user.loses_admin_by(changes):
                await keep_one_admin(uow, user)
            if changes.get("is_active") is False:
                await keep_their_workspaces_run(uow, user)
            await uow.users.update(updated)
            if changes.get("is_active") is False:
                await uow.sessions.revoke_all_for_user(user.id, now)
                await release_conversations_of(uow, self._auditor, None, user.id)
            await self._auditor.record(
                uow,
                actor.id if actor else None,
                "user.update",
                "user",
                user.id,
                changes={key: value for key, value in changes.items() if key != "name"}
                | ({"name": "changed"} if "name" in changes else {}),
            )
            await uow.commit()
        return updated
