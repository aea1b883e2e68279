"""What the use cases share about summaries: what one is written from, the summary made of a
draft, and the latest one as the team reads it (with whether the conversation moved on since)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec

from ignacio.application.ports import SummaryDraft, SummarySource, UnitOfWork
from ignacio.domain import Conversation, Message, User
from ignacio.domain.handover import Transition
from ignacio.domain.summaries import ConversationSummary, SummaryWindow, fit_summary
from ignacio.domain.workspaces import Workspace

CHANGES_READ = 20
"""The conversation's latest changes of state searched for why it was handed over."""


class SummaryView(msgspec.Struct, frozen=True, kw_only=True):
    """A summary as the team reads it: stale once the conversation has a newer message, and
    with the person who asked for it (None: made at a handoff, or that person is gone)."""

    summary: ConversationSummary
    stale: bool
    requested_by: User | None = None


async def newest_message(uow: UnitOfWork, conversation_id: UUID) -> Message | None:
    recent = await uow.messages.recent(conversation_id, 1)
    return recent[-1] if recent else None


async def latest_summary(
    uow: UnitOfWork, conversation: Conversation, people: dict[UUID, User] | None = None
) -> SummaryView | None:
    """The conversation's newest summary, or None; `people` may already hold who asked for it."""
    summary = await uow.summaries.latest(conversation.workspace_id, conversation.id)
    if summary is None:
        return None
    asker = None
    if summary.requested_by is not None:
        known = people or {}
        asker = known.get(summary.requested_by) or await uow.users.get(summary.requested_by)
    return SummaryView(
        summary=summary,
        stale=summary.stale(await newest_message(uow, conversation.id)),
        requested_by=asker,
    )


async def summary_source(
    uow: UnitOfWork,
    window: SummaryWindow,
    workspace: Workspace,
    conversation: Conversation,
    recent: list[Message] | None = None,
) -> SummarySource | None:
    """What a summary of the conversation is written from; None when it has no message yet (or
    none but ones their member deleted).
    `recent`: its newest `window.max_messages + 1` messages, when the caller read them already."""
    if recent is None:
        recent = await uow.messages.recent(conversation.id, window.max_messages + 1)
    if not recent:
        return None
    messages = window.select(recent)
    if not messages:
        return None
    changes = await uow.conversations.changes(workspace.id, conversation.id, CHANGES_READ)
    reason = next(
        (change.reason for change in reversed(changes) if change.transition is Transition.HANDOFF),
        None,
    )
    return SummarySource(
        workspace=workspace,
        member=await uow.users.get(conversation.user_id),
        conversation=conversation,
        messages=messages,
        earlier=len(recent) > len(messages),
        reason=reason,
    )


def summary_of(
    draft: SummaryDraft,
    source: SummarySource,
    *,
    id: UUID,
    at: datetime,
    requested_by: UUID | None,
) -> ConversationSummary:
    """The summary a writer's draft makes of `source`, covering its newest message."""
    newest = source.messages[-1]
    return ConversationSummary(
        id=id,
        workspace_id=source.conversation.workspace_id,
        conversation_id=source.conversation.id,
        text=fit_summary(draft.text),
        model=draft.model,
        input_tokens=draft.input_tokens,
        output_tokens=draft.output_tokens,
        latency_ms=draft.latency_ms,
        last_message_id=newest.id,
        last_message_at=newest.created_at,
        messages_read=len(source.messages),
        requested_by=requested_by,
        created_at=at,
    )
