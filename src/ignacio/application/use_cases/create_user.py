"""CreateUser: an admin (or the operator at the command line) adds a member."""

from __future__ import annotations

import msgspec

from ignacio.application.auditing import Auditor
from ignacio.application.authorization import require_admin
from ignacio.application.ports import Clock, IdGenerator, UnitOfWorkFactory
from ignacio.application.workspaces import administered, default_workspace, welcome
from ignacio.domain import Conflict, PhoneNumber, User
from ignacio.domain.users import check_name
from ignacio.domain.workspaces import WorkspaceRole


class CreateUserCommand(msgspec.Struct, frozen=True, kw_only=True):
    phone: str
    name: str | None = None
    is_admin: bool = False
    workspace: str | None = None
    """The workspace they join (id or short name); None: the default workspace."""
    role: WorkspaceRole | None = None
    """Their role there; None: admin for a platform admin, member otherwise."""


class CreateUser:
    """Register a phone number as a member, or as an admin.

    - Only an admin can create users; `actor` None is the operator at the command line, who is
      trusted (that is how the first admin comes to be).
    - A number can belong to one user only.
    - They join a workspace: the one named (which the actor must administer), else the
      default one; as its admin when they are a platform admin, unless a role is given.
    - Recorded in the audit log.
    """

    def __init__(
        self, uow: UnitOfWorkFactory, auditor: Auditor, clock: Clock, ids: IdGenerator
    ) -> None:
        self._uow = uow
        self._auditor = auditor
        self._clock = clock
        self._ids = ids

    async def __call__(self, actor: User | None, command: CreateUserCommand) -> User:
        if actor is not None:
            require_admin(actor)
        phone = PhoneNumber.parse(command.phone)
        name = check_name(command.name) if command.name is not None else None
        now = self._clock.now()
        async with self._uow() as uow:
            if await uow.users.get_by_phone(phone) is not None:
                raise Conflict("A user with this phone number already exists.")
            user = User(
                id=self._ids.new_id(),
                phone=phone,
                name=name,
                is_admin=command.is_admin,
                created_at=now,
                updated_at=now,
            )
            workspace = (
                await default_workspace(uow)
                if command.workspace is None
                else await administered(uow, actor, command.workspace)
            )
            await uow.users.add(user)
            role = command.role or (WorkspaceRole.ADMIN if user.is_admin else WorkspaceRole.MEMBER)
            await welcome(uow, self._ids, user, now, into=workspace, role=role)
            await self._auditor.record(
                uow,
                actor.id if actor else None,
                "user.create",
                "user",
                user.id,
                is_admin=user.is_admin,
                workspace=workspace.slug,
                role=role.value,
            )
            await uow.commit()
        return user
