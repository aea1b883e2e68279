"""The HTTP shapes of workspaces and their teams."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec

from ignacio.application.use_cases.list_workspaces import WorkspaceView
from ignacio.application.use_cases.workspace_members import WorkspaceMember
from ignacio.domain import WhatsAppAccess
from ignacio.domain.workspaces import (
    MAX_ASSISTANT_NAME,
    MAX_INSTRUCTIONS,
    MAX_MODEL_NAME,
    MAX_WORKSPACE_NAME,
    AssistantSettings,
    Workspace,
    WorkspaceRole,
)
from ignacio.entrypoints.http.schemas import PhoneField, Schema, UserOut

WorkspaceName = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_WORKSPACE_NAME)]
Slug = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=40,
        examples=["action-lab"],
        description="Lowercase letters, digits and hyphens; drawn from the name when left out",
    ),
]


class AssistantSettingsBody(Schema):
    """How the workspace's assistant speaks. A field left out or null follows the deployment's
    default (its environment variables)."""

    name: Annotated[str, msgspec.Meta(max_length=MAX_ASSISTANT_NAME)] | None = None
    instructions: Annotated[str, msgspec.Meta(max_length=MAX_INSTRUCTIONS)] | None = None
    language: Annotated[str, msgspec.Meta(max_length=35, examples=["es"])] | None = None
    model: Annotated[str, msgspec.Meta(max_length=MAX_MODEL_NAME)] | None = None
    web_search: bool | None = None

    def settings(self) -> AssistantSettings:
        return AssistantSettings(
            name=self.name,
            instructions=self.instructions,
            language=self.language,
            model=self.model,
            web_search=self.web_search,
        )

    @classmethod
    def of(cls, settings: AssistantSettings) -> AssistantSettingsBody:
        return cls(**msgspec.structs.asdict(settings))


class WorkspaceOut(Schema):
    id: UUID
    slug: str
    name: str
    assistant: AssistantSettingsBody
    access: WhatsAppAccess | None
    role: WorkspaceRole | None
    """The caller's role in it; null for a platform admin who is not a member."""
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, workspace: Workspace, role: WorkspaceRole | None) -> WorkspaceOut:
        return cls(
            id=workspace.id,
            slug=workspace.slug,
            name=workspace.name,
            assistant=AssistantSettingsBody.of(workspace.assistant),
            access=workspace.access,
            role=role,
            created_at=workspace.created_at,
            updated_at=workspace.updated_at,
        )

    @classmethod
    def of_view(cls, view: WorkspaceView) -> WorkspaceOut:
        return cls.of(view.workspace, view.role)


class CreateWorkspaceBody(Schema):
    name: WorkspaceName
    slug: Slug | None = None
    assistant: AssistantSettingsBody | None = None
    access: WhatsAppAccess | None = None


class UpdateWorkspaceBody(Schema):
    name: WorkspaceName | msgspec.UnsetType = msgspec.UNSET
    assistant: AssistantSettingsBody | msgspec.UnsetType = msgspec.UNSET
    access: WhatsAppAccess | msgspec.UnsetType | None = msgspec.UNSET


class MemberOut(Schema):
    user: UserOut
    role: WorkspaceRole
    joined_at: datetime

    @classmethod
    def of(cls, member: WorkspaceMember) -> MemberOut:
        return cls(
            user=UserOut.of(member.user),
            role=member.membership.role,
            joined_at=member.membership.created_at,
        )


class AddMemberBody(Schema):
    phone_number: PhoneField
    role: WorkspaceRole = WorkspaceRole.MEMBER
    name: Annotated[str, msgspec.Meta(max_length=255)] | None = None


class ChangeRoleBody(Schema):
    role: WorkspaceRole
