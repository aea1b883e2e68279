"""The team of a workspace: ListWorkspaceMembers, AddWorkspaceMember, ChangeMemberRole,
RemoveWorkspaceMember."""

from __future__ import annotations

from uuid import UUID

import msgspec

from ignacio.application.auditing import Auditor
from ignacio.application.identities import shown_identities
from ignacio.application.ports import Clock, IdGenerator, UnitOfWorkFactory
from ignacio.application.use_cases.team_inbox import release_conversations_of
from ignacio.application.workspaces import (
    access_to,
    administered,
    join,
    keep_one_workspace_admin,
)
from ignacio.domain import (
    Conflict,
    NotFound,
    Page,
    PageRequest,
    PhoneNumber,
    User,
    WhatsAppIdentity,
)
from ignacio.domain.users import check_name
from ignacio.domain.workspaces import Membership, WorkspaceRole

NOT_A_MEMBER = "This person is not a member of this workspace."


class WorkspaceMember(msgspec.Struct, frozen=True, kw_only=True):
    user: User
    membership: Membership
    identity: WhatsAppIdentity | None = None
    """The WhatsApp identity the person is shown with, in lists (see `shown_identities`)."""


class ListWorkspaceMembers:
    """A workspace's people with their roles, by the time they joined; for its team (admins and
    agents) and platform admins."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, me: User, ref: str, page: PageRequest) -> Page[WorkspaceMember]:
        async with self._uow(read_only=True) as uow:
            access = await access_to(uow, me, ref)
            access.require_team()
            memberships = await uow.memberships.list(access.workspace.id, page)
            users = await uow.users.get_many(m.user_id for m in memberships.items)
            identities = await shown_identities(uow, users.values())
        return Page(
            items=[
                WorkspaceMember(
                    user=users[m.user_id], membership=m, identity=identities.get(m.user_id)
                )
                for m in memberships.items
                if m.user_id in users
            ],
            next=memberships.next,
        )


class AddMemberCommand(msgspec.Struct, frozen=True, kw_only=True):
    phone: str
    role: WorkspaceRole = WorkspaceRole.MEMBER
    name: str | None = None


class AddWorkspaceMember:
    """Invite a person by phone number into a workspace, with a role.

    - The workspace's admins and platform admins only (`actor` None: the operator at the
      command line); only they grant roles.
    - A number nobody has yet becomes a user (named when a name is given), who can then log in
      with a code; a known person keeps their account and joins with this role.
    - Conflict if they are a member already (change their role instead).
    - Recorded in the audit log.
    """

    def __init__(
        self, uow: UnitOfWorkFactory, auditor: Auditor, clock: Clock, ids: IdGenerator
    ) -> None:
        self._uow = uow
        self._auditor = auditor
        self._clock = clock
        self._ids = ids

    async def __call__(
        self, actor: User | None, ref: str, command: AddMemberCommand
    ) -> WorkspaceMember:
        phone = PhoneNumber.parse(command.phone)
        name = check_name(command.name) if command.name is not None else None
        now = self._clock.now()
        async with self._uow() as uow:
            workspace = await administered(uow, actor, ref)
            user = await uow.users.get_by_phone(phone)
            if user is None:
                user = User(
                    id=self._ids.new_id(), phone=phone, name=name, created_at=now, updated_at=now
                )
                await uow.users.add(user)
            elif await uow.memberships.get(workspace.id, user.id) is not None:
                raise Conflict(
                    "This person is already a member of this workspace; change their role instead."
                )
            membership = await join(uow, self._ids, workspace, user, command.role, now)
            await self._auditor.record(
                uow,
                actor.id if actor else None,
                "workspace.member_add",
                "user",
                user.id,
                workspace_id=workspace.id,
                workspace=workspace.slug,
                role=command.role.value,
            )
            await uow.commit()
        return WorkspaceMember(user=user, membership=membership)


class ChangeMemberRole:
    """Make a member an admin, an agent or a plain member of a workspace.

    - The workspace's admins and platform admins only.
    - The last active admin of a workspace cannot be made anything else.
    - Recorded in the audit log.
    """

    def __init__(self, uow: UnitOfWorkFactory, auditor: Auditor, clock: Clock) -> None:
        self._uow = uow
        self._auditor = auditor
        self._clock = clock

    async def __call__(
        self, actor: User | None, ref: str, user_id: UUID, role: WorkspaceRole
    ) -> WorkspaceMember:
        async with self._uow() as uow:
            workspace = await administered(uow, actor, ref)
            membership = await uow.memberships.get(workspace.id, user_id)
            user = await uow.users.get(user_id)
            if membership is None or user is None:
                raise NotFound(NOT_A_MEMBER)
            if membership.role is role:
                return WorkspaceMember(user=user, membership=membership)
            if membership.role is WorkspaceRole.ADMIN:
                await keep_one_workspace_admin(uow, workspace, user_id)
            membership = membership.as_role(role, self._clock.now())
            await uow.memberships.update(membership)
            if not role.handles_conversations:
                await release_conversations_of(uow, self._auditor, workspace.id, user_id)
            await self._auditor.record(
                uow,
                actor.id if actor else None,
                "workspace.member_role",
                "user",
                user_id,
                workspace_id=workspace.id,
                workspace=workspace.slug,
                role=role.value,
            )
            await uow.commit()
        return WorkspaceMember(user=user, membership=membership)


class RemoveWorkspaceMember:
    """Take a person out of a workspace (their account, and other workspaces, stay).

    - The workspace's admins and platform admins only.
    - The last active admin of a workspace cannot be removed.
    - Recorded in the audit log.
    """

    def __init__(self, uow: UnitOfWorkFactory, auditor: Auditor) -> None:
        self._uow = uow
        self._auditor = auditor

    async def __call__(self, actor: User | None, ref: str, user_id: UUID) -> None:
        async with self._uow() as uow:
            workspace = await administered(uow, actor, ref)
            membership = await uow.memberships.get(workspace.id, user_id)
            if membership is None:
                raise NotFound(NOT_A_MEMBER)
            if membership.role is WorkspaceRole.ADMIN:
                await keep_one_workspace_admin(uow, workspace, user_id)
            await uow.memberships.remove(workspace.id, user_id)
            await release_conversations_of(uow, self._auditor, workspace.id, user_id)
            await self._auditor.record(
                uow,
                actor.id if actor else None,
                "workspace.member_remove",
                "user",
                user_id,
                workspace_id=workspace.id,
                workspace=workspace.slug,
            )
            await uow.commit()
