"""StepRecorder port: how the assistant keeps a member's answer to a workflow step."""

from __future__ import annotations

from typing import Protocol
from uuid import UUID

from ignacio.domain.workflow import StepAnswer


class StepRecorder(Protocol):
    async def record(self, workspace_id: UUID, user_id: UUID, key: str, value: str) -> StepAnswer:
        """Check `value` against the workspace's current step `key` and keep it as the
        member's answer; InvalidInput, saying what is wrong, when there is no such step or the
        value does not fit it (nothing is kept then). The member and the workspace are the
        turn's, never the model's to choose."""
        ...
