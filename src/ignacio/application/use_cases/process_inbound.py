"""ProcessInbound: answer a message that arrived on WhatsApp, exactly once."""

from __future__ import annotations

import logging
import mimetypes
from datetime import timedelta
from uuid import UUID

import msgspec

from ignacio.application.ports import (
    Assistant,
    AssistantTurn,
    BlobStorage,
    Channel,
    Clock,
    IdGenerator,
    MediaFetcher,
    SendFailure,
    UnitOfWorkFactory,
)
from ignacio.domain import (
    Author,
    Conflict,
    Conversation,
    Delivery,
    DeliveryStatus,
    Message,
    MessageType,
    ProcessingState,
    RetryPolicy,
    UpstreamUnavailable,
    User,
)
from ignacio.domain import Channel as MessageChannel
from ignacio.domain.deliveries import overall
from ignacio.domain.files import safe_file_name
from ignacio.domain.splitting import split_text

# Standard logging: the core takes no logging framework; the entrypoint renders these with structlog.
log = logging.getLogger(__name__)

UNSUPPORTED_REPLY = (
    "Sorry, I can't read this kind of message yet. You can send me text, photos, voice notes "
    "and documents."
)
APOLOGY = "Sorry, I couldn't answer just now. Please try again in a few minutes."
INTERRUPTED = "Interrupted while sending; not sent again, so that nobody gets an answer twice."
# Each run counts; a message that keeps failing in unexpected ways is given up after this many.
MAX_RUNS = 20


class ProcessOutcome(msgspec.Struct, frozen=True, kw_only=True):
    """`retry_in` seconds when a step must be tried again later; None when nothing is left to do."""

    retry_in: float | None = None


class _RetryLater(Exception):
    def __init__(self, seconds: float) -> None:
        super().__init__(seconds)
        self.seconds = seconds


