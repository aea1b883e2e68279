"""ConversationRepository in memory, ordered and filtered as the SQL one is."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec

from ignacio.adapters.memory.queries import needle, paginate
from ignacio.adapters.memory.store import InMemoryStore
from ignacio.domain import Channel, Conflict, Conversation, NotFound, Page, PageRequest


class InMemoryConversationRepository:
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    async def add(self, conversation: Conversation) -> None:
        if conversation.id in self._store.conversations:
            raise Conflict("A conversation with this id already exists.")
        if conversation.user_id not in self._store.users:
            raise NotFound("There is no such user.")
        if conversation.workspace_id not in self._store.workspaces:
            raise NotFound("There is no such workspace.")
        self._store.conversations[conversation.id] = conversation

    async def get(self, workspace_id: UUID, conversation_id: UUID) -> Conversation | None:
        conversation = self._store.conversations.get(conversation_id)
        if conversation is None or conversation.workspace_id != workspace_id:
            return None
        return conversation

    async def latest_for(
        self, workspace_id: UUID, user_id: UUID, channel: Channel
    ) -> Conversation | None:
        theirs = [
            conversation
            for conversation in self._store.conversations.values()
            if conversation.workspace_id == workspace_id
            and conversation.user_id == user_id
            and conversation.channel is channel
        ]
        return max(theirs, key=lambda c: (c.updated_at, c.id), default=None)

    async def update(self, conversation: Conversation) -> None:
        stored = self._store.conversations.get(conversation.id)
        if stored is None:
            raise NotFound("There is no such conversation.")
        # As the SQL update, which never writes the column: it stays in its workspace.
        self._store.conversations[conversation.id] = msgspec.structs.replace(
            conversation, workspace_id=stored.workspace_id
        )

    async def list(
        self,
        workspace_id: UUID,
        page: PageRequest,
        *,
        user_id: UUID | None = None,
        channel: Channel | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        search: str | None = None,
    ) -> Page[Conversation]:
        text = needle(search)

        def wanted(conversation: Conversation) -> bool:
            return (
                conversation.workspace_id == workspace_id
                and (user_id is None or conversation.user_id == user_id)
                and (channel is None or conversation.channel is channel)
                and (since is None or conversation.updated_at >= since)
                and (until is None or conversation.updated_at < until)
                and (
                    text is None
                    or (conversation.title is not None and text in conversation.title.lower())
                )
            )

        chosen = filter(wanted, self._store.conversations.values())
        return paginate(chosen, lambda conversation: conversation.updated_at, page)
