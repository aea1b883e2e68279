"""The HTTP shapes of the team inbox."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec

from ignacio.application.summaries import SummaryView
from ignacio.application.use_cases.list_messages import TEAM
from ignacio.application.use_cases.team_inbox import InboxLine, InboxThread
from ignacio.domain import Channel, Conversation, Delivery, Message, User, WhatsAppIdentity
from ignacio.domain.conversations import MAX_CAPTION_LENGTH, MAX_MESSAGE_LENGTH
from ignacio.domain.deliveries import explain_failure
from ignacio.domain.handover import Actor, ConversationState, StateChange, Transition
from ignacio.domain.workflow import ProgressSummary
from ignacio.entrypoints.http.schemas import MessageOut, Schema, UserOut


class PersonOut(Schema):
    """A person of the team, as others see them: no phone number."""

    id: UUID
    name: str | None

    @classmethod
    def of(cls, user: User | None) -> PersonOut | None:
        return None if user is None else cls(id=user.id, name=user.name)


class ProgressSummaryOut(Schema):
    """How far the member is: steps answered of all, and of the required ones."""

    qualified: bool
    done: int
    total: int
    required_done: int
    required: int

    @classmethod
    def of(cls, summary: ProgressSummary) -> ProgressSummaryOut:
        return cls(
            qualified=summary.qualified,
            done=summary.done,
            total=summary.steps,
            required_done=summary.required_done,
            required=summary.required,
        )


class InboxConversationOut(Schema):
    id: UUID
    title: str | None
    channel: Channel
    state: ConversationState
    """`assistant` (it answers), `waiting` (for a person), `human` (`assignee` has it), `closed`."""
    state_since: datetime | None
    assignee: PersonOut | None
    member: UserOut | None
    last_message: MessageOut | None
    unread: int | None
    """The member's messages the caller has not read (at most 100); null in a single thread."""
    last_member_message_at: datetime | None
    window_closes_at: datetime | None
    """On WhatsApp, when free text to the member stops being allowed (24 hours after their last
    message); past it, only the workspace's template. Null on the web."""
    created_at: datetime
    updated_at: datetime
    progress: ProgressSummaryOut | None = None
    """How far the member is through the workspace's workflow steps; null when it has none
    (and in a single thread: see its `/progress`)."""

    @classmethod
    def of(
        cls,
        conversation: Conversation,
        member: User | None,
        assignee: User | None,
        last_message: Message | None = None,
        unread: int | None = None,
        member_identity: WhatsAppIdentity | None = None,
    ) -> InboxConversationOut:
        return cls(
            id=conversation.id,
            title=conversation.title,
            channel=conversation.channel,
            state=conversation.state,
            state_since=conversation.state_since,
            assignee=PersonOut.of(assignee),
            member=None if member is None else UserOut.of(member, member_identity),
            last_message=None if last_message is None else MessageOut.of(last_message),
            unread=unread,
            last_member_message_at=conversation.last_member_message_at,
            window_closes_at=conversation.window_closes_at(),
            created_at=conversation.created_at,
            updated_at=conversation.updated_at,
        )

    @classmethod
    def of_line(cls, line: InboxLine) -> InboxConversationOut:
        out = cls.of(
            line.conversation,
            line.member,
            line.assignee,
            line.last_message,
            line.unread,
            line.member_identity,
        )
        if line.progress is None:
            return out
        return msgspec.structs.replace(out, progress=ProgressSummaryOut.of(line.progress))


class StateChangeOut(Schema):
    """One change of who answers, as the thread shows it."""

    id: UUID
    transition: Transition
    from_state: ConversationState
    to_state: ConversationState
    actor: Actor
    actor_person: PersonOut | None
    """The member or the person of the team who made it; null for the assistant."""
    assignee: PersonOut | None
    reason: str | None
    created_at: datetime

    @classmethod
    def of(cls, change: StateChange, people: dict[UUID, User]) -> StateChangeOut:
        return cls(
            id=change.id,
            transition=change.transition,
            from_state=change.from_state,
            to_state=change.to_state,
            actor=change.actor,
            actor_person=PersonOut.of(people.get(change.actor_id)) if change.actor_id else None,
            assignee=PersonOut.of(people.get(change.assignee_id)) if change.assignee_id else None,
            reason=change.reason,
            created_at=change.created_at,
        )


