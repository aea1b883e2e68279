"""ListAuditLog: what admins did, for admins."""

from __future__ import annotations

from uuid import UUID

import msgspec

from ignacio.application.authorization import require_admin
from ignacio.application.ports import UnitOfWorkFactory
from ignacio.domain import AuditEntry, AuditKind, Page, PageRequest, User


class AuditLogQuery(msgspec.Struct, frozen=True, kw_only=True):
    page: PageRequest = PageRequest()
    actor_id: UUID | None = None
    target_id: str | None = None
    action: str | None = None
    kind: AuditKind | None = None


class ListAuditLog:
    """Page through the audit log, newest first by default, filtered by actor, target, action,
    or kind: the changes admins made apart from what they only looked at.

    - Admins only.
    """

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, actor: User, query: AuditLogQuery) -> Page[AuditEntry]:
        require_admin(actor)
        async with self._uow() as uow:
            return await uow.audit_log.list(
                query.page,
                actor_id=query.actor_id,
                target_id=query.target_id,
                action=query.action,
                kind=query.kind,
            )
