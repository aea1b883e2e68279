"""ConversationRepository port."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol
from uuid import UUID

from ignacio.domain import Channel, Conversation, Page, PageRequest


class ConversationRepository(Protocol):
    """Conversations, read within one workspace: every read that a caller's request leads to
    names the workspace it acts in, and a conversation of another workspace is not there."""

    async def add(self, conversation: Conversation) -> None:
        """Store a new conversation."""
        ...

    async def get(self, workspace_id: UUID, conversation_id: UUID) -> Conversation | None:
        """The conversation with this id in this workspace, or None (also when it is in
        another)."""
        ...

    async def latest_for(
        self, workspace_id: UUID, user_id: UUID, channel: Channel
    ) -> Conversation | None:
        """The member's most recently active conversation in this workspace on this channel,
        or None."""
        ...

    async def update(self, conversation: Conversation) -> None:
        """Replace the stored conversation with this one (same id); it stays in the workspace it
        was added to, whatever `conversation.workspace_id` says."""
        ...

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
        """The workspace's conversations by last activity (`updated_at`, then id), filtered by
        what is given."""
        ...
