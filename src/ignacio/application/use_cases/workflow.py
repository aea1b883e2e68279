"""Workflow steps: a workspace's admins define them, the assistant records the answers, the team
reads and corrects them, the admins export them.

Decided here: the team's edits and the admins' changes and exports are written to the audit log
with the keys they touched, never the values (an email or a phone number is not for the log);
the assistant's own recording is not (it happens in every conversation, and the answer keeps
that the assistant set it).
"""

from __future__ import annotations

import csv
import io
from uuid import UUID

import msgspec

from ignacio.application.auditing import Auditor
from ignacio.application.ports import Clock, UnitOfWork, UnitOfWorkFactory
from ignacio.application.use_cases.team_inbox import team_conversation
from ignacio.domain import NotFound, User
from ignacio.domain.workflow import (
    Progress,
    StepAnswer,
    Workflow,
    WorkflowStep,
    spreadsheet_safe,
)
from ignacio.domain.workspaces import WorkspaceAccess

EXPORT_PAGE = 500
NO_SUCH_ANSWER = "This member has no answer to that step."


class GetWorkflow:
    """The workspace's steps, in order: for its team (who see each member's progress against
    them) and its admins."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, access: WorkspaceAccess) -> Workflow:
        access.require_team()
        async with self._uow(read_only=True) as uow:
            return await uow.workflows.get(access.workspace.id)


class ReplaceWorkflowCommand(msgspec.Struct, frozen=True, kw_only=True):
    steps: tuple[WorkflowStep, ...] = ()


class ReplaceWorkflow:
    """Make these the workspace's steps, in this order.

    - The workspace's admins and platform admins only.
    - The answers already collected stay, whatever the new steps: an answer to a key no longer
      listed, or that no longer fits its step, is kept and shown but does not count.
    - Recorded in the audit log with the keys before and after.
    """

    def __init__(self, uow: UnitOfWorkFactory, auditor: Auditor, clock: Clock) -> None:
        self._uow = uow
        self._auditor = auditor
        self._clock = clock

    async def __call__(self, access: WorkspaceAccess, command: ReplaceWorkflowCommand) -> Workflow:
        access.require_admin()
        workflow = Workflow(steps=command.steps)
        async with self._uow() as uow:
            before = await uow.workflows.get(access.workspace.id)
            if before == workflow:
                return workflow
            await uow.workflows.replace(access.workspace.id, workflow, self._clock.now())
            await self._auditor.record(
                uow,
                access.user.id,
                "workflow.update",
                "workspace",
                access.workspace.id,
                workspace_id=access.workspace.id,
                keys_before=[step.key for step in before.steps],
                keys=[step.key for step in workflow.steps],
            )
            await uow.commit()
        return workflow


class RecordStepAnswer:
    """The assistant keeps a member's answer (the `StepRecorder` its tool calls).

    - The workspace and the member are the turn's: the tool takes only a key and a value.
    - The value is checked against the workspace's current step and kept in normal form; a key
      with no step, or a value that does not fit, is refused (InvalidInput) and nothing is kept.
    - An answer the team set is replaced like any other: the member's latest word counts.
    """

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def record(self, workspace_id: UUID, user_id: UUID, key: str, value: str) -> StepAnswer:
        async with self._uow() as uow:
            workflow = await uow.workflows.get(workspace_id)
            answer = workflow.answer(key, value, by=None, at=self._clock.now())
            await uow.workflows.set_answer(workspace_id, user_id, answer)
            await uow.commit()
        return answer


class MemberProgress(msgspec.Struct, frozen=True, kw_only=True):
    """A member's answers against the workspace's current steps."""

    workflow: Workflow
    progress: Progress
    people: dict[UUID, User]
    """The team who set answers by hand, by id."""


async def _progress_view(uow: UnitOfWork, workspace_id: UUID, member_id: UUID) -> MemberProgress:
    workflow = await uow.workflows.get(workspace_id)
    progress = await uow.workflows.progress(workspace_id, member_id)
    people = await uow.users.get_many(
        {answer.set_by for answer in progress.answers.values() if answer.set_by is not None}
    )
    return MemberProgress(workflow=workflow, progress=progress, people=people)


class GetProgress:
    """The progress of a conversation's member in the workspace, for its team."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, access: WorkspaceAccess, conversation_id: UUID) -> MemberProgress:
        async with self._uow(read_only=True) as uow:
            conversation = await team_conversation(uow, access, conversation_id)
            return await _progress_view(uow, access.workspace.id, conversation.user_id)


