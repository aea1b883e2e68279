"""MessageRepository port."""

from __future__ import annotations

import builtins
from typing import Protocol
from uuid import UUID

from ignacio.domain import Message, Page, PageRequest


class MessageRepository(Protocol):
    """Messages. What a caller reads (`list`, `list_owned`) is read within one workspace. The
    rest (`get`, `update`, `revise`, `reply_to`, `recent`, `pending_processing`, `by_external_id`)
    serves our own pipeline, which reaches a message by an id it took from our job queue, from
    a conversation it already holds, or from the provider that delivered it: those stay
    unscoped (the pipeline checks the sender itself)."""

    async def add(self, message: Message) -> None:
        """Store a new message; raises Conflict if its external id, or the message and revision
        it replies to, is already taken (how inbound de-duplication and one answer per message
        and revision hold)."""
        ...

    async def get(self, message_id: UUID, *, for_update: bool = False) -> Message | None:
        """The message with this id, or None. `for_update`: locked until the unit of work ends,
        so that a `revise` and a run of the pipeline on it take turns."""
        ...

    async def by_external_id(self, external_id: str) -> Message | None:
        """The message the provider knows by this id, or None."""
        ...

    async def update(self, message: Message) -> None:
        """Replace the stored message with this one (same id), except what only `revise`
        changes (what it says, what it first said, when it was edited or deleted, its
        revision): so that the pipeline, saving a step on a copy it read before, never undoes
        an edit or a deletion. It stays in the workspace it was added to."""
        ...

    async def revise(self, message: Message) -> None:
        """Store what an edit or a deletion changed: the message's words (`content`,
        `original_text`, `edited_at`), `revoked_at`, `revision` and `processing`."""
        ...

    async def reply_to(self, message_id: UUID) -> Message | None:
        """The newest answer to this message (the one to its highest revision answered), or
        None."""
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
