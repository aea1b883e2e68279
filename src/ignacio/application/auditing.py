"""Writing the audit log from inside a use case's transaction, so the entry and the action commit together."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from ignacio.application.ports import Clock, IdGenerator, UnitOfWork
from ignacio.domain import AuditEntry


class Auditor:
    """Records admin actions; `actor_id` None stands for the operator at the command line."""

    def __init__(self, clock: Clock, ids: IdGenerator) -> None:
        self._clock = clock
        self._ids = ids

    @property
    def clock(self) -> Clock:
        """The clock its entries are stamped with: for changes recorded beside them."""
        return self._clock

    @property
    def ids(self) -> IdGenerator:
        return self._ids

    async def record(
        self,
        uow: UnitOfWork,
        actor_id: UUID | None,
        action: str,
        target_type: str,
        target_id: UUID | str | None = None,
        *,
        workspace_id: UUID | None = None,
        **details: Any,
    ) -> None:
        """Record one action; `workspace_id` is the workspace it happened in, None for a
        platform-level action."""
        await uow.audit_log.record(
            AuditEntry(
                id=self._ids.new_id(),
                workspace_id=workspace_id,
                actor_id=actor_id,
                action=action,
                target_type=target_type,
                target_id=None if target_id is None else str(target_id),
                details=details,
                created_at=self._clock.now(),
            )
        )