class SetAnswerCommand(msgspec.Struct, frozen=True, kw_only=True):
    key: str
    value: str


class SetAnswer:
    """A person of the team sets or corrects a member's answer, from their conversation.

    - The workspace's team only; the member is the conversation's, in the workspace acted in.
    - Checked against the current step like the assistant's answers; kept with who set it.
    - Recorded in the audit log with the key, not the value.
    """

    def __init__(self, uow: UnitOfWorkFactory, auditor: Auditor, clock: Clock) -> None:
        self._uow = uow
        self._auditor = auditor
        self._clock = clock

    async def __call__(
        self, access: WorkspaceAccess, conversation_id: UUID, command: SetAnswerCommand
    ) -> MemberProgress:
        async with self._uow() as uow:
            conversation = await team_conversation(uow, access, conversation_id)
            workflow = await uow.workflows.get(access.workspace.id)
            answer = workflow.answer(
                command.key, command.value, by=access.user.id, at=self._clock.now()
            )
            await uow.workflows.set_answer(access.workspace.id, conversation.user_id, answer)
            await self._auditor.record(
                uow,
                access.user.id,
                "workflow.answer.update",
                "user",
                conversation.user_id,
                workspace_id=access.workspace.id,
                conversation_id=str(conversation.id),
                key=answer.key,
            )
            view = await _progress_view(uow, access.workspace.id, conversation.user_id)
            await uow.commit()
        return view


class ClearAnswer:
    """A person of the team clears a member's answer (a wrong one the assistant kept): the step
    is open again. Any key the member has an answer to, listed or not. Audited with the key."""

    def __init__(self, uow: UnitOfWorkFactory, auditor: Auditor) -> None:
        self._uow = uow
        self._auditor = auditor

    async def __call__(
        self, access: WorkspaceAccess, conversation_id: UUID, key: str
    ) -> MemberProgress:
        async with self._uow() as uow:
            conversation = await team_conversation(uow, access, conversation_id)
            if not await uow.workflows.clear_answer(access.workspace.id, conversation.user_id, key):
                raise NotFound(NO_SUCH_ANSWER)
            await self._auditor.record(
                uow,
                access.user.id,
                "workflow.answer.delete",
                "user",
                conversation.user_id,
                workspace_id=access.workspace.id,
                conversation_id=str(conversation.id),
                key=key,
            )
            view = await _progress_view(uow, access.workspace.id, conversation.user_id)
            await uow.commit()
        return view


class ExportAnswers:
    """Every member's answers in the workspace as CSV, for its admins.

    - One row per member with at least one answer: their id, name and number, whether they are
      qualified, then one column per step key in the workflow's order, then the keys answered
      before the steps changed (alphabetically). An answer that no longer fits its step is
      exported as kept.
    - Every cell that a spreadsheet would read as a formula is prefixed with an apostrophe.
    - Recorded in the audit log as a download.
    """

    def __init__(self, uow: UnitOfWorkFactory, auditor: Auditor) -> None:
        self._uow = uow
        self._auditor = auditor

    async def __call__(self, access: WorkspaceAccess) -> str:
        access.require_admin()
        progresses: list[Progress] = []
        async with self._uow() as uow:
            workflow = await uow.workflows.get(access.workspace.id)
            after: UUID | None = None
            while page := await uow.workflows.answered(
                access.workspace.id, after=after, limit=EXPORT_PAGE
            ):
                progresses.extend(page)
                after = page[-1].user_id
            people = await uow.users.get_many({progress.user_id for progress in progresses})
            await self._auditor.record(
                uow,
                access.user.id,
                "workflow.download",
                "workspace",
                access.workspace.id,
                workspace_id=access.workspace.id,
                members=len(progresses),
            )
            await uow.commit()
        keys = [step.key for step in workflow.steps]
        listed = set(keys)
        keys += sorted({key for p in progresses for key in p.answers} - listed)
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(["member_id", "name", "phone", "qualified", *keys])
        for progress in progresses:
            person = people.get(progress.user_id)
            name = (person.name or "") if person is not None else ""
            phone = person.phone.e164 if person is not None and person.phone else ""
            values = [
                progress.answers[key].value if key in progress.answers else "" for key in keys
            ]
            writer.writerow(
                [
                    str(progress.user_id),
                    *(spreadsheet_safe(cell) for cell in (name, phone)),
                    "yes" if progress.qualified(workflow) else "no",
                    *(spreadsheet_safe(value) for value in values),
                ]
            )
        return out.getvalue()