class ProcessInbound:
    """Mark the message read, keep its media, ask the assistant, store and send the answer.

    - Every step is recorded before the next begins and skipped when already done, so a retry
      or a restart resumes where the last run stopped.
    - One answer per message: the answer is unique per message it replies to.
    - Each part of a long answer is claimed before it is sent; a part found claimed but unsent
      after a crash is not sent again (at most one answer), and is reported as failed.
    - Failures that may pass (throttling, server errors, the network, the assistant being
      unavailable) are retried with backoff, never sooner than the provider asked; after the
      policy's attempts the member gets a short apology, or the part ends as failed with the
      provider's reason. Failures that cannot pass (outside the 24-hour window) fail at once.
    """

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        channel: Channel,
        media: MediaFetcher,
        storage: BlobStorage,
        assistant: Assistant,
        clock: Clock,
        ids: IdGenerator,
        retry: RetryPolicy,
        history_limit: int,
    ) -> None:
        self._uow = uow
        self._channel = channel
        self._media = media
        self._storage = storage
        self._assistant = assistant
        self._clock = clock
        self._ids = ids
        self._retry = retry
        self._history_limit = history_limit

    async def __call__(self, message_id: UUID) -> ProcessOutcome:
        async with self._uow() as uow:
            inbound = await uow.messages.get(message_id)
            if inbound is None or inbound.processing is not ProcessingState.PENDING:
                return ProcessOutcome()
            user = await uow.users.get(inbound.user_id)
            conversation = await uow.conversations.get(inbound.conversation_id)
            answer = await uow.messages.reply_to(inbound.id)
            inbound = msgspec.structs.replace(
                inbound, processing_attempts=inbound.processing_attempts + 1
            )
            await uow.messages.update(inbound)
            await uow.commit()
        if user is None or conversation is None:
            return ProcessOutcome()
        if inbound.processing_attempts > MAX_RUNS:
            log.error("giving up on a message", extra={"message_id": str(inbound.id)})
            await self._finish(inbound)
            return ProcessOutcome()
        try:
            if answer is None:
                if inbound.processing_attempts == 1 and inbound.external_message_id:
                    await self._channel.mark_read(inbound.external_message_id)
                inbound = await self._keep_media(user, inbound)
                answer = await self._answer(user, conversation, inbound)
            if answer is not None:
                await self._deliver(user, answer)
        except _RetryLater as retry:
            return ProcessOutcome(retry_in=retry.seconds)
        await self._finish(inbound)
        return ProcessOutcome()

    async def _keep_media(self, user: User, inbound: Message) -> Message:
        if inbound.media is None or inbound.file_path is not None:
            return inbound
        try:
            fetched = await self._media.fetch(inbound.media)
        except SendFailure as failure:
            if failure.retriable and not self._retry.exhausted(inbound.processing_attempts):
                raise _RetryLater(
                    self._retry.delay(inbound.processing_attempts, failure.retry_after)
                ) from failure
            log.warning(
                "media could not be fetched",
                extra={"message_id": str(inbound.id), "reason": failure.title},
            )
            return inbound
        extension = mimetypes.guess_extension(fetched.mime_type.split(";")[0].strip()) or ""
        name = safe_file_name(inbound.media.filename, f"{inbound.message_type.value}{extension}")
        path = f"users/{user.id}/files/{inbound.id}/{name}"
        await self._storage.put(path, fetched.content, fetched.mime_type)
        async with self._uow() as uow:
            inbound = msgspec.structs.replace(inbound, file_path=path)
            await uow.messages.update(inbound)
            await uow.commit()
        return inbound

    async def _answer(
        self, user: User, conversation: Conversation, inbound: Message
    ) -> Message | None:
        if inbound.message_type is MessageType.UNSUPPORTED:
            text = UNSUPPORTED_REPLY
        else:
            async with self._uow() as uow:
                recent = await uow.messages.recent(conversation.id, self._history_limit + 1)
            history = [
                message
                for message in recent
                if message.id != inbound.id and message.created_at <= inbound.created_at
            ][-self._history_limit :]
            try:
                reply = await self._assistant.answer(
                    AssistantTurn(
                        user=user, conversation=conversation, history=history, message=inbound
                    )
                )
                text = reply.text
            except UpstreamUnavailable as error:
                if not self._retry.exhausted(inbound.processing_attempts):
                    raise _RetryLater(self._retry.delay(inbound.processing_attempts)) from error
                log.warning(
                    "assistant unavailable; apologising", extra={"message_id": str(inbound.id)}
                )
                text = APOLOGY
        return await self._store_answer(user, conversation, inbound, text)

    async def _store_answer(
        self, user: User, conversation: Conversation, inbound: Message, text: str
    ) -> Message | None:
        now = self._clock.now()
        answer = Message(
            id=self._ids.new_id(),
            conversation_id=conversation.id,
            user_id=user.id,
            author=Author.ASSISTANT,
            content=text,
            message_type=MessageType.TEXT,
            channel=MessageChannel.WHATSAPP,
            delivery_status=DeliveryStatus.PENDING,
            reply_to_id=inbound.id,
            created_at=max(now, inbound.created_at + timedelta(microseconds=1)),
        )
        try:
            async with self._uow() as uow:
                await uow.messages.add(answer)
                for number, content in enumerate(split_text(text, self._channel.max_text_length)):
                    await uow.deliveries.add(
                        Delivery(
                            id=self._ids.new_id(),
                            message_id=answer.id,
                            part=number,
                            content=content,
                            created_at=now,
                            updated_at=now,
                        )
                    )
                current = await uow.conversations.get(conversation.id)
                if current is not None:
                    await uow.conversations.update(
                        msgspec.structs.replace(current, updated_at=answer.created_at)
                    )
                await uow.commit()
        except Conflict:
            # Another run answered first; deliver its answer, not a second one.
            async with self._uow() as uow:
                return await uow.messages.reply_to(inbound.id)
        return answer

    async def _deliver(self, user: User, answer: Message) -> None:
        async with self._uow() as uow:
            parts = await uow.deliveries.for_message(answer.id)
        for index, part in enumerate(parts):
            if part.status is not DeliveryStatus.PENDING:
                continue
            if part.sending:
                log.warning(
                    "a send was interrupted; not repeating it", extra={"delivery_id": str(part.id)}
                )
                await self._fail(parts[index:], None, INTERRUPTED)
                break
            async with self._uow() as uow:
                claimed = await uow.deliveries.claim(part.id)
                await uow.commit()
            if not claimed:
                continue
            attempts = part.attempts + 1
            try:
                sent = await self._channel.send_text(user.phone, part.content)
            except SendFailure as failure:
                if failure.retriable and not self._retry.exhausted(attempts):
                    await self._save(
                        msgspec.structs.replace(part, attempts=attempts, sending=False)
                    )
                    raise _RetryLater(self._retry.delay(attempts, failure.retry_after)) from failure
                await self._fail(
                    [msgspec.structs.replace(part, attempts=attempts), *parts[index + 1 :]],
                    failure.code,
                    failure.title,
                )
                break
            await self._save(
                msgspec.structs.replace(
                    part,
                    attempts=attempts,
                    sending=False,
                    status=DeliveryStatus.SENT,
                    external_id=sent.external_id,
                )
            )
        await self._settle(answer)

    async def _save(self, part: Delivery) -> None:
        async with self._uow() as uow:
            await uow.deliveries.update(msgspec.structs.replace(part, updated_at=self._clock.now()))
            await uow.commit()

    async def _fail(self, parts: list[Delivery], code: int | None, title: str) -> None:
        now = self._clock.now()
        async with self._uow() as uow:
            for part in parts:
                await uow.deliveries.update(
                    msgspec.structs.replace(
                        part,
                        status=DeliveryStatus.FAILED,
                        sending=False,
                        error_code=code,
                        error_title=title,
                        updated_at=now,
                    )
                )
            await uow.commit()
        log.warning(
            "answer not delivered",
            extra={"message_id": str(parts[0].message_id), "code": code, "reason": title},
        )

    async def _settle(self, answer: Message) -> None:
        async with self._uow() as uow:
            parts = await uow.deliveries.for_message(answer.id)
            current = await uow.messages.get(answer.id)
            if current is not None:
                first_sent = next((part.external_id for part in parts if part.external_id), None)
                await uow.messages.update(
                    msgspec.structs.replace(
                        current,
                        delivery_status=overall([part.status for part in parts]),
                        external_message_id=current.external_message_id or first_sent,
                    )
                )
            await uow.commit()

    async def _finish(self, inbound: Message) -> None:
        async with self._uow() as uow:
            current = await uow.messages.get(inbound.id)
            if current is not None:
                await uow.messages.update(
                    msgspec.structs.replace(current, processing=ProcessingState.DONE)
                )
            await uow.commit()
