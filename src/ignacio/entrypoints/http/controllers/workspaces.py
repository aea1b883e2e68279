"""Workspaces, their settings and their teams.

A workspace is named in the path by its id or its short name (`/workspaces/action-lab`), the
same rule as everywhere else a workspace is named.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import msgspec
from litestar import Controller, delete, get, patch, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, PathParameter, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from ignacio.application.use_cases.authenticate import Principal
from ignacio.application.use_cases.gateway_links import PairChannel
from ignacio.application.use_cases.list_workspaces import GetWorkspace, ListWorkspaces
from ignacio.application.use_cases.manage_workspaces import (
    CreateWorkspace,
    CreateWorkspaceCommand,
    UpdateWorkspace,
    UpdateWorkspaceCommand,
)
from ignacio.application.use_cases.workspace_channels import (
    ConnectChannel,
    DisconnectChannel,
    ListChannels,
)
from ignacio.application.use_cases.workspace_members import (
    AddMemberCommand,
    AddWorkspaceMember,
    ChangeMemberRole,
    ListWorkspaceMembers,
    RemoveWorkspaceMember,
)
from ignacio.domain import Order
from ignacio.domain.workspaces import AssistantSettings
from ignacio.entrypoints.http.dependencies import Cursor, Limit, OrderQuery, page_request
from ignacio.entrypoints.http.error_responses import error_responses
from ignacio.entrypoints.http.schemas import PageOut, page_out
from ignacio.entrypoints.http.workspace_schemas import (
    AddMemberBody,
    ChangeRoleBody,
    ChannelOut,
    ConnectChannelBody,
    CreateWorkspaceBody,
    MemberOut,
    UpdateWorkspaceBody,
    WorkspaceOut,
)

WorkspaceRef = Annotated[
    str,
    PathParameter(
        min_length=1, max_length=40, description="The workspace's id or short name (`slug`)"
    ),
]
Every = Annotated[
    bool,
    QueryParameter(description="Platform admins: every workspace, not only their own"),
]


class WorkspaceController(Controller):
    path = "/workspaces"
    tags = ["workspaces"]

    @get("/")
    async def list_workspaces(
        self,
        principal: NamedDependency[Principal],
        list_workspaces: NamedDependency[ListWorkspaces],
        limit: Limit = 50,
        cursor: Cursor = None,
        every: Every = False,
    ) -> PageOut[WorkspaceOut]:
        """The caller's workspaces, with their role in each; `every=true` lists all of them
        for a platform admin, a page at a time (oldest first)."""
        page = await list_workspaces(
            principal.user, page_request(limit, cursor, Order.OLDEST_FIRST), every=every
        )
        return page_out(page, WorkspaceOut.of_view)

    @post("/", status_code=HTTP_201_CREATED, responses=error_responses(403, 409))
    async def create_workspace(
        self,
        principal: NamedDependency[Principal],
        create_workspace: NamedDependency[CreateWorkspace],
        data: JSONBody[CreateWorkspaceBody],
    ) -> WorkspaceOut:
        """A new, empty workspace (platform admins only; 409 if the short name is taken)."""
        workspace = await create_workspace(
            principal.user,
            CreateWorkspaceCommand(
                name=data.name,
                slug=data.slug,
                assistant=data.assistant.settings() if data.assistant else AssistantSettings(),
                access=data.access,
            ),
        )
        return WorkspaceOut.of(workspace, None)

    @get("/{workspace:str}", responses=error_responses(404))
    async def get_workspace(
        self,
        principal: NamedDependency[Principal],
        get_workspace: NamedDependency[GetWorkspace],
        workspace: WorkspaceRef,
    ) -> WorkspaceOut:
        """One of the caller's workspaces (any, for a platform admin)."""
        access = await get_workspace(principal.user, workspace)
        return WorkspaceOut.of(access.workspace, access.role)

    @patch("/{workspace:str}", responses=error_responses(403, 404))
    async def update_workspace(
        self,
        principal: NamedDependency[Principal],
        update_workspace: NamedDependency[UpdateWorkspace],
        get_workspace: NamedDependency[GetWorkspace],
        workspace: WorkspaceRef,
        data: JSONBody[UpdateWorkspaceBody],
    ) -> WorkspaceOut:
        """Rename the workspace, or change its assistant's settings (replaced as a whole), its
        access mode (null: the deployment's) or the template its team sends outside WhatsApp's
        24-hour window (null: none). Its admins only."""
        assistant = data.assistant
        await update_workspace(
            principal.user,
            workspace,
            UpdateWorkspaceCommand(
                name=data.name,
                assistant=assistant
                if isinstance(assistant, msgspec.UnsetType)
                else assistant.settings(),
                access=data.access,
                reply_template=data.reply_template
                if data.reply_template is None or isinstance(data.reply_template, msgspec.UnsetType)
                else data.reply_template.template(),
            ),
        )
        access = await get_workspace(principal.user, workspace)
        return WorkspaceOut.of(access.workspace, access.role)

    @get("/{workspace:str}/members", responses=error_responses(403, 404))
    async def list_members(
        self,
        principal: NamedDependency[Principal],
        list_workspace_members: NamedDependency[ListWorkspaceMembers],
        workspace: WorkspaceRef,
        limit: Limit = 50,
        cursor: Cursor = None,
        order: OrderQuery = Order.OLDEST_FIRST,
    ) -> PageOut[MemberOut]:
        """The workspace's people and their roles (its admins and agents)."""
        page = await list_workspace_members(
            principal.user, workspace, page_request(limit, cursor, order)
        )
        return page_out(page, MemberOut.of)

    @post(
        "/{workspace:str}/members",
        status_code=HTTP_201_CREATED,
        responses=error_responses(403, 404, 409),
    )
    async def add_member(
        self,
        principal: NamedDependency[Principal],
        add_workspace_member: NamedDependency[AddWorkspaceMember],
        workspace: WorkspaceRef,
        data: JSONBody[AddMemberBody],
    ) -> MemberOut:
        """Invite a phone number with a role (its admins only). A number nobody has becomes a
        user who can log in with a code; 409 if they are a member already."""
        member = await add_workspace_member(
            principal.user,
            workspace,
            AddMemberCommand(phone=data.phone_number, role=data.role, name=data.name),
        )
        return MemberOut.of(member)

    @put("/{workspace:str}/members/{user_id:uuid}", responses=error_responses(403, 404, 409))
    async def change_role(
        self,
        principal: NamedDependency[Principal],
        change_member_role: NamedDependency[ChangeMemberRole],
        workspace: WorkspaceRef,
        user_id: FromPath[UUID],
        data: JSONBody[ChangeRoleBody],
    ) -> MemberOut:
        """Change a member's role (its admins only; 409 for its last admin)."""
        return MemberOut.of(await change_member_role(principal.user, workspace, user_id, data.role))

    @delete(
        "/{workspace:str}/members/{user_id:uuid}",
        status_code=HTTP_204_NO_CONTENT,
        responses=error_responses(403, 404, 409),
    )
    async def remove_member(
        self,
        principal: NamedDependency[Principal],
        remove_workspace_member: NamedDependency[RemoveWorkspaceMember],
        workspace: WorkspaceRef,
        user_id: FromPath[UUID],
    ) -> None:
        """Take a person out of the workspace; their account stays (its admins only; 409 for
        its last admin)."""
        await remove_workspace_member(principal.user, workspace, user_id)

    @get("/{workspace:str}/channels", responses=error_responses(403, 404))
    async def list_channels(
        self,
        principal: NamedDependency[Principal],
        list_channels: NamedDependency[ListChannels],
        workspace: WorkspaceRef,
    ) -> list[ChannelOut]:
        """The workspace's own WhatsApp numbers, oldest first (its admins only); never their
        credentials."""
        return [
            ChannelOut.of(channel) for channel in await list_channels(principal.user, workspace)
        ]

    @post(
        "/{workspace:str}/channels",
        status_code=HTTP_201_CREATED,
        responses=error_responses(400, 403, 404, 409),
    )
    async def connect_channel(
        self,
        principal: NamedDependency[Principal],
        connect_channel: NamedDependency[ConnectChannel],
        workspace: WorkspaceRef,
        data: JSONBody[ConnectChannelBody],
    ) -> ChannelOut:
        """Connect a WhatsApp number (its admins only): messages to it reach this workspace's
        assistant and are answered from it. The credentials are stored sealed and never shown
        again. 400 past the workspace's limit of numbers; 409 if a workspace has it already."""
        channel = await connect_channel(principal.user, workspace, data.command())
        return ChannelOut.of(channel)

    @post(
        "/{workspace:str}/channels/{channel_id:uuid}/pairing",
        status_code=HTTP_200_OK,
        responses=error_responses(400, 403, 404, 503),
    )
    async def pair_channel(
        self,
        principal: NamedDependency[Principal],
        pair_channel: NamedDependency[PairChannel],
        workspace: WorkspaceRef,
        channel_id: FromPath[UUID],
    ) -> ChannelOut:
        """A new QR code for a gateway number (its admins only): the gateway ends the number's
        session and begins another, which its phone links by scanning the code (in
        `connection.qrCode`). For a number whose code expired, or whose link dropped. 400 for
        a number on another provider; 503 if the gateway cannot begin a session."""
        return ChannelOut.of(await pair_channel(principal.user, workspace, channel_id))

    @delete(
        "/{workspace:str}/channels/{channel_id:uuid}",
        status_code=HTTP_204_NO_CONTENT,
        responses=error_responses(403, 404),
    )
    async def disconnect_channel(
        self,
        principal: NamedDependency[Principal],
        disconnect_channel: NamedDependency[DisconnectChannel],
        workspace: WorkspaceRef,
        channel_id: FromPath[UUID],
    ) -> None:
        """Disconnect a number (its admins only): what arrives for it afterwards is set aside
        for the platform's admins, and its conversations are no longer answered from it."""
        await disconnect_channel(principal.user, workspace, channel_id)
