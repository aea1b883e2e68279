"""AdminListConversations: the workspace's conversations, filtered, for its admins."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec

from ignacio.application.auditing import Auditor
from ignacio.application.ports import UnitOfWorkFactory
from ignacio.domain import Channel, Conversation, NotFound, Page, PageRequest
from ignacio.domain.workspaces import WorkspaceAccess


class AdminConversationsQuery(msgspec.Struct, frozen=True, kw_only=True):
    page: PageRequest = PageRequest()
    user_id: UUID | None = None
    channel: Channel | None = None
    since: datetime | None = None
    until: datetime | None = None
    search: str | None = None


class AdminListConversations:
    """List the workspace's conversations across members, by member, channel and period of
    last activity.

    - The workspace's admins (and platform admins) only; a filter on someone who is not a
      member of the workspace is a 404, not an empty list.
    - Recorded in the audit log, with the filters.
    """

    def __init__(self, uow: UnitOfWorkFactory, auditor: Auditor) -> None:
        self._uow = uow
        self._auditor = auditor

    async def __call__(
        self, access: WorkspaceAccess, query: AdminConversationsQuery
    ) -> Page[Conversation]:
        access.require_admin()
        workspace_id = access.workspace.id
        async with self._uow() as uow:
            if query.user_id is not None:
                member = await uow.memberships.get(workspace_id, query.user_id)
                if member is None or await uow.users.get(query.user_id) is None:
                    raise NotFound("There is no such user.")
            page = await uow.conversations.list(
                workspace_id,
                query.page,
                user_id=query.user_id,
                channel=query.channel,
                since=query.since,
                until=query.until,
                search=query.search,
            )
            await self._auditor.record(
                uow,
                access.user.id,
                "conversation.list",
                "user" if query.user_id else "conversation",
                query.user_id,
                workspace_id=workspace_id,
                channel=query.channel.value if query.channel else None,
            )
            await uow.commit()
        return page
