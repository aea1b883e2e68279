"""ConversationRepository port."""

from __future__ import annotations

import builtins
from datetime import datetime
from typing import Protocol
from uuid import UUID

import msgspec

from ignacio.domain import Channel, Conversation, Message, Page, PageRequest
from ignacio.domain.handover import ConversationState, ReadMarker, StateChange
from ignacio.domain.workflow import Workflow


class Qualification(msgspec.Struct, frozen=True, kw_only=True):
    """Conversations whose member is (`qualified`) or is not yet qualified by `workflow`, the
    workspace's current steps (see `Progress.qualified`)."""

    workflow: Workflow
    qualified: bool


class InboxFilter(msgspec.Struct, frozen=True, kw_only=True):
    """Which of a workspace's conversations the inbox shows; unset filters show all."""

    states: frozenset[ConversationState] | None = None
    assignee_id: UUID | None = None
    channel: Channel | None = None
    unread: bool | None = None  # for the reader: with member messages they have not read
    search: str | None = None  # in the title
    qualification: Qualification | None = None


class InboxItem(msgspec.Struct, frozen=True, kw_only=True):
    """One line of the inbox: the conversation, its newest message, and how many of the
    member's messages the reader has not read."""

    conversation: Conversation
    last_message: Message | None
    unread: int


class ConversationRepository(Protocol):
    """Conversations, read within one workspace: every read that a caller's request leads to
    names the workspace it acts in, and a conversation of another workspace is not there."""

    async def add(self, conversation: Conversation) -> None:
        """Store a new conversation."""
        ...

    async def get(
        self, workspace_id: UUID, conversation_id: UUID, *, for_update: bool = False
    ) -> Conversation | None:
        """The conversation with this id in this workspace, or None (also when it is in
        another). `for_update`: until the unit of work ends, no other one changes its state
        (what keeps an answer from being stored just as a person takes the conversation)."""
        ...

    async def latest_for(
        self, workspace_id: UUID, user_id: UUID, channel: Channel
    ) -> Conversation | None:
        """The member's most recently active conversation in this workspace on this channel,
        or None."""
        ...

    async def update(self, conversation: Conversation) -> None:
        """Store the conversation's title, number and activity (same id); it stays in the
        workspace it was added to, whatever `conversation.workspace_id` says. Its state is not
        written here (`change_state` does), and `last_member_message_at` never moves back, so an
        update from a copy read a moment ago loses nothing done meanwhile."""
        ...

    async def change_state(self, before: Conversation, after: Conversation) -> bool:
        """Move the conversation from `before`'s state and assignee to `after`'s, if it still
        has `before`'s; False when someone changed it meanwhile (nothing is written then)."""
        ...

    async def record_change(self, change: StateChange) -> None:
        """Keep a change of state in the conversation's history."""
        ...

    async def changes(
        self, workspace_id: UUID, conversation_id: UUID, limit: int
    ) -> builtins.list[StateChange]:
        """The conversation's latest `limit` changes of state, oldest first."""
        ...

    async def assigned_to(
        self, workspace_id: UUID | None, assignee_id: UUID
    ) -> builtins.list[Conversation]:
        """The conversations `assignee_id` has, in one workspace or, None, in every one."""
        ...

    async def mark_read(self, marker: ReadMarker) -> None:
        """Set how far the marker's person has read the conversation."""
        ...

    async def inbox(
        self, workspace_id: UUID, reader_id: UUID, page: PageRequest, filter: InboxFilter
    ) -> Page[InboxItem]:
        """The workspace's conversations for its team, by last activity (`updated_at`, then
        id), each with its newest message and the reader's unread count."""
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
