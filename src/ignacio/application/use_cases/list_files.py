"""ListFiles: a member's own files; a workspace's admin may list everyone's or one member's."""

from __future__ import annotations

from uuid import UUID

from ignacio.application.auditing import Auditor
from ignacio.application.ports import UnitOfWorkFactory
from ignacio.domain import Page, PageRequest
from ignacio.domain.knowledge import Shelf, UserFile
from ignacio.domain.workspaces import WorkspaceAccess


class ListFiles:
    """Newest first by default, paged by cursor, in the workspace the caller acts in; members'
    files only (the knowledge base is listed on its own).

    - Without `user_id`, a member gets their own files; `all_members` is for the workspace's
      admins (and platform admins).
    - Another member's `user_id` is for those admins only; their reads are audited.
    """

    def __init__(self, uow: UnitOfWorkFactory, auditor: Auditor) -> None:
        self._uow = uow
        self._auditor = auditor

    async def __call__(
        self,
        access: WorkspaceAccess,
        page: PageRequest,
        *,
        user_id: UUID | None = None,
        all_members: bool = False,
    ) -> Page[UserFile]:
        me = access.user
        owner = None if all_members else (user_id or me.id)
        if owner != me.id:
            access.require_admin()
        workspace_id = access.workspace.id
        async with self._uow() as uow:
            files = await uow.files.list(workspace_id, page, user_id=owner, shelf=Shelf.MEMBERS)
            if owner != me.id:
                await self._auditor.record(
                    uow,
                    me.id,
                    "file.list",
                    "user" if owner else "file",
                    owner,
                    workspace_id=workspace_id,
                )
                await uow.commit()
        return files
