"""MembershipRepository port: who belongs to which workspace, with which role."""

from __future__ import annotations

import builtins
from typing import Protocol
from uuid import UUID

from ignacio.domain import Page, PageRequest
from ignacio.domain.workspaces import Membership


class MembershipRepository(Protocol):
    async def add(self, membership: Membership) -> None:
        """Make a person a member of a workspace; raises Conflict if they are one already, and
        NotFound if the workspace or the person does not exist."""
        ...

    async def get(self, workspace_id: UUID, user_id: UUID) -> Membership | None:
        """The person's membership of this workspace, or None."""
        ...

    async def update(self, membership: Membership) -> None:
        """Store the membership's new role; NotFound if it is gone."""
        ...

    async def remove(self, workspace_id: UUID, user_id: UUID) -> bool:
        """End a membership; False if there was none."""
        ...

    async def list(self, workspace_id: UUID, page: PageRequest) -> Page[Membership]:
        """A workspace's memberships by the time they began, then the membership's id."""
        ...

    async def lock_admins(self, workspace_id: UUID) -> frozenset[UUID]:
        """The workspace's admins who are active users, locked until the unit of work ends, so
        that two changes that each leave one admin cannot both remove the last one."""
        ...

    async def user_ids(self, workspace_id: UUID) -> builtins.list[UUID]:
        """Everyone in the workspace, in no particular order (for fan-outs, not pages)."""
        ...
