"""ListConversations: the member's own conversations."""

from __future__ import annotations

import msgspec

from ignacio.application.ports import UnitOfWorkFactory
from ignacio.domain import Conversation, Page, PageRequest
from ignacio.domain.workspaces import WorkspaceAccess


class ListConversationsQuery(msgspec.Struct, frozen=True, kw_only=True):
    page: PageRequest = PageRequest()
    search: str | None = None


class ListConversations:
    """List the caller's conversations in the workspace they act in, most recently active
    first; `search` matches titles."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(
        self, access: WorkspaceAccess, query: ListConversationsQuery
    ) -> Page[Conversation]:
        async with self._uow(read_only=True) as uow:
            return await uow.conversations.list(
                access.workspace.id, query.page, user_id=access.user.id, search=query.search
            )
