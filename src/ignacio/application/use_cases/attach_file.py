"""AttachFile: a member sends a file into one of their conversations on the web."""

from __future__ import annotations

from uuid import UUID

import msgspec

from ignacio.application.authorization import owned_conversation
from ignacio.application.file_intake import FileIntake
from ignacio.application.ports import Clock, IdGenerator, UnitOfWorkFactory
from ignacio.domain import Author, Channel, DeliveryStatus, Message, MessageType, User
from ignacio.domain.conversations import title_from_first_message
from ignacio.domain.knowledge import FileCategory, FileSource, UserFile

_MESSAGE_TYPE = {
    FileCategory.IMAGE: MessageType.IMAGE,
    FileCategory.AUDIO: MessageType.AUDIO,
    FileCategory.VIDEO: MessageType.VIDEO,
}


class AttachedFile(msgspec.Struct, frozen=True, kw_only=True):
    message: Message
    file: UserFile


class AttachFile:
    """The file joins the member's library and becomes their message in the conversation.

    - Only the conversation's owner may attach; the conversation is checked before anything
      is stored.
    - The message's text is the caption when one is given, else the file's name.
    """

    def __init__(
        self, uow: UnitOfWorkFactory, intake: FileIntake, clock: Clock, ids: IdGenerator
    ) -> None:
        self._uow = uow
        self._intake = intake
        self._clock = clock
        self._ids = ids

    async def __call__(
        self,
        me: User,
        conversation_id: UUID,
        file_name: str | None,
        content: bytes,
        caption: str | None = None,
    ) -> AttachedFile:
        async with self._uow() as uow:
            await owned_conversation(uow, me, conversation_id)
        media_type = self._intake.media_type_of(content, file_name)
        message_id = self._ids.new_id()
        # The file shares the message's id, so a message's attachment is found without a lookup.
        file = await self._intake.keep(
            file_id=message_id,
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
                conversation = await owned_conversation(uow, me, conversation_id)
                await uow.messages.add(message)
                await uow.files.add(file)
                await uow.conversations.update(
                    msgspec.structs.replace(
                        conversation,
                        title=conversation.title or title_from_first_message(text),
                        updated_at=now,
                    )
                )
                await uow.commit()
        except BaseException:
            await self._intake.discard(file)
            raise
        await self._intake.queue_sync(file)
        return AttachedFile(message=message, file=file)
