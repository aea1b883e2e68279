"""ConversationRepository port."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol
from uuid import UUID

from ignacio.domain import Channel, Conversation, Page, PageRequest


class ConversationRepository(Protocol):
    async def add(self, conversation: Conversation) -> None:
        """Store a new conversation."""
        ...

    async def get(self, conversation_id: UUID) -> Conversation | None:
        """The conversation with this id, or None."""
        ...

    async def latest_for(self, user_id: UUID, channel: Channel) -> Conversation | None:
        """The member's most recently active conversation on this channel, or None."""
        ...

    async def update(self, conversation: Conversation) -> None:
        """Replace the stored conversation with this one (same id)."""
        ...

    async def list(
        self,
        page: PageRequest,
        *,
        user_id: UUID | None = None,
        channel: Channel | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        search: str | None = None,
    ) -> Page[Conversation]:
        """Conversations by last activity (`updated_at`, then id), filtered by what is given."""
        ...