class SummaryOut(Schema):
    """A summary of the conversation, for the person taking it over to read first."""

    id: UUID
    text: str
    model: str | None
    """The model that wrote it; `offline`: an extractive summary, lines quoted from the
    conversation by fixed rules (no model is configured)."""
    input_tokens: int | None
    output_tokens: int | None
    latency_ms: int | None
    automatic: bool
    """Made by itself when the conversation was handed to the team; false: asked for."""
    requested_by: PersonOut | None
    last_message_id: UUID
    last_message_at: datetime
    """It covers the conversation up to this message, the newest it read."""
    messages_read: int
    stale: bool
    """The conversation has messages newer than it covers: ask for a new one."""
    created_at: datetime

    @classmethod
    def of(cls, view: SummaryView) -> SummaryOut:
        summary = view.summary
        return cls(
            id=summary.id,
            text=summary.text,
            model=summary.model,
            input_tokens=summary.input_tokens,
            output_tokens=summary.output_tokens,
            latency_ms=summary.latency_ms,
            automatic=summary.automatic,
            requested_by=PersonOut.of(view.requested_by),
            last_message_id=summary.last_message_id,
            last_message_at=summary.last_message_at,
            messages_read=summary.messages_read,
            stale=view.stale,
            created_at=summary.created_at,
        )


class InboxThreadOut(Schema):
    conversation: InboxConversationOut
    changes: list[StateChangeOut]
    """The latest 100 changes of state, oldest first."""
    summary: SummaryOut | None
    """Its newest summary (null when it has none)."""

    @classmethod
    def of(cls, thread: InboxThread) -> InboxThreadOut:
        return cls(
            conversation=InboxConversationOut.of(
                thread.conversation,
                thread.member,
                thread.assignee,
                member_identity=thread.member_identity,
            ),
            changes=[StateChangeOut.of(change, thread.people) for change in thread.changes],
            summary=None if thread.summary is None else SummaryOut.of(thread.summary),
        )


class FailureOut(Schema):
    """Why a message was not delivered."""

    code: int | None
    """The provider's error code (Meta's, such as 131047, or Twilio's)."""
    provider_reason: str | None
    """The provider's own words."""
    explanation: str
    """What it means, for a person: and what to do about it."""

    @classmethod
    def of(cls, part: Delivery) -> FailureOut:
        return cls(
            code=part.error_code,
            provider_reason=part.error_title,
            explanation=explain_failure(part.error_code, part.error_title),
        )


class TeamMessageOut(MessageOut, kw_only=True):
    """A message as the team sees it: with the person who wrote it by hand, why it failed, and
    what the member first wrote before editing it."""

    sent_by: PersonOut | None = None
    failure: FailureOut | None = None
    original_text: str | None = None
    """An edited message (`edited`): what the member first wrote; null otherwise, and for a
    deleted message."""

    @classmethod
    def of_team(
        cls,
        message: Message,
        people: dict[UUID, User],
        failures: dict[UUID, Delivery] | None = None,
    ) -> TeamMessageOut:
        sender = people.get(message.sent_by) if message.sent_by else None
        base = msgspec.structs.asdict(
            MessageOut.of(message, None if sender is None else sender.name or TEAM)
        )
        failed = (failures or {}).get(message.id)
        return cls(
            **base,
            sent_by=PersonOut.of(sender),
            failure=None if failed is None else FailureOut.of(failed),
            original_text=None if message.is_revoked else message.original_text,
        )


class TakeBody(Schema):
    assignee_id: UUID | None = None
    """Whom to give it to (an agent or admin of the workspace); left out, the caller."""


class TemplateBody(Schema):
    parameters: Annotated[
        list[Annotated[str, msgspec.Meta(max_length=1_024)]], msgspec.Meta(max_length=10)
    ] = []
    """The values of the workspace template's variables, in order."""


class DocumentBody(Schema):
    document_id: UUID
    """A document of the workspace's knowledge base."""
    caption: Annotated[str, msgspec.Meta(max_length=MAX_CAPTION_LENGTH)] | None = None
    """What the member reads with it (WhatsApp takes 1,024 characters at most)."""


class ReplyBody(Schema):
    content: Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_MESSAGE_LENGTH)]
