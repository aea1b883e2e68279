"""CreateWorkspace and UpdateWorkspace: the organisations themselves."""

from __future__ import annotations

import msgspec

from ignacio.application.auditing import Auditor
from ignacio.application.authorization import require_admin
from ignacio.application.ports import Clock, IdGenerator, UnitOfWorkFactory
from ignacio.application.workspaces import administered
from ignacio.domain import Conflict, User, WhatsAppAccess
from ignacio.domain.templates import MessageTemplate
from ignacio.domain.workspaces import (
    AssistantSettings,
    Workspace,
    check_slug,
    check_workspace_name,
    slug_from,
)


class CreateWorkspaceCommand(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    slug: str | None = None
    assistant: AssistantSettings = AssistantSettings()
    access: WhatsAppAccess | None = None


class CreateWorkspace:
    """A new organisation, empty: no members, no numbers, no knowledge yet.

    - Platform admins only (`actor` None is the operator at the command line).
    - The short name is drawn from the name when not given, and is unique.
    - Recorded in the audit log.
    """

    def __init__(
        self, uow: UnitOfWorkFactory, auditor: Auditor, clock: Clock, ids: IdGenerator
    ) -> None:
        self._uow = uow
        self._auditor = auditor
        self._clock = clock
        self._ids = ids

    async def __call__(self, actor: User | None, command: CreateWorkspaceCommand) -> Workspace:
        if actor is not None:
            require_admin(actor)
        name = check_workspace_name(command.name)
        slug = check_slug(command.slug.strip()) if command.slug else slug_from(name)
        now = self._clock.now()
        workspace = Workspace(
            id=self._ids.new_id(),
            slug=slug,
            name=name,
            assistant=command.assistant,
            access=command.access,
            created_at=now,
            updated_at=now,
        )
        async with self._uow() as uow:
            if await uow.workspaces.get_by_slug(slug) is not None:
                raise Conflict(
                    f"A workspace is already called '{slug}'. Choose another short name."
                )
            await uow.workspaces.add(workspace)
            await self._auditor.record(
                uow,
                actor.id if actor else None,
                "workspace.create",
                "workspace",
                workspace.id,
                workspace_id=workspace.id,
                slug=slug,
            )
            await uow.commit()
        return workspace


class UpdateWorkspaceCommand(msgspec.Struct, frozen=True, kw_only=True):
    name: str | msgspec.UnsetType = msgspec.UNSET
    assistant: AssistantSettings | msgspec.UnsetType = msgspec.UNSET
    access: WhatsAppAccess | msgspec.UnsetType | None = msgspec.UNSET
    reply_template: MessageTemplate | msgspec.UnsetType | None = msgspec.UNSET


class UpdateWorkspace:
    """Rename a workspace, or change how its assistant speaks and whom it answers.

    - Its admins and platform admins only; the short name never changes.
    - `assistant` replaces the settings as a whole (a setting left out follows the deployment).
    - Recorded in the audit log with which settings changed, not their text.
    """

    def __init__(self, uow: UnitOfWorkFactory, auditor: Auditor, clock: Clock) -> None:
        self._uow = uow
        self._auditor = auditor
        self._clock = clock

    async def __call__(
        self, actor: User | None, ref: str, command: UpdateWorkspaceCommand
    ) -> Workspace:
        async with self._uow() as uow:
            current = await administered(uow, actor, ref)
            workspace, changes = current.configured(
                self._clock.now(),
                name=command.name,
                assistant=command.assistant,
                access=command.access,
                reply_template=command.reply_template,
            )
            if not changes:
                return workspace
            await uow.workspaces.update(workspace)
            await self._auditor.record(
                uow,
                actor.id if actor else None,
                "workspace.update",
                "workspace",
                workspace.id,
                workspace_id=workspace.id,
                **changes,
            )
            await uow.commit()
        return workspace
