"""WorkflowRepository in memory."""

from __future__ import annotations

import builtins
from collections.abc import Collection
from datetime import datetime
from uuid import UUID

from ignacio.adapters.memory.store import InMemoryStore
from ignacio.domain import NotFound
from ignacio.domain.workflow import Progress, StepAnswer, Workflow


class InMemoryWorkflowRepository:
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    async def get(self, workspace_id: UUID) -> Workflow:
        return self._store.workflows.get(workspace_id, Workflow())

    async def replace(self, workspace_id: UUID, workflow: Workflow, at: datetime) -> None:
        if workspace_id not in self._store.workspaces:
            raise NotFound("There is no such workspace.")
        self._store.workflows[workspace_id] = workflow

    async def progress(self, workspace_id: UUID, user_id: UUID) -> Progress:
        return (await self.progress_of(workspace_id, [user_id]))[user_id]

    async def progress_of(
        self, workspace_id: UUID, user_ids: Collection[UUID]
    ) -> dict[UUID, Progress]:
        return {
            user_id: progress_in(self._store, workspace_id, user_id) for user_id in set(user_ids)
        }

    async def set_answer(self, workspace_id: UUID, user_id: UUID, answer: StepAnswer) -> None:
        if workspace_id not in self._store.workspaces or user_id not in self._store.users:
            raise NotFound("There is no such member.")  # as SQL's foreign keys say
        self._store.step_answers[(workspace_id, user_id, answer.key)] = answer

    async def clear_answer(self, workspace_id: UUID, user_id: UUID, key: str) -> bool:
        return self._store.step_answers.pop((workspace_id, user_id, key), None) is not None

    async def answered(
        self, workspace_id: UUID, *, after: UUID | None, limit: int
    ) -> builtins.list[Progress]:
        members = sorted(
            {
                user_id
                for (workspace, user_id, _) in self._store.step_answers
                if workspace == workspace_id
                and user_id in self._store.users
                and (after is None or user_id > after)
            }
        )
        return [progress_in(self._store, workspace_id, user_id) for user_id in members[:limit]]


def progress_in(store: InMemoryStore, workspace_id: UUID, user_id: UUID) -> Progress:
    """The member's answers in the workspace, as the store holds them."""
    answers: dict[str, StepAnswer] = {}
    if workspace_id in store.workspaces and user_id in store.users:
        answers = {
            key: answer
            for (workspace, member, key), answer in store.step_answers.items()
            if workspace == workspace_id and member == user_id
        }
    return Progress(
        workspace_id=workspace_id, user_id=user_id, answers=dict(sorted(answers.items()))
    )
