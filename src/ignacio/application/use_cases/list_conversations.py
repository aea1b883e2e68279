"""ListConversations: the member's own conversations."""

from __future__ import annotations

import msgspec

from ignacio.application.ports import UnitOfWorkFactory
from ignacio.domain import Conversation, Page, PageRequest, User


class ListConversationsQuery(msgspec.Struct, frozen=True, kw_only=True):
    page: PageRequest = PageRequest()
    search: str | None = None


class ListConversations:
    """List the caller's conversations, most recently active first; `search` matches titles."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, me: User, query: ListConversationsQuery) -> Page[Conversation]:
        async with self._uow(read_only=True) as uow:
            return await uow.conversations.list(query.page, user_id=me.id, search=query.search)
