"""The HTTP shapes of workspaces and their teams."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec

from ignacio.application.use_cases.list_workspaces import WorkspaceView
from ignacio.application.use_cases.workspace_channels import ConnectChannelCommand
from ignacio.application.use_cases.workspace_members import WorkspaceMember
from ignacio.domain import ConnectionState, Provider, WhatsAppAccess
from ignacio.domain.channels import (
    CloudApiCredentials,
    Connection,
    GatewayCredentials,
    TwilioCredentials,
    WorkspaceChannel,
)
from ignacio.domain.knowledge import ExtractionStatus, SyncStatus, UserFile
from ignacio.domain.templates import MessageTemplate
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
    timezone: Annotated[str, msgspec.Meta(max_length=60, examples=["Europe/Madrid"])] | None = None
    """An IANA time zone: where relative dates ("by Friday") are read; null: UTC."""

    def settings(self) -> AssistantSettings:
        return AssistantSettings(
            name=self.name,
            instructions=self.instructions,
            language=self.language,
            model=self.model,
            web_search=self.web_search,
            timezone=self.timezone,
        )

    @classmethod
    def of(cls, settings: AssistantSettings) -> AssistantSettingsBody:
        return cls(**msgspec.structs.asdict(settings))


class ReplyTemplateBody(Schema):
    """The approved WhatsApp template the team sends once the 24-hour window has closed."""

    name: Annotated[str, msgspec.Meta(min_length=1, max_length=512, examples=["follow_up"])]
    """Its name at Meta, or on Twilio its Content SID (HX...)."""
    language: Annotated[str, msgspec.Meta(max_length=10, examples=["es"])] = "en"
    variables: Annotated[
        list[Annotated[str, msgspec.Meta(max_length=60)]], msgspec.Meta(max_length=10)
    ] = []
    """What each {{1}}, {{2}}... stands for, in order, for the team filling them in."""

    def template(self) -> MessageTemplate:
        return MessageTemplate(
            name=self.name, language=self.language, variables=tuple(self.variables)
        )

    @classmethod
    def of(cls, template: MessageTemplate | None) -> ReplyTemplateBody | None:
        if template is None:
            return None
        return cls(
            name=template.name, language=template.language, variables=list(template.variables)
        )


class WorkspaceOut(Schema):
    id: UUID
    slug: str
    name: str
    assistant: AssistantSettingsBody
    access: WhatsAppAccess | None
    reply_template: ReplyTemplateBody | None
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
            reply_template=ReplyTemplateBody.of(workspace.reply_template),
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
    reply_template: ReplyTemplateBody | msgspec.UnsetType | None = msgspec.UNSET
    """The template for replies outside WhatsApp's window; null removes it."""


class MemberOut(Schema):
    user: UserOut
    role: WorkspaceRole
    joined_at: datetime

    @classmethod
    def of(cls, member: WorkspaceMember) -> MemberOut:
        return cls(
            user=UserOut.of(member.user, member.identity),
            role=member.membership.role,
            joined_at=member.membership.created_at,
        )


class AddMemberBody(Schema):
    phone_number: PhoneField
    role: WorkspaceRole = WorkspaceRole.MEMBER
    name: Annotated[str, msgspec.Meta(max_length=255)] | None = None


class ChangeRoleBody(Schema):
    role: WorkspaceRole


Secret = Annotated[str, msgspec.Meta(min_length=1, max_length=1_000)]
Label = Annotated[str, msgspec.Meta(max_length=60, examples=["Front desk"])]


class ConnectionOut(Schema):
    """Where a gateway number's link to WhatsApp stands, as the gateway last reported it:
    `pairing` (its phone has to scan `qrCode`: an image's data URL, or the text to draw as a
    QR code), `connected`, or `disconnected` (with the gateway's `reason`, where it gave one:
    messages neither come nor go until the number is paired again). `since`: when."""

    state: ConnectionState
    since: datetime
    qr_code: str | None
    reason: str | None

    @classmethod
    def of(cls, connection: Connection) -> ConnectionOut:
        return cls(
            state=connection.state,
            since=connection.since,
            qr_code=connection.qr_code,
            reason=connection.reason,
        )


class ChannelOut(Schema):
    """One of the workspace's WhatsApp numbers; its credentials are never returned.
    `connection`: a gateway number's link (null for Cloud API and Twilio numbers)."""

    id: UUID
    provider: Provider
    address: str
    display_number: str | None
    label: str | None
    created_at: datetime
    connection: ConnectionOut | None = None

    @classmethod
    def of(cls, channel: WorkspaceChannel) -> ChannelOut:
        return cls(
            id=channel.id,
            provider=channel.provider,
            address=channel.address,
            display_number=channel.display_number.e164 if channel.display_number else None,
            label=channel.label,
            created_at=channel.created_at,
            connection=ConnectionOut.of(channel.connection) if channel.connection else None,
        )


class CloudApiChannelBody(Schema, tag_field="provider", tag="whatsapp_cloud"):
    """A number on Meta's WhatsApp Cloud API."""

    phone_number_id: Annotated[str, msgspec.Meta(examples=["106540352242922"], max_length=32)]
    access_token: Secret
    display_number: PhoneField | None = None
    label: Label | None = None

    def command(self) -> ConnectChannelCommand:
        return ConnectChannelCommand(
            credentials=CloudApiCredentials(
                phone_number_id=self.phone_number_id, access_token=self.access_token
            ),
            display_number=self.display_number,
            label=self.label,
        )


class TwilioChannelBody(Schema, tag_field="provider", tag="twilio"):
    """A WhatsApp sender on Twilio."""

    account_sid: Annotated[str, msgspec.Meta(max_length=34, examples=["AC" + "0" * 32])]
    auth_token: Secret
    number: PhoneField
    label: Label | None = None

    def command(self) -> ConnectChannelCommand:
        return ConnectChannelCommand(
            credentials=TwilioCredentials(
                account_sid=self.account_sid, auth_token=self.auth_token, number=self.number
            ),
            label=self.label,
        )


class GatewayChannelBody(Schema, tag_field="provider", tag="whatsapp_gateway"):
    """A number linked through the deployment's WhatsApp-Web gateway (unofficial: WhatsApp may
    ban the number); its phone scans the QR code the answer carries."""

    number: PhoneField
    label: Label | None = None

    def command(self) -> ConnectChannelCommand:
        return ConnectChannelCommand(
            credentials=GatewayCredentials(number=self.number), label=self.label
        )


ConnectChannelBody = CloudApiChannelBody | TwilioChannelBody | GatewayChannelBody


class KnowledgeDocumentOut(Schema):
    """A document of the workspace's knowledge base: what the assistant answers every member
    from, once `syncStatus` is `synced`."""

    id: UUID
    file_name: str
    file_type: str
    file_size: int
    uploaded_by: UUID | None
    """Who uploaded it; null once their account is deleted."""
    created_at: datetime
    extraction_status: ExtractionStatus
    extraction_note: str | None
    sync_status: SyncStatus
    sync_error: str | None
    synced_at: datetime | None

    @classmethod
    def of(cls, document: UserFile) -> KnowledgeDocumentOut:
        return cls(
            id=document.id,
            file_name=document.file_name,
            file_type=document.file_type,
            file_size=document.file_size,
            uploaded_by=document.uploaded_by,
            created_at=document.created_at,
            extraction_status=document.extraction_status,
            extraction_note=document.extraction_note,
            sync_status=document.sync_status,
            sync_error=document.sync_error,
            synced_at=document.synced_at,
        )
