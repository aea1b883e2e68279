"""Telling the open web apps what a use case changed: one line per change, in the unit of work
that makes it (the event is stored exactly when the change is; see `domain.events`).

Every use case that changes what an inbox or a chat shows calls one of these: a message stored
(the member's, an answer, a notice, a reply by hand), a message its member edited or deleted,
a delivery status that moved, who answers
a conversation (`apply_change`, the one place states change), a read marker, and a summary
kept for the team.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from ignacio.application.ports import UnitOfWork
from ignacio.domain import Conversation, Message
from ignacio.domain.events import WorkspaceEvent
from ignacio.domain.summaries import ConversationSummary


async def message_added(uow: UnitOfWork, message: Message, at: datetime) -> None:
    await uow.events.append(WorkspaceEvent.message_added(message, at))


async def message_changed(uow: UnitOfWork, message: Message, at: datetime) -> None:
    await uow.events.append(WorkspaceEvent.message_changed(message, at))


async def delivery_settled(uow: UnitOfWork, before: Message, after: Message, at: datetime) -> None:
    """`after` is `before` with its delivery status worked out again: told only if it moved."""
    if after.delivery_status is not before.delivery_status:
        await uow.events.append(WorkspaceEvent.delivery_changed(after, at))


async def conversation_changed(uow: UnitOfWork, conversation: Conversation, at: datetime) -> None:
    await uow.events.append(WorkspaceEvent.conversation_changed(conversation, at))


async def conversation_read(
    uow: UnitOfWork, conversation: Conversation, reader: UUID, at: datetime
) -> None:
    """`reader` marked it read or unread: their other tabs update their unread count."""
    await uow.events.append(WorkspaceEvent.conversation_changed(conversation, at, read_by=reader))


async def summary_added(
    uow: UnitOfWork, summary: ConversationSummary, conversation: Conversation
) -> None:
    await uow.events.append(WorkspaceEvent.summary_added(summary, conversation, summary.created_at))
