"""The audit log: who did what to whom, and when."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

import msgspec

# An action is named `<target>.<verb>`; these verbs only look at people's data. Admins' reads are
# audited too (who looked at whose conversation), but kept apart so they do not bury the changes.
READ_VERBS = ("list", "view", "download")


class AuditKind(StrEnum):
    """Which entries to list: what admins changed, what they looked at, or both."""

    CHANGES = "changes"
    READS = "reads"


def is_read(action: str) -> bool:
    return action.rpartition(".")[2] in READ_VERBS


class AuditEntry(msgspec.Struct, frozen=True, kw_only=True):
    """One admin action. `details` holds what changed, never secrets or phone numbers."""

    id: UUID
    workspace_id: UUID | None = None  # None: a platform-level action
    actor_id: UUID | None  # None: the operator, at the command line
    action: str
    target_type: str
    target_id: str | None = None
    details: dict[str, Any] = msgspec.field(default_factory=dict)
    created_at: datetime

    @property
    def is_read(self) -> bool:
        """Whether the admin only looked (listed, viewed, downloaded) rather than changed."""
        return is_read(self.action)
