"""ListAllowList: the numbers a workspace's admins have let talk to its assistant."""

from __future__ import annotations

from ignacio.application.auditing import Auditor
from ignacio.application.ports import UnitOfWorkFactory
from ignacio.domain import AllowedNumber, Page, PageRequest
from ignacio.domain.workspaces import WorkspaceAccess


class ListAllowList:
    """The workspace's allow-list by the time each number was added (the configuration's
    WHITELISTED_USERS are not in it).

    - The workspace's admins (and platform admins) only; the listing is recorded in the audit
      log.
    """

    def __init__(self, uow: UnitOfWorkFactory, auditor: Auditor) -> None:
        self._uow = uow
        self._auditor = auditor

    async def __call__(self, access: WorkspaceAccess, page: PageRequest) -> Page[AllowedNumber]:
        access.require_admin()
        workspace_id = access.workspace.id
        async with self._uow() as uow:
            entries = await uow.allow_list.list(workspace_id, page)
            await self._auditor.record(
                uow,
                access.user.id,
                "allowlist.list",
                "allowed_number",
                workspace_id=workspace_id,
            )
            await uow.commit()
        return entries
