"""Oversight for admins: every conversation, the audit log, failed deliveries, the WhatsApp
allow-list and the system's health. Every read and change of people's data here is audited."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from litestar import Controller, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from ignacio.application.use_cases.add_to_allow_list import (
    AddToAllowList,
    AddToAllowListCommand,
)
from ignacio.application.use_cases.admin_get_conversation import AdminGetConversation
from ignacio.application.use_cases.admin_list_conversations import (
    AdminConversationsQuery,
    AdminListConversations,
)
from ignacio.application.use_cases.authenticate import Principal
from ignacio.application.use_cases.check_system_health import CheckSystemHealth
from ignacio.application.use_cases.list_allow_list import ListAllowList
from ignacio.application.use_cases.list_audit_log import AuditLogQuery, ListAuditLog
from ignacio.application.use_cases.list_failed_deliveries import ListFailedDeliveries
from ignacio.application.use_cases.list_set_aside_webhooks import ListSetAsideWebhooks
from ignacio.application.use_cases.remove_from_allow_list import RemoveFromAllowList
from ignacio.domain import AuditKind, Channel, Order
from ignacio.domain.workspaces import WorkspaceAccess
from ignacio.entrypoints.http.dependencies import Cursor, Limit, OrderQuery, page_request
from ignacio.entrypoints.http.error_responses import error_responses
from ignacio.entrypoints.http.schemas import (
    AdminConversationOut,
    AllowedNumberOut,
    AllowNumberBody,
    AuditEntryOut,
    ConversationOut,
    DeliveryOut,
    HealthCheckOut,
    MessageOut,
    PageOut,
    SetAsideWebhookOut,
    SystemHealthOut,
    UserOut,
    page_out,
)

UserFilter = Annotated[UUID | None, QueryParameter(name="userId", description="Only this member's")]
ChannelFilter = Annotated[Channel | None, QueryParameter(description="Only this channel's")]
Since = Annotated[datetime | None, QueryParameter(description="Active at or after (ISO 8601)")]
Until = Annotated[datetime | None, QueryParameter(description="Active before (ISO 8601)")]
TitleSearch = Annotated[str | None, QueryParameter(max_length=100, description="Part of a title")]


class AdminController(Controller):
    path = "/admin"
    tags = ["admin"]

    @get("/conversations", responses=error_responses(403, 404))
    async def list_conversations(
        self,
        workspace_access: NamedDependency[WorkspaceAccess],
        admin_list_conversations: NamedDependency[AdminListConversations],
        limit: Limit = 50,
        cursor: Cursor = None,
        order: OrderQuery = Order.NEWEST_FIRST,
        user_id: UserFilter = None,
        channel: ChannelFilter = None,
        since: Since = None,
        until: Until = None,
        search: TitleSearch = None,
    ) -> PageOut[ConversationOut]:
        """Every conversation, filtered by member, channel and period of last activity."""
        page = await admin_list_conversations(
            workspace_access,
            AdminConversationsQuery(
                page=page_request(limit, cursor, order),
                user_id=user_id,
                channel=channel,
                since=since,
                until=until,
                search=search or None,
            ),
        )
        return page_out(page, ConversationOut.of)

    @get("/conversations/{conversation_id:uuid}", responses=error_responses(403, 404))
    async def get_conversation(
        self,
        workspace_access: NamedDependency[WorkspaceAccess],
        admin_get_conversation: NamedDependency[AdminGetConversation],
        conversation_id: FromPath[UUID],
        limit: Limit = 50,
        cursor: Cursor = None,
        order: OrderQuery = Order.NEWEST_FIRST,
    ) -> AdminConversationOut:
        """One conversation, its owner, and a page of its messages."""
        view = await admin_get_conversation(
            workspace_access, conversation_id, page_request(limit, cursor, order)
        )
        return AdminConversationOut(
            conversation=ConversationOut.of(view.conversation),
            owner=UserOut.of(view.owner, view.owner_identity),
            messages=page_out(view.messages, MessageOut.of),
        )

    @get("/users/{user_id:uuid}/conversations", responses=error_responses(403, 404))
    async def user_conversations(
        self,
        workspace_access: NamedDependency[WorkspaceAccess],
        admin_list_conversations: NamedDependency[AdminListConversations],
        user_id: FromPath[UUID],
        limit: Limit = 50,
        cursor: Cursor = None,
        order: OrderQuery = Order.NEWEST_FIRST,
    ) -> PageOut[ConversationOut]:
        """One member's conversations (404 if the member does not exist)."""
        page = await admin_list_conversations(
            workspace_access,
            AdminConversationsQuery(page=page_request(limit, cursor, order), user_id=user_id),
        )
        return page_out(page, ConversationOut.of)

    @get("/audit-log", responses=error_responses(403))
    async def audit_log(
        self,
        workspace_access: NamedDependency[WorkspaceAccess],
        list_audit_log: NamedDependency[ListAuditLog],
        limit: Limit = 50,
        cursor: Cursor = None,
        order: OrderQuery = Order.NEWEST_FIRST,
        actor_id: Annotated[UUID | None, QueryParameter(name="actorId")] = None,
        target_id: Annotated[str | None, QueryParameter(name="targetId", max_length=100)] = None,
        action: Annotated[str | None, QueryParameter(max_length=64)] = None,
        kind: Annotated[
            AuditKind | None,
            QueryParameter(
                description="changes: what admins changed; reads: what they listed, viewed or "
                "downloaded; both when absent"
            ),
        ] = None,
        platform: Annotated[
            bool,
            QueryParameter(
                description="Platform admins: what happened in no workspace (user management) "
                "instead of the workspace's own log"
            ),
        ] = False,
    ) -> PageOut[AuditEntryOut]:
        """What admins did in the workspace: who, what, to whom, when."""
        page = await list_audit_log(
            workspace_access,
            AuditLogQuery(
                page=page_request(limit, cursor, order),
                actor_id=actor_id,
                target_id=target_id,
                action=action,
                kind=kind,
                platform=platform,
            ),
        )
        return page_out(page, AuditEntryOut.of)

    @get("/deliveries/failed", responses=error_responses(403))
    async def failed_deliveries(
        self,
        workspace_access: NamedDependency[WorkspaceAccess],
        list_failed_deliveries: NamedDependency[ListFailedDeliveries],
        limit: Limit = 50,
        cursor: Cursor = None,
        order: OrderQuery = Order.NEWEST_FIRST,
    ) -> PageOut[DeliveryOut]:
        """Answers that never reached the member, with WhatsApp's error code and reason."""
        page = await list_failed_deliveries(workspace_access, page_request(limit, cursor, order))
        return page_out(page, DeliveryOut.of)

    @get("/webhooks/set-aside", responses=error_responses(403))
    async def set_aside_webhooks(
        self,
        principal: NamedDependency[Principal],
        list_set_aside_webhooks: NamedDependency[ListSetAsideWebhooks],
        limit: Limit = 50,
        cursor: Cursor = None,
        order: OrderQuery = Order.NEWEST_FIRST,
    ) -> PageOut[SetAsideWebhookOut]:
        """WhatsApp deliveries that were acknowledged but could not be stored after every
        retry: when, from which provider, from whom (masked) and the last error. Their content
        is kept sealed, never shown here."""
        page = await list_set_aside_webhooks(principal.user, page_request(limit, cursor, order))
        return page_out(page, SetAsideWebhookOut.of)

    @get("/allowlist", responses=error_responses(403))
    async def allow_list(
        self,
        workspace_access: NamedDependency[WorkspaceAccess],
        list_allow_list: NamedDependency[ListAllowList],
        limit: Limit = 50,
        cursor: Cursor = None,
        order: OrderQuery = Order.NEWEST_FIRST,
    ) -> PageOut[AllowedNumberOut]:
        """The numbers admins let talk to Ignacio on WhatsApp when IGNACIO_WHATSAPP_ACCESS is
        `whitelist` (the configuration's WHITELISTED_USERS are not listed here)."""
        page = await list_allow_list(workspace_access, page_request(limit, cursor, order))
        return page_out(page, AllowedNumberOut.of)

    @post("/allowlist", status_code=HTTP_201_CREATED, responses=error_responses(403, 409))
    async def add_to_allow_list(
        self,
        workspace_access: NamedDependency[WorkspaceAccess],
        add_to_allow_list: NamedDependency[AddToAllowList],
        data: JSONBody[AllowNumberBody],
    ) -> AllowedNumberOut:
        """Let a number talk to Ignacio (409 if it is already listed)."""
        entry = await add_to_allow_list(
            workspace_access, AddToAllowListCommand(phone=data.phone_number, note=data.note)
        )
        return AllowedNumberOut.of(entry)

    @delete(
        "/allowlist/{entry_id:uuid}",
        status_code=HTTP_204_NO_CONTENT,
        responses=error_responses(403, 404),
    )
    async def remove_from_allow_list(
        self,
        workspace_access: NamedDependency[WorkspaceAccess],
        remove_from_allow_list: NamedDependency[RemoveFromAllowList],
        entry_id: FromPath[UUID],
    ) -> None:
        """Take an entry off the allow-list (by its id, so numbers stay out of URLs and logs)."""
        await remove_from_allow_list(workspace_access, entry_id)

    @get("/health", responses=error_responses(403))
    async def system_health(
        self,
        principal: NamedDependency[Principal],
        check_system_health: NamedDependency[CheckSystemHealth],
    ) -> SystemHealthOut:
        """Every dependency, each `ok` or what to fix: the database, the file storage, the
        WhatsApp messages waiting for an answer (a problem once the oldest has waited 5
        minutes), the WhatsApp channel's credentials and the model (these two asked at most
        once per 5 minutes). Always 200: unlike `/health`, this is for people, not load
        balancers."""
        report = await check_system_health(principal.user)
        return SystemHealthOut(
            healthy=report.healthy, checks=[HealthCheckOut.of(check) for check in report.checks]
        )
