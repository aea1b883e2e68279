"""The audit log: who did what to whom, and when."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec


class AuditEntry(msgspec.Struct, frozen=True, kw_only=True):
    """One admin action. `details` holds what changed, never secrets or phone numbers."""

    id: UUID
    actor_id: UUID | None  # None: the operator, at the command line
    action: str
    target_type: str
    target_id: str | None = None
    details: dict[str, Any] = msgspec.field(default_factory=dict)
    created_at: datetime
