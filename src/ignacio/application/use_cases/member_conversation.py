"""A member's own conversation: who answers it, and asking for a person of the team from the
web app."""

from __future__ import annotations

from uuid import UUID

import msgspec

from ignacio.application.auditing import Auditor
from ignacio.application.authorization import owned_conversation
from ignacio.application.handover import member_asks_for_a_person, queued_on_whatsapp
from ignacio.application.ports import Clock, IdGenerator, JobQueue, UnitOfWorkFactory
from ignacio.domain import Conversation, Message, User
from ignacio.domain.workspaces import WorkspaceAccess


class MemberConversation(msgspec.Struct, frozen=True, kw_only=True):
    """The conversation, and the person of the team who answers it (None: the assistant, or
    nobody yet while it waits for the team)."""

    conversation: Conversation
    answered_by: User | None


class GetMemberConversation:
    """One of the caller's own conversations in the workspace they act in, with who answers it;
    anyone else's looks exactly like one that does not exist."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, access: WorkspaceAccess, conversation_id: UUID) -> MemberConversation:
        async with self._uow(read_only=True) as uow:
            conversation = await owned_conversation(uow, access, conversation_id)
            person = (
                await uow.users.get(conversation.assignee_id)
                if conversation.assignee_id is not None
                else None
            )
        return MemberConversation(conversation=conversation, answered_by=person)


class AskedForAPerson(msgspec.Struct, frozen=True, kw_only=True):
    conversation: Conversation
    notice: Message | None
    """What the member is told (None when the team had the conversation already)."""


class AskForAPerson:
    """The member asks, from the web app, for a person of the team to answer: the conversation
    waits for the team and the assistant falls silent; the member is told so once, on the
    conversation's channel. Asking again while the team has it changes nothing. Once that is
    committed, the conversation's summary for the team is queued."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        queue: JobQueue,
        clock: Clock,
        ids: IdGenerator,
        auditor: Auditor,
    ) -> None:
        self._uow = uow
        self._queue = queue
        self._clock = clock
        self._ids = ids
        self._auditor = auditor

    async def __call__(self, access: WorkspaceAccess, conversation_id: UUID) -> AskedForAPerson:
        async with self._uow() as uow:
            conversation = await owned_conversation(uow, access, conversation_id, for_update=True)
            after, notice = await member_asks_for_a_person(
                uow,
                self._ids,
                self._clock,
                self._auditor,
                access.workspace,
                conversation,
                self._clock.now(),
            )
            if notice is not None:
                await uow.conversations.update(after.active_at(notice.created_at))
            await uow.commit()
        if (queued := queued_on_whatsapp(notice)) is not None:
            await self._queue.enqueue_processing(queued)
        if notice is not None:
            # Handed over just now: the team's summary is written in the background.
            await self._queue.enqueue_summary(after.id)
        return AskedForAPerson(conversation=after, notice=notice)
