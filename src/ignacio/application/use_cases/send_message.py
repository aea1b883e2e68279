"""SendMessage: a member writes on the web and the assistant answers."""

from __future__ import annotations

from uuid import UUID

import msgspec

from ignacio.application.assistant_context import (
    files_of,
    knowledge_of,
    member_wrote_on_the_web,
    steps_of,
    store_web_answer,
)
from ignacio.application.auditing import Auditor
from ignacio.application.authorization import owned_conversation
from ignacio.application.events import message_added
from ignacio.application.ports import (
    Assistant,
    AssistantTurn,
    Clock,
    IdGenerator,
    JobQueue,
    UnitOfWorkFactory,
)
from ignacio.application.workspaces import workspace_of
from ignacio.domain import Author, Channel, DeliveryStatus, Message, MessageType
from ignacio.domain.conversations import check_message_text
from ignacio.domain.history import DEFAULT_HISTORY_CHARS, HistoryWindow
from ignacio.domain.workspaces import WorkspaceAccess


class SendMessageCommand(msgspec.Struct, frozen=True, kw_only=True):
    conversation_id: UUID
    content: str


class SendMessageResult(msgspec.Struct, frozen=True, kw_only=True):
    message: Message
    reply: Message | None
    """None when the team has the conversation: a person answers, later."""


class SendMessage:
    """Store the member's message, ask the assistant, store and return its answer.

    - Only the owner of the conversation can write in it, acting in its workspace.
    - The member's message is committed before the assistant is asked: if the assistant fails,
      the message is still there.
    - The assistant sees the conversation's recent history (a window bounded in messages and in
      characters), the member's name and the names of their newest files.
    - A specialised answer (marketing, technical, project management) is stored as Markdown,
      with the model, tokens and time it took.
    - A conversation without a title takes it from its first message.
    - While the team has the conversation (waiting for a person, or a person has it) the
      assistant is not asked; `/human` hands it to the team, and the member is told so.
    - Handed to the team (by `/human` or by the assistant), the conversation's summary for the
      team is queued once that is committed: it is written in the background.
    """

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        assistant: Assistant,
        clock: Clock,
        ids: IdGenerator,
        auditor: Auditor,
        queue: JobQueue,
        history_limit: int,
        history_chars: int = DEFAULT_HISTORY_CHARS,
    ) -> None:
        self._uow = uow
        self._auditor = auditor
        self._queue = queue
        self._assistant = assistant
        self._clock = clock
        self._ids = ids
        self._history = HistoryWindow(max_messages=history_limit, max_chars=history_chars)

    async def __call__(
        self, access: WorkspaceAccess, command: SendMessageCommand
    ) -> SendMessageResult:
        me = access.user
        content = check_message_text(command.content)
        async with self._uow() as uow:
            # Locked: what the member writes may reopen it or hand it to the team.
            conversation = await owned_conversation(
                uow, access, command.conversation_id, for_update=True
            )
            history = self._history.select(
                await uow.messages.recent(conversation.id, self._history.max_messages)
            )
            files = await files_of(uow, conversation.workspace_id, me.id)
            knowledge = await knowledge_of(uow, conversation.workspace_id)
            steps = await steps_of(uow, conversation.workspace_id, me.id)
            workspace = await workspace_of(uow, conversation)
            now = self._clock.now()
            message = Message(
                id=self._ids.new_id(),
                workspace_id=conversation.workspace_id,
                conversation_id=conversation.id,
                user_id=me.id,
                author=Author.MEMBER,
                content=content,
                message_type=MessageType.TEXT,
                channel=Channel.WEB,
                delivery_status=DeliveryStatus.RECEIVED,
                created_at=now,
            )
            await uow.messages.add(message)
            await message_added(uow, message, now)
            conversation = conversation.written_in(content, now)
            await uow.conversations.update(conversation)
            conversation, notice = await member_wrote_on_the_web(
                uow, self._ids, self._clock, self._auditor, workspace, conversation, message
            )
            await uow.commit()
        if notice is not None:
            await self._queue.enqueue_summary(conversation.id)
        if notice is not None or conversation.state.with_team:
            return SendMessageResult(message=message, reply=notice)

        reply = await self._assistant.answer(
            AssistantTurn(
                workspace=workspace,
                user=me,
                conversation=conversation,
                history=history,
                message=message,
                files=files,
                knowledge=knowledge,
                workflow=steps[0],
                progress=steps[1],
            )
        )

        answer = await store_web_answer(
            self._uow,
            self._clock,
            self._ids,
            self._auditor,
            self._queue,
            conversation,
            message,
            reply,
        )
        return SendMessageResult(message=message, reply=answer)
