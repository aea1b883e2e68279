"""RemoveFromAllowList: an admin takes a number off the workspace's allow-list."""

from __future__ import annotations

from uuid import UUID

from ignacio.application.auditing import Auditor
from ignacio.application.ports import UnitOfWorkFactory
from ignacio.domain import NotFound
from ignacio.domain.workspaces import WorkspaceAccess


class RemoveFromAllowList:
    """Take an entry off the workspace's allow-list; the number's member account, if any, stays.

    - The workspace's admins (and platform admins) only; 404 if there is no such entry on this
      workspace's list.
    - Recorded in the audit log.
    """

    def __init__(self, uow: UnitOfWorkFactory, auditor: Auditor) -> None:
        self._uow = uow
        self._auditor = auditor

    async def __call__(self, access: WorkspaceAccess, entry_id: UUID) -> None:
        access.require_admin()
        workspace_id = access.workspace.id
        async with self._uow() as uow:
            if not await uow.allow_list.remove(workspace_id, entry_id):
                raise NotFound("There is no such entry on the allow-list.")
            await self._auditor.record(
                uow,
                access.user.id,
                "allowlist.remove",
                "allowed_number",
                entry_id,
                workspace_id=workspace_id,
            )
            await uow.commit()
