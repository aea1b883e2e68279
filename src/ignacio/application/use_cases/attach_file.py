"""AttachFile: a member sends a file into one of their conversations on the web."""

from __future__ import annotations

from uuid import UUID

import msgspec

from ignacio.application.assistant_context import (
    AttachmentReader,
    files_of,
    knowledge_of,
    member_wrote_on_the_web,
    steps_of,
    store_web_answer,
)
from ignacio.application.auditing import Auditor
from ignacio.application.authorization import owned_conversation
from ignacio.application.events import message_added
from ignacio.application.file_intake import FileIntake
from ignacio.application.ports import (
    Assistant,
    BlobStorage,
    Clock,
    IdGenerator,
    JobQueue,
    TextExtractor,
    UnitOfWorkFactory,
)
from ignacio.application.workspaces import workspace_of
from ignacio.domain import Author, Channel, DeliveryStatus, Message, MessageType
from ignacio.domain.history import DEFAULT_HISTORY_CHARS, HistoryWindow
from ignacio.domain.knowledge import FileCategory, FileSource, UserFile
from ignacio.domain.workspaces import WorkspaceAccess

_MESSAGE_TYPE = {
    FileCategory.IMAGE: MessageType.IMAGE,
    FileCategory.AUDIO: MessageType.AUDIO,
    FileCategory.VIDEO: MessageType.VIDEO,
}


class AttachedFile(msgspec.Struct, frozen=True, kw_only=True):
    message: Message
    file: UserFile
    reply: Message | None
    """None when the team has the conversation: a person answers, later."""


class AttachFile:
    """The file joins the member's library, becomes their message in the conversation, and the
    assistant answers it.

    - Only the conversation's owner may attach, acting in its workspace; the conversation is
      checked before anything is stored, and the file joins the same workspace.
    - The message's text is the caption when one is given, else the file's name.
    - The assistant gets the caption as the question, and the file as WhatsApp's get it: a
      photo as an image, a document as its text. A document without a caption is summarised.
    - As with a text message, the file and the message are kept before the assistant is asked:
      if it is unavailable (503), nothing the member sent is lost.
    - Handed to the team (a caption of `/human`, or by the assistant), the conversation's summary
      for the team is queued once that is committed.
    """

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        intake: FileIntake,
        assistant: Assistant,
        storage: BlobStorage,
        clock: Clock,
        ids: IdGenerator,
        auditor: Auditor,
        queue: JobQueue,
        history_limit: int,
        extractor: TextExtractor | None = None,
        history_chars: int = DEFAULT_HISTORY_CHARS,
    ) -> None:
        self._uow = uow
        self._auditor = auditor
        self._queue = queue
        self._intake = intake
        self._assistant = assistant
        self._attachments = AttachmentReader(storage, extractor)
        self._clock = clock
        self._ids = ids
        self._history = HistoryWindow(max_messages=history_limit, max_chars=history_chars)

    async def __call__(
        self,
        access: WorkspaceAccess,
        conversation_id: UUID,
        file_name: str | None,
        content: bytes,
        caption: str | None = None,
    ) -> AttachedFile:
        me = access.user
        async with self._uow() as uow:
            workspace_id = (await owned_conversation(uow, access, conversation_id)).workspace_id
        media_type = self._intake.media_type_of(content, file_name)
        message_id = self._ids.new_id()
        # The file shares the message's id, so a message's attachment is found without a lookup.
        file = await self._intake.keep(
            file_id=message_id,
            workspace_id=workspace_id,
            owner_id=me.id,
            file_name=file_name,
            content=content,
            source=FileSource.WEB,
            conversation_id=conversation_id,
            message_id=message_id,
            media_type=media_type,
        )
        text = (caption or "").strip() or file.file_name
        now = self._clock.now()
        message = Message(
            id=message_id,
            workspace_id=workspace_id,
            conversation_id=conversation_id,
            user_id=me.id,
            author=Author.MEMBER,
            content=text,
            message_type=_MESSAGE_TYPE.get(
                file.category or FileCategory.DOCUMENT, MessageType.DOCUMENT
            ),
            channel=Channel.WEB,
            file_path=file.file_path,
            delivery_status=DeliveryStatus.RECEIVED,
            created_at=now,
        )
        try:
            async with self._uow() as uow:
                conversation = await owned_conversation(
                    uow, access, conversation_id, for_update=True
                )
                history = self._history.select(
                    await uow.messages.recent(conversation.id, self._history.max_messages)
                )
                files = [file, *await files_of(uow, workspace_id, me.id)]
                knowledge = await knowledge_of(uow, workspace_id)
                steps = await steps_of(uow, workspace_id, me.id)
                workspace = await workspace_of(uow, conversation)
                await uow.messages.add(message)
                await message_added(uow, message, now)
                await uow.files.add(file)
                conversation = conversation.written_in(text, now)
                await uow.conversations.update(conversation)
                conversation, notice = await member_wrote_on_the_web(
                    uow, self._ids, self._clock, self._auditor, workspace, conversation, message
                )
                await uow.commit()
        except BaseException:
            await self._intake.discard(file)
            raise
        await self._intake.queue_sync(file)
        if notice is not None:
            await self._queue.enqueue_summary(conversation.id)
        if conversation.state.with_team:
            return AttachedFile(message=message, file=file, reply=None)

        # The caption is the question; without one the file name stands in the thread, but the
        # assistant is asked nothing besides the file (a document is then summarised).
        question = (caption or "").strip()
        reply = await self._assistant.answer(
            await self._attachments.turn(
                workspace,
                me,
                conversation,
                history,
                message,
                files,
                knowledge=knowledge,
                question=question,
                steps=steps,
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
        return AttachedFile(message=message, file=file, reply=answer)
