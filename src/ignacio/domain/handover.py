"""Who answers a conversation: the assistant, nobody yet (waiting for the team), or one person of
the team; and the record of each change between them.

The rules live on `Conversation` (its transitions); this module holds what they speak of, so
that `conversations` stays about messages.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID

import msgspec

from ignacio.domain.commands import CommandName, parse_command
from ignacio.domain.errors import InvalidInput

MAX_REASON_LENGTH = 500

WHATSAPP_WINDOW = timedelta(hours=24)
"""How long after a member's last message WhatsApp takes free-form messages to them; later,
only an approved template goes through (Meta's error 131047)."""

OUTSIDE_WINDOW_CODE = 131047
OUTSIDE_WINDOW_REASON = (
    "More than 24 hours have passed since the member last wrote, so WhatsApp only accepts an "
    "approved template now."
)


class ConversationState(StrEnum):
    """Who answers the member."""

    ASSISTANT = "assistant"  # the assistant answers
    WAITING = "waiting"  # handed to the team; nobody has taken it yet, and the assistant is quiet
    HUMAN = "human"  # one person of the team has it; the assistant is quiet
    CLOSED = "closed"  # done; the member's next message opens it again, with the assistant

    @property
    def assistant_answers(self) -> bool:
        """Whether the assistant answers a message written in this state (a closed conversation
        is opened again by the message, with the assistant)."""
        return self in (ConversationState.ASSISTANT, ConversationState.CLOSED)

    @property
    def with_team(self) -> bool:
        return self in (ConversationState.WAITING, ConversationState.HUMAN)


class Actor(StrEnum):
    """Who made a change of state happen."""

    MEMBER = "member"  # asked for a person, or wrote in a closed conversation
    ASSISTANT = "assistant"  # handed over when it could not help
    TEAM = "team"  # an agent or admin took, gave back or closed it


class Transition(StrEnum):
    """What happened; the names the audit log and the thread show (`conversation.<value>`)."""

    HANDOFF = "handoff"  # to the team, waiting for a person
    TAKE = "take"  # a person of the team has it (took it, or was given it)
    HAND_BACK = "hand_back"  # back to the assistant
    CLOSE = "close"
    REOPEN = "reopen"  # the member wrote in a closed conversation
    RELEASE = "release"  # the person who had it left the team: back to the waiting line


class StateChange(msgspec.Struct, frozen=True, kw_only=True):
    """One change of a conversation's state, kept for its thread and its figures: who, when,
    from what to what, to whom it went (`assignee_id`, for a take) and why."""

    id: UUID
    workspace_id: UUID
    conversation_id: UUID
    transition: Transition
    from_state: ConversationState
    to_state: ConversationState
    actor: Actor
    actor_id: UUID | None = None  # the member or the person of the team; None: the assistant
    assignee_id: UUID | None = None
    reason: str | None = None
    created_at: datetime


def check_reason(reason: str | None) -> str | None:
    """Why a conversation was handed over: a line of at most 500 characters, or nothing."""
    if reason is None:
        return None
    cleaned = " ".join(reason.split())
    if len(cleaned) > MAX_REASON_LENGTH:
        raise InvalidInput(f"A reason can have at most {MAX_REASON_LENGTH} characters.")
    return cleaned or None


def handoff_notice(organisation: str) -> str:
    """What the member is told, once, when their conversation goes to the team."""
    return (
        f"I've asked the team of {organisation} to take over. A person will answer you here as "
        "soon as they can; until then I'll stay quiet. You can keep writing: they will see "
        "everything."
    )


class ReadMarker(msgspec.Struct, frozen=True, kw_only=True):
    """How far one person of the team has read a conversation: the member's messages written
    after `read_until` are unread for them."""

    conversation_id: UUID
    user_id: UUID
    read_until: datetime

    @classmethod
    def unread_from(cls, conversation_id: UUID, user_id: UUID, at: datetime) -> ReadMarker:
        """Marked unread: read up to just before the message written at `at`."""
        return cls(
            conversation_id=conversation_id,
            user_id=user_id,
            read_until=at - timedelta(microseconds=1),
        )


class HandoffRequest(msgspec.Struct, frozen=True, kw_only=True):
    """The assistant's wish to hand the conversation to the team: because the member asked for
    a person (`by_member`), or because it cannot help them (`reason` says why)."""

    reason: str | None = None
    by_member: bool = False

    @property
    def actor(self) -> Actor:
        return Actor.MEMBER if self.by_member else Actor.ASSISTANT


HUMAN_COMMAND = f"/{CommandName.HUMAN.value}"
ASKED_FOR_A_PERSON = "The member asked for a person."


def asks_for_a_person(text: str) -> bool:
    """Whether the member typed the command that asks for a person of the team (`/human`, in
    the command table of `ignacio.domain.commands`)."""
    command = parse_command(text)
    return command is not None and command.name is CommandName.HUMAN
