"""ListAuditLog: what admins did in a workspace, for its admins."""

from __future__ import annotations

from uuid import UUID

import msgspec

from ignacio.application.authorization import require_admin
from ignacio.application.ports import UnitOfWorkFactory
from ignacio.domain import AuditEntry, AuditKind, Page, PageRequest
from ignacio.domain.workspaces import WorkspaceAccess


class AuditLogQuery(msgspec.Struct, frozen=True, kw_only=True):
    page: PageRequest = PageRequest()
    actor_id: UUID | None = None
    target_id: str | None = None
    action: str | None = None
    kind: AuditKind | None = None
    platform: bool = False  # the platform's own entries (in no workspace): platform admins


class ListAuditLog:
    """Page through the workspace's audit log, newest first by default, filtered by actor,
    target, action, or kind: the changes admins made apart from what they only looked at.

    - The workspace's admins (and platform admins) only; only what happened in the workspace
      is listed. With `platform`, a platform admin gets instead what happened in no workspace
      (user management).
    """

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, access: WorkspaceAccess, query: AuditLogQuery) -> Page[AuditEntry]:
        if query.platform:
            require_admin(access.user)
        access.require_admin()
        async with self._uow() as uow:
            return await uow.audit_log.list(
                None if query.platform else access.workspace.id,
                query.page,
                actor_id=query.actor_id,
                target_id=query.target_id,
                action=query.action,
                kind=query.kind,
            )
