"""WorkflowRepository port: each workspace's workflow steps, and its members' answers."""

from __future__ import annotations

import builtins
from collections.abc import Collection
from datetime import datetime
from typing import Protocol
from uuid import UUID

from ignacio.domain.workflow import Progress, StepAnswer, Workflow


class WorkflowRepository(Protocol):
    """Steps and answers, read within one workspace: another workspace's are not there, and a
    member's answers in one workspace are not their answers in another."""

    async def get(self, workspace_id: UUID) -> Workflow:
        """The workspace's steps; an empty workflow when it never had any."""
        ...

    async def replace(self, workspace_id: UUID, workflow: Workflow, at: datetime) -> None:
        """Make `workflow` the workspace's steps. The answers already kept stay, whatever keys
        the new steps have."""
        ...

    async def progress(self, workspace_id: UUID, user_id: UUID) -> Progress:
        """The member's answers in the workspace (none: an empty Progress)."""
        ...

    async def progress_of(
        self, workspace_id: UUID, user_ids: Collection[UUID]
    ) -> dict[UUID, Progress]:
        """The answers of each of these members in the workspace, by member (those without
        any answer too, empty)."""
        ...

    async def set_answer(self, workspace_id: UUID, user_id: UUID, answer: StepAnswer) -> None:
        """Keep the member's answer to `answer.key`, replacing the one before (one statement:
        answers to other keys written meanwhile are never lost). NotFound if there is no such
        member or workspace."""
        ...

    async def clear_answer(self, workspace_id: UUID, user_id: UUID, key: str) -> bool:
        """Forget the member's answer to `key`; False when there was none."""
        ...

    async def answered(
        self, workspace_id: UUID, *, after: UUID | None, limit: int
    ) -> builtins.list[Progress]:
        """The members of the workspace with at least one answer, by member id, `limit` at a
        time starting after the member id `after` (None: from the first)."""
        ...
