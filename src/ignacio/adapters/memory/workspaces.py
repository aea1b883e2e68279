"""WorkspaceRepository and MembershipRepository in memory: short names unique, one membership
per person and workspace, as the SQL constraints keep them."""

from __future__ import annotations

import builtins
from uuid import UUID

import msgspec

from ignacio.adapters.memory.queries import paginate
from ignacio.adapters.memory.store import InMemoryStore
from ignacio.domain import Conflict, NotFound, Page, PageRequest
from ignacio.domain.workspaces import Joined, Membership, Workspace

SLUG_TAKEN = "A workspace with this short name already exists."


class InMemoryWorkspaceRepository:
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    async def add(self, workspace: Workspace) -> None:
        for other in self._store.workspaces.values():
            if other.id == workspace.id or other.slug == workspace.slug:
                raise Conflict(SLUG_TAKEN)
        self._store.workspaces[workspace.id] = workspace

    async def get(self, workspace_id: UUID) -> Workspace | None:
        return self._store.workspaces.get(workspace_id)

    async def get_by_slug(self, slug: str) -> Workspace | None:
        return next((w for w in self._store.workspaces.values() if w.slug == slug), None)

    async def update(self, workspace: Workspace) -> None:
        if workspace.id not in self._store.workspaces:
            raise NotFound("There is no such workspace.")
        self._store.workspaces[workspace.id] = workspace

    async def list(self, page: PageRequest) -> Page[Workspace]:
        return paginate(self._store.workspaces.values(), lambda w: w.created_at, page)

    async def of_user(self, user_id: UUID) -> builtins.list[Joined]:
        roles = {
            m.workspace_id: m.role for m in self._store.memberships.values() if m.user_id == user_id
        }
        workspaces = [w for w in self._store.workspaces.values() if w.id in roles]
        return [
            Joined(workspace=w, role=roles[w.id])
            for w in sorted(workspaces, key=lambda w: (w.created_at, w.id))
        ]


class InMemoryMembershipRepository:
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    async def add(self, membership: Membership) -> None:
        if (
            membership.workspace_id not in self._store.workspaces
            or membership.user_id not in self._store.users
        ):
            raise NotFound("There is no such workspace.")  # as SQL's foreign keys say
        for other in self._store.memberships.values():
            if other.id == membership.id or (
                other.workspace_id == membership.workspace_id
                and other.user_id == membership.user_id
            ):
                raise Conflict("This person is already a member of this workspace.")
        self._store.memberships[membership.id] = membership

    async def get(self, workspace_id: UUID, user_id: UUID) -> Membership | None:
        return next(
            (
                m
                for m in self._store.memberships.values()
                if m.workspace_id == workspace_id and m.user_id == user_id
            ),
            None,
        )

    async def update(self, membership: Membership) -> None:
        stored = self._store.memberships.get(membership.id)
        if stored is None:
            raise NotFound("This person is not a member of this workspace.")
        # As the SQL update: it stays in its workspace, with its person.
        self._store.memberships[membership.id] = msgspec.structs.replace(
            membership, workspace_id=stored.workspace_id, user_id=stored.user_id
        )

    async def remove(self, workspace_id: UUID, user_id: UUID) -> bool:
        membership = await self.get(workspace_id, user_id)
        if membership is None:
            return False
        del self._store.memberships[membership.id]
        return True

    async def list(self, workspace_id: UUID, page: PageRequest) -> Page[Membership]:
        members = [m for m in self._store.memberships.values() if m.workspace_id == workspace_id]
        return paginate(members, lambda m: m.created_at, page)

    async def lock_admins(self, workspace_id: UUID) -> frozenset[UUID]:
        users = self._store.users
        return frozenset(
            m.user_id
            for m in self._store.memberships.values()
            if m.workspace_id == workspace_id
            and m.role.value == "admin"
            and m.user_id in users
            and users[m.user_id].is_active
        )

    async def user_ids(self, workspace_id: UUID) -> builtins.list[UUID]:
        return [
            m.user_id for m in self._store.memberships.values() if m.workspace_id == workspace_id
        ]
