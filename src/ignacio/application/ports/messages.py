"""MessageRepository port."""

from __future__ import annotations

import builtins
from typing import Protocol
from uuid import UUID

from ignacio.domain import Message, Page, PageRequest


class MessageRepository(Protocol):
    """Messages. What a caller reads (`list`, `list_owned`) is read within one workspace. The
    rest (`get`, `update`, `reply_to`, `recent`, `pending_processing`) serves our own pipeline,
    which reaches a message by an id it took from our job queue or from a conversation it
    already holds (ids are globally unique UUIDs no caller chooses): those stay unscoped."""

    async def add(self, message: Message) -> None:
        """Store a new message; raises Conflict if its external id, or the message it replies
        to, is already taken (how inbound de-duplication and one-answer-per-message hold)."""
        ...

    async def get(self, message_id: UUID) -> Message | None:
        """The message with this id, or None."""
        ...

    async def update(self, message: Message) -> None:
        """Replace the stored message with this one (same id); it stays in the workspace it was
        added to."""
        ...

    async def reply_to(self, message_id: UUID) -> Message | None:
        """The answer to this message, or None."""
        ...

    async def pending_processing(self, limit: int) -> builtins.list[UUID]:
        """Inbound messages whose processing has not finished, oldest first."""
        ...

    async def list(
        self, workspace_id: UUID, conversation_id: UUID, page: PageRequest
    ) -> Page[Message]:
        """A conversation's messages by creation time, then id, in the page's order; none if
        the conversation is in another workspace."""
        ...

    async def list_owned(
        self, workspace_id: UUID, conversation_id: UUID, owner_id: UUID, page: PageRequest
    ) -> Page[Message] | None:
        """`list`, if the conversation is in this workspace and belongs to `owner_id`; None if
        it does not, or if there is no such conversation (they look alike on purpose)."""
        ...

    async def recent(self, conversation_id: UUID, limit: int) -> builtins.list[Message]:
        """The last `limit` messages of a conversation, oldest first."""
        ...
