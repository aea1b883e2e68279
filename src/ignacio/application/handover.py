"""Changing who answers a conversation, the same way from every use case: a compare-and-set on
its state, the change kept in its history, the audit log, the open web apps told, and the
member told once."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from ignacio.application.auditing import Auditor
from ignacio.application.events import conversation_changed, message_added
from ignacio.application.ports import Clock, IdGenerator, JobQueue, UnitOfWork
from ignacio.domain import Channel, Conflict, Conversation, Message
from ignacio.domain.handover import (
    ASKED_FOR_A_PERSON,
    Actor,
    StateChange,
    Transition,
    handoff_notice,
)
from ignacio.domain.workspaces import Workspace

CHANGED_MEANWHILE = (
    "Someone changed who answers this conversation a moment ago. Reload it and try again."
)


async def apply_change(
    uow: UnitOfWork,
    auditor: Auditor,
    before: Conversation,
    after: Conversation,
    change: StateChange | None,
) -> None:
    """Store `change` (None: nothing to do). Conflict if the conversation's state is no longer
    `before`'s: two people taking one conversation at once, one of them wins, never both."""
    if change is None:
        return
    if not await uow.conversations.change_state(before, after):
        raise Conflict(CHANGED_MEANWHILE)
    await uow.conversations.record_change(change)
    await conversation_changed(uow, after, change.created_at)
    details: dict[str, object] = {"by": change.actor.value, "to": change.to_state.value}
    if change.assignee_id is not None:
        details["assignee_id"] = str(change.assignee_id)
    if change.reason is not None:
        details["reason"] = change.reason
    await auditor.record(
        uow,
        change.actor_id,
        f"conversation.{change.transition.value}",
        "conversation",
        change.conversation_id,
        workspace_id=change.workspace_id,
        **details,
    )


async def tell_member_of_handoff(
    uow: UnitOfWork,
    ids: IdGenerator,
    clock: Clock,
    workspace: Workspace,
    conversation: Conversation,
    change: StateChange | None,
) -> Message | None:
    """After a handoff, what the member is told, stored to be sent (on WhatsApp the caller
    queues it); None when nothing was handed off (they were told already)."""
    if change is None or change.transition is not Transition.HANDOFF:
        return None
    notice = Message.notice(
        conversation, id=ids.new_id(), content=handoff_notice(workspace.name), at=clock.now()
    )
    await uow.messages.add(notice)
    await message_added(uow, notice, notice.created_at)
    return notice


async def member_asks_for_a_person(
    uow: UnitOfWork,
    ids: IdGenerator,
    clock: Clock,
    auditor: Auditor,
    workspace: Workspace,
    conversation: Conversation,
    at: datetime,
) -> tuple[Conversation, Message | None]:
    """The member asks for a person of the team (`/human`, or the web app's button): the
    conversation waits for the team; the member is told so, once (None when the team has it
    already)."""
    after, change = conversation.handed_off(
        id=ids.new_id(),
        actor=Actor.MEMBER,
        actor_id=conversation.user_id,
        reason=ASKED_FOR_A_PERSON,
        at=at,
    )
    await apply_change(uow, auditor, conversation, after, change)
    return after, await tell_member_of_handoff(uow, ids, clock, workspace, after, change)


async def summarise_if_handed_off(queue: JobQueue, change: StateChange | None) -> None:
    """Once a handoff is committed, have the team's summary of the conversation made in the
    background (the member's request does not wait for a model to write it)."""
    if change is not None and change.transition is Transition.HANDOFF:
        await queue.enqueue_summary(change.conversation_id)


def queued_on_whatsapp(message: Message | None) -> UUID | None:
    """The id to queue for the pipeline when `message` waits to be sent on WhatsApp."""
    if message is None or message.channel is not Channel.WHATSAPP:
        return None
    return message.id
