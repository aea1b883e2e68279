"""AdminListConversations: every conversation, filtered, for admins."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec

from ignacio.application.auditing import Auditor
from ignacio.application.authorization import existing_user, require_admin
from ignacio.application.ports import UnitOfWorkFactory
from ignacio.domain import Channel, Conversation, Page, PageRequest, User


class AdminConversationsQuery(msgspec.Struct, frozen=True, kw_only=True):
    page: PageRequest = PageRequest()
    user_id: UUID | None = None
    channel: Channel | None = None
    since: datetime | None = None
    until: datetime | None = None
    search: str | None = None


class AdminListConversations:
    """List conversations across members, by member, channel and period of last activity.

    - Admins only; a filter on a member who does not exist is a 404, not an empty list.
    - Recorded in the audit log, with the filters.
    """

    def __init__(self, uow: UnitOfWorkFactory, auditor: Auditor) -> None:
        self._uow = uow
        self._auditor = auditor

    async def __call__(self, actor: User, query: AdminConversationsQuery) -> Page[Conversation]:
        require_admin(actor)
        async with self._uow() as uow:
            if query.user_id is not None:
                await existing_user(uow, query.user_id)
            page = await uow.conversations.list(
                query.page,
                user_id=query.user_id,
                channel=query.channel,
                since=query.since,
                until=query.until,
                search=query.search,
            )
            await self._auditor.record(
                uow,
                actor.id,
                "conversation.list",
                "user" if query.user_id else "conversation",
                query.user_id,
                channel=query.channel.value if query.channel else None,
            )
            await uow.commit()
        return page
