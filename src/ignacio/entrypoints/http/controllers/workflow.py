"""Workflow steps (`/workspaces/{id or short name}/workflow`): what the workspace's assistant
finds out from every member; and each member's progress through them, from their conversation
in the team inbox (`.../inbox/{conversation}/progress`)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from litestar import Controller, Response, delete, get, put
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody, PathParameter

from ignacio.application.use_cases.workflow import (
    ClearAnswer,
    ExportAnswers,
    GetProgress,
    GetWorkflow,
    ReplaceWorkflow,
    ReplaceWorkflowCommand,
    SetAnswer,
    SetAnswerCommand,
)
from ignacio.domain.workspaces import WorkspaceAccess
from ignacio.entrypoints.http.dependencies import provide_named_workspace
from ignacio.entrypoints.http.error_responses import NAMED_WORKSPACE, error_responses
from ignacio.entrypoints.http.workflow_schemas import (
    AnswerBody,
    ProgressOut,
    WorkflowBody,
    WorkflowOut,
)

StepKey = Annotated[str, PathParameter(max_length=100, description="The step's key.")]


class WorkflowController(Controller):
    path = "/workspaces/{workspace:str}/workflow"
    tags = ["workflow"]
    dependencies = {NAMED_WORKSPACE: Provide(provide_named_workspace)}

    @get("/", responses=error_responses(403, 404))
    async def get_workflow(
        self,
        team_access: NamedDependency[WorkspaceAccess],
        get_workflow: NamedDependency[GetWorkflow],
    ) -> WorkflowOut:
        """The workspace's steps, in order: for its agents and admins."""
        return WorkflowOut.of(await get_workflow(team_access))

    @put("/", responses=error_responses(400, 403, 404))
    async def replace_workflow(
        self,
        team_access: NamedDependency[WorkspaceAccess],
        replace_workflow: NamedDependency[ReplaceWorkflow],
        data: JSONBody[WorkflowBody],
    ) -> WorkflowOut:
        """Make these the workspace's steps, in this order (its admins only). The answers
        already collected stay: one to a key no longer listed, or that no longer fits its step,
        is kept but does not count."""
        steps = tuple(step.step() for step in data.steps)
        return WorkflowOut.of(
            await replace_workflow(team_access, ReplaceWorkflowCommand(steps=steps))
        )

    @get(
        "/export.csv",
        media_type="text/csv",
        response_description="One row per member with answers, one column per step key",
        responses=error_responses(403, 404),
    )
    async def export_answers(
        self,
        team_access: NamedDependency[WorkspaceAccess],
        export_answers: NamedDependency[ExportAnswers],
    ) -> Response[bytes]:
        """Every member's answers as CSV, for the workspace's admins: member id, name, phone,
        qualified (yes/no), then one column per step key. A cell a spreadsheet would run as a
        formula starts with an apostrophe."""
        exported = await export_answers(team_access)
        name = f"{team_access.workspace.slug}-workflow.csv"
        return Response(
            exported.encode(),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="{name}"',
                "X-Content-Type-Options": "nosniff",
                "Cache-Control": "private, no-store",
            },
        )


class ProgressController(Controller):
    path = "/workspaces/{workspace:str}/inbox/{conversation_id:uuid}/progress"
    tags = ["workflow"]
    dependencies = {NAMED_WORKSPACE: Provide(provide_named_workspace)}

    @get("/", responses=error_responses(403, 404))
    async def get_progress(
        self,
        team_access: NamedDependency[WorkspaceAccess],
        get_progress: NamedDependency[GetProgress],
        conversation_id: FromPath[UUID],
    ) -> ProgressOut:
        """The conversation's member's answers against the workspace's steps, for its team."""
        return ProgressOut.of(await get_progress(team_access, conversation_id))

    @put("/{key:str}", responses=error_responses(400, 403, 404))
    async def set_answer(
        self,
        team_access: NamedDependency[WorkspaceAccess],
        set_step_answer: NamedDependency[SetAnswer],
        conversation_id: FromPath[UUID],
        key: StepKey,
        data: JSONBody[AnswerBody],
    ) -> ProgressOut:
        """Set or correct the member's answer to a step (its team; audited). Checked against
        the step's type like the assistant's answers."""
        view = await set_step_answer(
            team_access, conversation_id, SetAnswerCommand(key=key, value=data.value)
        )
        return ProgressOut.of(view)

    @delete(
        "/{key:str}",
        status_code=200,
        responses=error_responses(403, 404),
    )
    async def clear_answer(
        self,
        team_access: NamedDependency[WorkspaceAccess],
        clear_step_answer: NamedDependency[ClearAnswer],
        conversation_id: FromPath[UUID],
        key: StepKey,
    ) -> ProgressOut:
        """Clear the member's answer to a step, which opens it again (its team; audited)."""
        return ProgressOut.of(await clear_step_answer(team_access, conversation_id, key))
