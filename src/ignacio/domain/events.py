"""What changed in a workspace's conversations, as the open web apps are told it: the inbox and
the member's chat refresh what an event names instead of reloading.

An event says what changed and where (ids and states), never what was written: a client reads
the message or the conversation through the API, with its rights checked there. So an event
carries no message text, no phone number and no name, and one sent to the wrong stream would
give away no more than that something happened.

Events are numbered in the order they are stored (`id`, the stream's cursor, which a client
that reconnects hands back). Numbers are given when a transaction stores its events, but
transactions commit in any order; `passable` is the rule a reader follows so that it never moves
past an event that is about to appear.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID

import msgspec

from ignacio.domain.conversations import Conversation, Message
from ignacio.domain.summaries import ConversationSummary

GAP_PATIENCE = timedelta(seconds=5)
"""How long a reader waits for a missing number to appear before taking it as never coming.

A transaction stores its events just before it commits (one statement, then COMMIT), so a number
missing for longer is one whose transaction rolled back after taking it (the commit failed): a
sequence does not give numbers back. A commit held up for longer than this (a stalled disk) is
the one case where a live stream could miss an event; a client that reconnects from before it
still reads it, from the table."""


class EventKind(StrEnum):
    """What changed; the SSE `event` field."""

    MESSAGE = "message"  # a message was added to the conversation
    MESSAGE_CHANGED = "message_changed"  # its member edited or deleted a message of it
    DELIVERY = "delivery"  # an outgoing message's delivery status changed
    CONVERSATION = "conversation"  # who answers it changed, or a person of the team read it
    SUMMARY = "summary"  # a summary of it was written for the team


class Audience(msgspec.Struct, frozen=True, kw_only=True):
    """Who a stream is for: the workspace's team (every conversation of the workspace), or one
    person about their own conversations (`team` False)."""

    user_id: UUID
    team: bool


class WorkspaceEvent(msgspec.Struct, frozen=True, kw_only=True):
    """One change in one conversation of a workspace.

    `member_id` is the conversation's member, whose own stream shows it. `data` is what a client
    needs to refresh, with the API's camelCase keys: the conversation's and message's ids, the
    author, a delivery status, a state and assignee. `id` is given when the event is stored
    (0 until then).
    """

    id: int = 0
    workspace_id: UUID
    conversation_id: UUID
    member_id: UUID
    kind: EventKind
    data: dict[str, str | None]
    created_at: datetime

    @classmethod
    def message_added(cls, message: Message, at: datetime) -> WorkspaceEvent:
        """`message` was stored: the member's, an answer, a notice, a reply by hand."""
        return cls._about(message, EventKind.MESSAGE, at, author=message.author.value)

    @classmethod
    def message_changed(cls, message: Message, at: datetime) -> WorkspaceEvent:
        """The member edited `message` (`change` is `edited`) or deleted it (`deleted`)."""
        change = "deleted" if message.is_revoked else "edited"
        return cls._about(message, EventKind.MESSAGE_CHANGED, at, change=change)

    @classmethod
    def delivery_changed(cls, message: Message, at: datetime) -> WorkspaceEvent:
        """`message`'s delivery status is now its `delivery_status`."""
        return cls._about(message, EventKind.DELIVERY, at, status=message.delivery_status.value)

    @classmethod
    def _about(cls, message: Message, kind: EventKind, at: datetime, **data: str) -> WorkspaceEvent:
        """An event about one message, named by its conversation and id, with `data` besides."""
        return cls(
            workspace_id=message.workspace_id,
            conversation_id=message.conversation_id,
            member_id=message.user_id,
            kind=kind,
            data={
                "conversationId": str(message.conversation_id),
                "messageId": str(message.id),
                **data,
            },
            created_at=at,
        )

    @classmethod
    def conversation_changed(
        cls, conversation: Conversation, at: datetime, *, read_by: UUID | None = None
    ) -> WorkspaceEvent:
        """Who answers `conversation` changed (its state and assignee as they are now), or, with
        `read_by`, that person of the team marked it read or unread (their unread count)."""
        data: dict[str, str | None] = {
            "conversationId": str(conversation.id),
            "state": conversation.state.value,
            "assigneeId": None
            if conversation.assignee_id is None
            else str(conversation.assignee_id),
        }
        if read_by is not None:
            data["readBy"] = str(read_by)
        return cls(
            workspace_id=conversation.workspace_id,
            conversation_id=conversation.id,
            member_id=conversation.user_id,
            kind=EventKind.CONVERSATION,
            data=data,
            created_at=at,
        )

    @classmethod
    def summary_added(
        cls, summary: ConversationSummary, conversation: Conversation, at: datetime
    ) -> WorkspaceEvent:
        """`summary` of `conversation` was kept: the team's open thread shows it."""
        return cls(
            workspace_id=summary.workspace_id,
            conversation_id=summary.conversation_id,
            member_id=conversation.user_id,
            kind=EventKind.SUMMARY,
            data={"conversationId": str(summary.conversation_id), "summaryId": str(summary.id)},
            created_at=at,
        )

    @property
    def read_by(self) -> str | None:
        """The person whose read marker this event is about (None: not a read marker)."""
        return self.data.get("readBy")

    def seen_by(self, audience: Audience) -> WorkspaceEvent | None:
        """The event as `audience` may see it, or None when it is not theirs to see.

        - The team sees every event of the workspace, except another person's read marker (an
          unread count is each person's own).
        - A member sees the events of their own conversations, without read markers (what the
          team read is the team's), without summaries (written for the team) and without the
          assignee's id (the member's API names the person who answers, never their id).
        """
        if audience.team:
            reader = self.read_by
            if reader is not None and reader != str(audience.user_id):
                return None
            return self
        if (
            self.member_id != audience.user_id
            or self.read_by is not None
            or self.kind is EventKind.SUMMARY
        ):
            return None
        if "assigneeId" not in self.data:
            return self
        shown = {key: value for key, value in self.data.items() if key != "assigneeId"}
        return msgspec.structs.replace(self, data=shown)


def passable(
    cursor: int,
    events: Sequence[WorkspaceEvent],
    now: datetime,
    patience: timedelta = GAP_PATIENCE,
) -> tuple[list[WorkspaceEvent], int]:
    """Of `events` (read in order of id, all after `cursor`), those a reader may hand out now,
    and its cursor after them.

    A number missing between the cursor and an event belongs to a transaction that has not
    committed yet, or never will (it rolled back). Before an event younger than `patience` the
    reader stops: the missing one may still appear, and moving past it would lose it for good
    (a client's cursor only moves forward). Before an older event it is taken as rolled back and
    passed.
    """
    passed: list[WorkspaceEvent] = []
    for event in events:
        if event.id <= cursor:
            continue
        if event.id != cursor + 1 and now - event.created_at < patience:
            break
        passed.append(event)
        cursor = event.id
    return passed, cursor
