"""WorkflowRepository over SQLAlchemy Core: `workspace_workflows` and `workflow_answers`."""

from __future__ import annotations

import builtins
from collections.abc import Collection
from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec
from sqlalchemy import ColumnElement, and_, bindparam, delete, exists, false, func, select, true
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from ignacio.adapters.sql.queries import ConnectionSource, clash_contained, is_foreign_key_violation
from ignacio.adapters.sql.tables import workflow_answers, workspace_workflows
from ignacio.domain import NotFound
from ignacio.domain.workflow import Progress, StepAnswer, StepKind, Workflow

# Answers read for many members at once: `user_id` first, then the answer's own columns (the
# rows also name their workspace and member, which a StepAnswer does not hold: no FieldMap).
_BY_MEMBER = (
    workflow_answers.c.user_id,
    workflow_answers.c.key,
    workflow_answers.c.value,
    workflow_answers.c.kind,
    workflow_answers.c.set_by,
    workflow_answers.c.set_at,
)
_KINDS = {kind.value: kind for kind in StepKind}

# Built once (see messages.py's `_BY_ID`): every turn reads its workspace's steps.
_STEPS = select(workspace_workflows.c.steps).where(
    workspace_workflows.c.workspace_id == bindparam("workspace_id")
)


class SqlWorkflowRepository:
    def __init__(self, connection: ConnectionSource) -> None:
        self._connection = connection

    async def get(self, workspace_id: UUID) -> Workflow:
        parameters = {"workspace_id": workspace_id}
        steps = (await self._connection().execute(_STEPS, parameters)).scalar()
        if steps is None:
            return Workflow()
        return msgspec.convert({"steps": steps}, Workflow)

    async def replace(self, workspace_id: UUID, workflow: Workflow, at: datetime) -> None:
        connection = self._connection()
        values = {
            "workspace_id": workspace_id,
            "steps": msgspec.to_builtins(workflow.steps),
            "updated_at": at,
        }
        upsert = (
            postgresql_insert(workspace_workflows)
            if connection.dialect.name == "postgresql"
            else sqlite_insert(workspace_workflows)
        ).values(values)
        try:
            async with clash_contained(connection):
                await connection.execute(
                    upsert.on_conflict_do_update(
                        index_elements=["workspace_id"],
                        set_={"steps": values["steps"], "updated_at": at},
                    )
                )
        except IntegrityError as error:
            if is_foreign_key_violation(error):
                raise NotFound("There is no such workspace.") from error
            raise

    async def progress(self, workspace_id: UUID, user_id: UUID) -> Progress:
        return (await self.progress_of(workspace_id, [user_id]))[user_id]

    async def progress_of(
        self, workspace_id: UUID, user_ids: Collection[UUID]
    ) -> dict[UUID, Progress]:
        wanted = set(user_ids)
        if not wanted:
            return {}
        a = workflow_answers.c
        rows = (
            await self._connection().execute(
                select(*_BY_MEMBER)
                .where(a.workspace_id == workspace_id, a.user_id.in_(sorted(wanted)))
                .order_by(a.user_id, a.key)
            )
        ).all()
        return _progresses(workspace_id, rows, wanted)

    async def set_answer(self, workspace_id: UUID, user_id: UUID, answer: StepAnswer) -> None:
        connection = self._connection()
        values = {
            "workspace_id": workspace_id,
            "user_id": user_id,
            "key": answer.key,
            "value": answer.value,
            "kind": answer.kind.value,
            "set_by": answer.set_by,
            "set_at": answer.set_at,
        }
        upsert = (
            postgresql_insert(workflow_answers)
            if connection.dialect.name == "postgresql"
            else sqlite_insert(workflow_answers)
        ).values(values)
        kept = {name: values[name] for name in ("value", "kind", "set_by", "set_at")}
        try:
            async with clash_contained(connection):
                await connection.execute(
                    upsert.on_conflict_do_update(
                        index_elements=["workspace_id", "user_id", "key"], set_=kept
                    )
                )
        except IntegrityError as error:
            if is_foreign_key_violation(error):
                raise NotFound("There is no such member.") from error
            raise

    async def clear_answer(self, workspace_id: UUID, user_id: UUID, key: str) -> bool:
        a = workflow_answers.c
        result = await self._connection().execute(
            delete(workflow_answers).where(
                a.workspace_id == workspace_id, a.user_id == user_id, a.key == key
            )
        )
        return bool(result.rowcount)

    async def answered(
        self, workspace_id: UUID, *, after: UUID | None, limit: int
    ) -> builtins.list[Progress]:
        a = workflow_answers.c
        members = select(a.user_id).where(a.workspace_id == workspace_id)
        if after is not None:
            members = members.where(a.user_id > after)
        chosen = members.group_by(a.user_id).order_by(a.user_id).limit(limit).subquery()
        rows = (
            await self._connection().execute(
                select(*_BY_MEMBER)
                .where(a.workspace_id == workspace_id, a.user_id.in_(select(chosen.c.user_id)))
                .order_by(a.user_id, a.key)
            )
        ).all()
        found = _progresses(workspace_id, rows, set())
        return [found[user_id] for user_id in sorted(found)]


def qualification_clause(
    workspace_id: UUID, member: ColumnElement[Any], workflow: Workflow
) -> ColumnElement[bool]:
    """Whether `member` is qualified by `workflow` in the workspace, as SQL: the same rule as
    `Progress.qualified` (each required step has an answer it accepts: of its type and, for a
    choice, one of its options whatever the case)."""
    required = workflow.required
    if not required:
        return false()
    a = workflow_answers.c
    clauses: list[ColumnElement[bool]] = []
    for step in required:
        accepted = and_(
            a.workspace_id == workspace_id,
            a.user_id == member,
            a.key == step.key,
            a.kind == step.kind.value,
        )
        if step.options:
            accepted = and_(
                accepted, func.lower(a.value).in_(sorted({o.lower() for o in step.options}))
            )
        clauses.append(exists(select(1).where(accepted)))
    return and_(true(), *clauses)


def _progresses(
    workspace_id: UUID, rows: Collection[Any], wanted: set[UUID]
) -> dict[UUID, Progress]:
    answers: dict[UUID, dict[str, StepAnswer]] = {user_id: {} for user_id in wanted}
    for row in rows:
        user_id, key, value, kind, set_by, set_at = row
        answers.setdefault(user_id, {})[key] = StepAnswer(
            key=key, value=value, kind=_KINDS[kind], set_by=set_by, set_at=set_at
        )
    return {
        user_id: Progress(workspace_id=workspace_id, user_id=user_id, answers=theirs)
        for user_id, theirs in answers.items()
    }
