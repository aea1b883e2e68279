"""ListWorkspaces and GetWorkspace: the workspaces a person may see, with their role in each."""

from __future__ import annotations

from uuid import UUID

import msgspec

from ignacio.application.ports import UnitOfWorkFactory
from ignacio.application.workspaces import access_to
from ignacio.domain import Page, PageRequest, User
from ignacio.domain.workspaces import Workspace, WorkspaceAccess, WorkspaceRole


class WorkspaceView(msgspec.Struct, frozen=True, kw_only=True):
    workspace: Workspace
    role: WorkspaceRole | None  # None: a platform admin who is not a member


class ListWorkspaces:
    """A person's own workspaces, oldest first; with `every`, a platform admin's page of all of
    them. A person in one workspace sees just that one (and never has to name it)."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(
        self, me: User, page: PageRequest, *, every: bool = False
    ) -> Page[WorkspaceView]:
        async with self._uow(read_only=True) as uow:
            own = await uow.workspaces.of_user(me.id)
            roles: dict[UUID, WorkspaceRole | None] = {j.workspace.id: j.role for j in own}
            if not (every and me.is_admin):
                return Page(items=[WorkspaceView(workspace=j.workspace, role=j.role) for j in own])
            listed = await uow.workspaces.list(page)
        return Page(
            items=[WorkspaceView(workspace=w, role=roles.get(w.id)) for w in listed.items],
            next=listed.next,
        )


class GetWorkspace:
    """One workspace, for its members and platform admins; NotFound for anyone else."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, me: User, ref: str) -> WorkspaceAccess:
        async with self._uow(read_only=True) as uow:
            return await access_to(uow, me, ref)
