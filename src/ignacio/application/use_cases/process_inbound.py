"""ProcessInbound: answer a message that arrived on WhatsApp, exactly once."""

from __future__ import annotations

import logging
import mimetypes
from collections.abc import Awaitable, Callable, Sequence
from uuid import UUID

import msgspec

from ignacio.application.assistant_context import (
    AttachmentReader,
    files_of,
    knowledge_of,
    media_type_of,
    steps_of,
    with_accounting,
)
from ignacio.application.auditing import Auditor
from ignacio.application.bursts import BurstChanged, Bursts
from ignacio.application.commands import Commands
from ignacio.application.events import delivery_settled, message_added
from ignacio.application.file_intake import FileIntake
from ignacio.application.handover import apply_change, summarise_if_handed_off
from ignacio.application.login_messages import LoginMessages
from ignacio.application.pacing import Pacer
from ignacio.application.ports import (
    Assistant,
    AssistantReply,
    BlobStorage,
    Channel,
    ChannelDirectory,
    Clock,
    FileLinks,
    IdGenerator,
    JobQueue,
    LinkedFile,
    MediaFetcher,
    OutgoingFile,
    SendFailure,
    SentMessage,
    TextExtractor,
    Transcriber,
    UnitOfWork,
    UnitOfWorkFactory,
)
from ignacio.application.workspaces import workspace_of
from ignacio.domain import (
    Author,
    Conflict,
    Conversation,
    Delivery,
    DeliveryStatus,
    InvalidInput,
    Message,
    MessageType,
    NotFound,
    ProcessingState,
    Recipient,
    RetryPolicy,
    UpstreamUnavailable,
    User,
)
from ignacio.domain import Channel as MessageChannel
from ignacio.domain.answers import render_answer
from ignacio.domain.bursts import Wait, Yield
from ignacio.domain.deliveries import settled
from ignacio.domain.files import safe_file_name
from ignacio.domain.handover import (
    ASKED_FOR_A_PERSON,
    OUTSIDE_WINDOW_CODE,
    OUTSIDE_WINDOW_REASON,
    HandoffRequest,
    StateChange,
    asks_for_a_person,
    handoff_notice,
)
from ignacio.domain.history import DEFAULT_HISTORY_CHARS, HistoryWindow, assistant_reads
from ignacio.domain.identity import recipient_for
from ignacio.domain.knowledge import FileSource, UserFile, storage_path_for
from ignacio.domain.splitting import split_text

# Standard logging: the core takes no logging framework; the entrypoint renders these with structlog.
log = logging.getLogger(__name__)

UNSUPPORTED_REPLY = (
    "Sorry, I can't read this kind of message yet. You can send me text, photos, voice notes "
    "and documents."
)
APOLOGY = "Sorry, I couldn't answer just now. Please try again in a few minutes."
INTERRUPTED = "Interrupted while sending; not sent again, so that nobody gets an answer twice."
FILE_GONE = "The file was deleted before it could be sent."
WITHDRAWN = "Not sent: the member deleted the message it answers."
NOWHERE_TO_SEND = "This member has neither a phone number nor a WhatsApp user id to send to."
# Each run counts; a message that keeps failing in unexpected ways is given up after this many.
MAX_RUNS = 20


class ProcessOutcome(msgspec.Struct, frozen=True, kw_only=True):
    """`retry_in` seconds when a step must be tried again later; None when nothing is left to do."""

    retry_in: float | None = None


class _RetryLater(Exception):
    """`paced`: only waiting for a turn the provider allows (see `Pacer`); the run is not
    counted against MAX_RUNS."""

    def __init__(self, seconds: float, *, paced: bool = False) -> None:
        super().__init__(seconds)
        self.seconds = seconds
        self.paced = paced


class _Stored(msgspec.Struct, frozen=True):
    """An answer stored by this run, with the parts it was cut into (so that sending them does
    not read them back); `parts` is None for an answer another run stored."""

    answer: Message
    parts: list[Delivery] | None = None


class _Line(msgspec.Struct, frozen=True):
    """The number a conversation is on: what sends from it, and what fetches media sent to it;
    and where the member is reached from it (None: nowhere, see `recipient_for`)."""

    channel: Channel
    media: MediaFetcher
    to: Recipient | None


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
    - A voice note is transcribed before it is answered and its transcript kept with it (a
      retry does not transcribe again); one that cannot be transcribed is answered without
      its words. A photo reaches the assistant as an image, a document with its text; a
      document sent without a question is summarised.
    - The answer is stored in WhatsApp's formatting, with the model, tokens and time it took.
    - It goes to the member's phone number when it is known, else to their WhatsApp user id
      (`recipient_for`); a member with neither gets nothing, and the answer fails saying so.
    - Handed to the team (`/human`, or by the assistant), the conversation's summary for the
      team is queued once the handoff is committed.
    - The member may edit or delete the message meanwhile (ReviseInbound). Deleted, it is not
      answered, and what was not sent of its answer is not sent. Edited before its answer was
      stored, the assistant is asked again, in the new words: one answer, to what the message
      says. Edited into a new question after it was answered (a new revision), the new
      question is answered on its own, after the earlier answer has gone out.
    - A login code (`VERIFY 123456`), or the answer to a login's question, is answered by
      `LoginMessages` before anyone else reads it, even while the team holds the conversation.
    - A command (`/help`, `/new`, ...) is answered by `Commands` next, on the same terms; the
      assistant never reads one, nor its answer.
    - One answer per burst (`domain.bursts` has the rules): a member's messages sent close
      together are answered in one turn, by the job of the newest, once the member has been
      quiet for the quiet period or the first has waited the maximum; the other jobs yield to
      it, and waiting is not counted as a run. The assistant reads every message of the burst
      (photos, documents and voice notes included); the answer replies to the last, and the
      earlier ones are marked answered by it in the transaction that stores it, after the
      conversation's row lock: a rerun, a redelivery or another job never answers them again,
      and a burst that changed meanwhile (one of its messages answered, edited or deleted) is
      asked again rather than stored. Steps saved on a message (its media, its words) are
      written onto the row as it stands, so they never undo a fold.
    - The burst's last message is marked read with the typing indicator when its turn starts,
      and the indicator is shown again every ~20 s while the assistant works (WhatsApp drops
      it after 25 s); channels without one do nothing.
    """

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        channels: ChannelDirectory,
        storage: BlobStorage,
        intake: FileIntake,
        assistant: Assistant,
        clock: Clock,
        ids: IdGenerator,
        retry: RetryPolicy,
        auditor: Auditor,
        queue: JobQueue,
        history_limit: int,
        transcriber: Transcriber | None = None,
        extractor: TextExtractor | None = None,
        history_chars: int = DEFAULT_HISTORY_CHARS,
        links: FileLinks | None = None,
        logins: LoginMessages | None = None,
        pacer: Pacer | None = None,
        commands: Commands | None = None,
        bursts: Bursts | None = None,
    ) -> None:
        self._pacer = pacer
        self._commands = commands
        self._links = links
        self._bursts = bursts or Bursts.off(clock)
        self._logins = logins
        self._uow = uow
        self._channels = channels
        self._storage = storage
        self._intake = intake
        self._assistant = assistant
        self._clock = clock
        self._ids = ids
        self._retry = retry
        self._auditor = auditor
        self._queue = queue
        self._history_limit = history_limit
        self._transcriber = transcriber
        self._attachments = AttachmentReader(storage, extractor)
        self._history = HistoryWindow(max_messages=history_limit, max_chars=history_chars)

    async def __call__(self, message_id: UUID) -> ProcessOutcome:
        async with self._uow() as uow:
            # Locked: another message's turn may fold this one into its answer meanwhile.
            inbound = await uow.messages.get(message_id, for_update=True)
            if inbound is None or inbound.processing is not ProcessingState.PENDING:
                return ProcessOutcome()
            user = await uow.users.get(inbound.user_id)
            # Only a member with no number is reached by id: the lookup is theirs alone.
            identities = (
                await uow.identities.of_users([user.id])
                if user is not None and user.phone is None
                else {}
            )
            # The message's own workspace: from our queue, by an id no caller chooses.
            conversation = await uow.conversations.get(
                inbound.workspace_id, inbound.conversation_id
            )
            number = (
                await uow.channels.get(conversation.workspace_id, conversation.number_id)
                if conversation is not None and conversation.number_id is not None
                else None
            )
            newest = await uow.messages.reply_to(inbound.id)
            burst: list[Message] = []
            if newest is None and self._may_batch(user, conversation, inbound):
                assert conversation is not None
                decision = await self._bursts.decide(uow, conversation, inbound)
                if isinstance(decision, Wait):
                    # The member may still be typing: not a run, so no attempt is counted.
                    return ProcessOutcome(retry_in=decision.seconds)
                if isinstance(decision, Yield):
                    # The burst's newest message's job answers this one with it; a look
                    # later finds it answered (or, that one deleted, answers it).
                    return ProcessOutcome(retry_in=decision.seconds)
                burst = decision.earlier
            inbound = inbound.attempted()
            await uow.messages.update(inbound)
            await uow.commit()
        if user is None or conversation is None:
            return ProcessOutcome()
        # The answer to the message as it stands (its revision); one to an earlier revision
        # (the member has since edited it into a new question) may still be on its way.
        answer = newest if newest is not None and newest.revision == inbound.revision else None
        earlier = (
            newest
            if answer is None
            and newest is not None
            and newest.delivery_status is DeliveryStatus.PENDING
            else None
        )
        if conversation.number_id is not None and number is None:
            # The workspace disconnected the number the member wrote to: no other number may
            # answer for it (it would be another organisation's, or speak from a stranger's).
            log.warning(
                "the number this conversation is on is gone; not answering",
                extra={"message_id": str(inbound.id)},
            )
            await self._finish(inbound, None, None)
            return ProcessOutcome()
        try:
            line = _Line(
                self._channels.channel(number),
                self._channels.media(number),
                recipient_for(
                    user, identities.get(user.id, []), number.provider if number else None
                ),
            )
        except ValueError:
            log.error(
                "the number's credentials cannot be opened; not answering",
                extra={"message_id": str(inbound.id)},
            )
            await self._finish(inbound, None, None)
            return ProcessOutcome()
        if inbound.processing_attempts > MAX_RUNS:
            log.error("giving up on a message", extra={"message_id": str(inbound.id)})
            await self._finish(inbound, None, None)
            return ProcessOutcome()
        if inbound.author is not Author.MEMBER:
            # A message to the member that answers none of theirs (a reply the team wrote by
            # hand, a notice): only to send.
            answer = inbound
        elif inbound.is_revoked:
            # The member deleted it: it is not answered, and an answer not sent yet is not sent.
            await self._withdraw(newest)
            await self._finish(inbound, newest, None)
            return ProcessOutcome()
        elif answer is None and (login := await self._login_answer(user, conversation, inbound)):
            # Before the team and the assistant: a login code reaches no one else.
            answer = login
            conversation = conversation.member_wrote(inbound.created_at)
        elif answer is None and (reply := await self._command_answer(user, conversation, inbound)):
            # A command is a system function: answered whoever holds the conversation.
            answer = reply
            conversation = conversation.member_wrote(inbound.created_at)
        else:
            # Answering a member's message: WhatsApp's window is open from it, at least.
            conversation = conversation.member_wrote(inbound.created_at)
        # The team has the conversation: the assistant stays silent.
        silent = answer is None and conversation.state.with_team
        last_part: Delivery | None = None
        fresh_parts: list[Delivery] | None = None
        try:
            if earlier is not None:
                await self._send_earlier(line, user, earlier, conversation)
            if answer is None and not silent:
                if inbound.processing_attempts == 1 and inbound.external_message_id:
                    await line.channel.mark_read(inbound.external_message_id)
                burst = [
                    await self._transcribe(await self._keep_media(line, user, said))
                    for said in burst
                ]
                inbound = await self._keep_media(line, user, inbound)
                inbound = await self._transcribe(inbound)
                stored = await self._answer(line, user, conversation, inbound, burst)
                if stored is not None:
                    answer, fresh_parts = stored.answer, stored.parts
            if answer is not None:
                last_part = await self._deliver(line, user, answer, conversation, fresh_parts)
        except _RetryLater as retry:
            if retry.paced:
                await self._give_back_run(inbound)
            return ProcessOutcome(retry_in=retry.seconds)
        await self._finish(inbound, answer, last_part)
        return ProcessOutcome()

    def _may_batch(
        self, user: User | None, conversation: Conversation | None, inbound: Message
    ) -> bool:
        """Whether the message may wait to be answered with others: a member's message the
        assistant answers (not one the team's conversation keeps silent on, nor deleted)."""
        return (
            user is not None
            and conversation is not None
            and inbound.author is Author.MEMBER
            and not inbound.is_revoked
            and not conversation.state.with_team
        )

    async def _login_answer(
        self, user: User, conversation: Conversation, inbound: Message
    ) -> Message | None:
        """The answer to a login code or a login's question; None for any other message."""
        if self._logins is None:
            return None
        return await self._logins.answer(user, conversation, inbound)

    async def _command_answer(
        self, user: User, conversation: Conversation, inbound: Message
    ) -> Message | None:
        """The answer to a command (see `Commands`); None for any other message."""
        if self._commands is None:
            return None
        return await self._commands.answer(user, conversation, inbound)

    async def _keep_media(self, line: _Line, user: User, inbound: Message) -> Message:
        if inbound.media is None or inbound.file_path is not None:
            return inbound
        try:
            fetched = await line.media.fetch(inbound.media)
        except SendFailure as failure:
            later = self._later(inbound.processing_attempts, failure.retry_after)
            if failure.retriable and later:
                raise later from failure
            log.warning(
                "media could not be fetched",
                extra={"message_id": str(inbound.id), "reason": failure.title},
            )
            return inbound
        extension = mimetypes.guess_extension(fetched.mime_type.split(";")[0].strip()) or ""
        fallback_name = f"{inbound.message_type.value}{extension}"
        file = await self._library_file(user, inbound, fetched.content, fallback_name)
        if file is not None:
            path = file.file_path
        else:
            # Not a type the library takes (a sticker, say): kept with the message only.
            name = safe_file_name(inbound.media.filename, fallback_name)
            path = storage_path_for(user.id, inbound.id, name)
            await self._storage.put(path, fetched.content, fetched.mime_type)
        async with self._uow() as uow:
            inbound = await _saved(uow, inbound, lambda current: current.kept_at(path))
            if file is not None and await uow.files.get(file.workspace_id, file.id) is None:
                await uow.files.add(file)
            await uow.commit()
        if file is not None:
            await self._intake.queue_sync(file)
        return inbound

    async def _library_file(
        self, user: User, inbound: Message, content: bytes, fallback_name: str
    ) -> UserFile | None:
        """The media as a file of the member's library (the message's id is the file's), so
        documents sent on WhatsApp are searchable like uploads; None for types it refuses."""
        given_name = inbound.media.filename if inbound.media else None
        try:
            media_type = self._intake.media_type_of(content, given_name)
        except InvalidInput:
            return None
        return await self._intake.keep(
            file_id=inbound.id,
            workspace_id=inbound.workspace_id,
            owner_id=user.id,
            file_name=given_name or fallback_name,
            content=content,
            source=FileSource.WHATSAPP,
            conversation_id=inbound.conversation_id,
            message_id=inbound.id,
            media_type=media_type,
        )

    async def _transcribe(self, inbound: Message) -> Message:
        """Keep a voice note's words with it before answering, so a retry does not pay again."""
        if (
            self._transcriber is None
            or inbound.message_type is not MessageType.AUDIO
            or inbound.file_path is None
            or inbound.transcript is not None
        ):
            return inbound
        try:
            audio = await self._storage.get(inbound.file_path)
        except NotFound:
            return inbound
        name = inbound.file_path.rsplit("/", 1)[-1]
        try:
            words = await self._transcriber.transcribe(audio, media_type_of(inbound), name)
        except UpstreamUnavailable as error:
            if later := self._later(inbound.processing_attempts):
                raise later from error
            # Answered without its words: the assistant asks the member to type it instead.
            log.warning("voice note not transcribed", extra={"message_id": str(inbound.id)})
            return inbound
        async with self._uow() as uow:
            inbound = await _saved(uow, inbound, lambda current: current.transcribed(words))
            await uow.commit()
        return inbound

    async def _answer(
        self,
        line: _Line,
        user: User,
        conversation: Conversation,
        inbound: Message,
        burst: Sequence[Message] = (),
    ) -> _Stored | None:
        """The answer to `inbound`, and to the `burst` of the member's messages before it
        (`domain.bursts`): one turn reads them all, in order."""
        reply: AssistantReply | None = None
        if inbound.message_type is MessageType.UNSUPPORTED:
            text = UNSUPPORTED_REPLY
        elif inbound.message_type is MessageType.TEXT and asks_for_a_person(inbound.content):
            async with self._uow(read_only=True) as uow:
                workspace = await workspace_of(uow, conversation)
            return await self._store_answer(
                line,
                conversation,
                inbound,
                handoff_notice(workspace.name),
                handoff=HandoffRequest(reason=ASKED_FOR_A_PERSON, by_member=True),
            )
        else:
            async with self._uow(read_only=True) as uow:
                recent = await uow.messages.recent(conversation.id, self._history_limit + 1)
                files = await files_of(uow, conversation.workspace_id, user.id)
                knowledge = await knowledge_of(uow, conversation.workspace_id)
                workspace = await workspace_of(uow, conversation)
                steps = await steps_of(uow, conversation.workspace_id, user.id)
            folded = {said.id for said in burst}
            history = self._history.select(
                assistant_reads([m for m in _before(recent, inbound) if m.id not in folded])
            )
            turn = await self._attachments.turn(
                workspace,
                user,
                conversation,
                history,
                inbound,
                files,
                knowledge=knowledge,
                steps=steps,
                earlier=burst,
            )
            try:
                reply = await self._bursts.while_typing(
                    self._typing(line, inbound), self._assistant.answer(turn)
                )
                text = render_answer(reply.text, reply.answer, MessageChannel.WHATSAPP)
            except UpstreamUnavailable as error:
                if later := self._later(inbound.processing_attempts):
                    raise later from error
                log.warning(
                    "assistant unavailable; apologising", extra={"message_id": str(inbound.id)}
                )
                text = APOLOGY
        return await self._store_answer(line, conversation, inbound, text, reply, burst=burst)

    def _typing(self, line: _Line, inbound: Message) -> Callable[[], Awaitable[None]]:
        """Shows the typing indicator again (with the read receipt of the burst's last
        message, which marks the earlier ones read too)."""

        async def show() -> None:
            if inbound.external_message_id:
                await line.channel.mark_read(inbound.external_message_id)

        return show

    async def _store_answer(
        self,
        line: _Line,
        conversation: Conversation,
        inbound: Message,
        text: str,
        reply: AssistantReply | None = None,
        *,
        handoff: HandoffRequest | None = None,
        burst: Sequence[Message] = (),
    ) -> _Stored | None:
        """Store the answer, ready to send; None, storing nothing, when the team took the
        conversation while the assistant thought (the row lock orders the two), or the member
        deleted the message meanwhile. Edited meanwhile, the run is tried again at once, to
        answer the new words."""
        now = self._clock.now()
        answer = with_accounting(
            Message.answer(inbound, id=self._ids.new_id(), content=text, at=now), reply
        )
        parts = split_text(text, line.channel.max_text_length)
        handoff = handoff or (reply.handoff if reply is not None else None)
        change: StateChange | None = None
        try:
            async with self._uow() as uow:
                current = await uow.conversations.get(
                    conversation.workspace_id, conversation.id, for_update=True
                )
                if current is None or current.state.with_team:
                    return None
                # The member may have edited or deleted it while the assistant thought (they
                # take the same locks): deleted, it is not answered; edited, it is asked again.
                asked = await uow.messages.get(inbound.id, for_update=True)
                if asked is None or asked.is_revoked or _folded(asked):
                    # Deleted; or answered with a later message of its burst, by that turn.
                    return None
                if asked.revision != inbound.revision or asked.content != inbound.content:
                    raise _RetryLater(0.0)
                await uow.messages.add(answer)
                try:
                    await self._bursts.fold(uow, answer, burst)
                except BurstChanged as changed:
                    raise _RetryLater(0.0) from changed
                await message_added(uow, answer, now)
                stored = _Stored(answer, Delivery.parts_of(answer, parts, self._ids.new_id, now))
                for part in stored.parts or ():
                    await uow.deliveries.add(part)
                await uow.conversations.update(current.active_at(answer.created_at))
                if handoff is not None:
                    after, change = current.handed_off(
                        id=self._ids.new_id(),
                        actor=handoff.actor,
                        actor_id=inbound.user_id if handoff.by_member else None,
                        reason=handoff.reason,
                        at=now,
                    )
                    await apply_change(uow, self._auditor, current, after, change)
                await uow.commit()
        except Conflict:
            # Another run answered first; deliver its answer, not a second one.
            async with self._uow(read_only=True) as uow:
                other = await uow.messages.reply_to(inbound.id)
            return None if other is None else _Stored(other)
        await summarise_if_handed_off(self._queue, change)
        return stored

    async def _deliver(
        self,
        line: _Line,
        user: User,
        answer: Message,
        conversation: Conversation,
        fresh_parts: list[Delivery] | None = None,
    ) -> Delivery | None:
        """Send the answer's unsent parts, each claimed first; returns the last part if it was
        sent now, for `_finish` to record with the rest (one transaction fewer per turn).

        Outside WhatsApp's 24-hour window nothing is sent as free text: the parts fail at once
        with Meta's reason, rather than being refused by Meta (131047)."""
        if fresh_parts is not None:
            # Just stored by this run: nobody else sends them but a job for the same message,
            # and each part is claimed before it is sent.
            parts = fresh_parts
        else:
            async with self._uow(read_only=True) as uow:
                parts = await uow.deliveries.for_message(answer.id)
        if not parts:
            parts = await self._parts_of(line, answer)
        if line.to is None:
            unsent = [p for p in parts if p.status is DeliveryStatus.PENDING and not p.sending]
            if unsent:
                await self._fail(unsent, None, NOWHERE_TO_SEND)
            return None
        if answer.template is None and not conversation.window_open(self._clock.now()):
            unsent = [p for p in parts if p.status is DeliveryStatus.PENDING and not p.sending]
            if unsent:
                await self._fail(unsent, OUTSIDE_WINDOW_CODE, OUTSIDE_WINDOW_REASON)
            return None
        for index, part in enumerate(parts):
            if part.status is not DeliveryStatus.PENDING:
                continue
            if part.sending:
                log.warning(
                    "a send was interrupted; not repeating it", extra={"delivery_id": str(part.id)}
                )
                await self._fail(parts[index:], None, INTERRUPTED)
                break
            await self._wait_turn(user, conversation, part)
            async with self._uow() as uow:
                claimed = await uow.deliveries.claim(part.id)
                await uow.commit()
            if not claimed:
                continue
            attempts = part.attempts + 1
            try:
                sent = await self._send(line, line.to, answer, part)
            except SendFailure as failure:
                if paced := await self._throttled(user, conversation, part, failure):
                    # Not a failed attempt: the provider only asked to wait.
                    await self._save(part.released(part.attempts))
                    raise paced from failure
                later = self._later(attempts, failure.retry_after)
                if failure.retriable and later:
                    await self._save(part.released(attempts))
                    raise later from failure
                await self._fail(
                    [part.released(attempts), *parts[index + 1 :]], failure.code, failure.title
                )
                break
            delivered = part.sent(attempts, sent.external_id)
            if index == len(parts) - 1:
                return delivered
            await self._save(delivered)
        return None

    async def _send(
        self, line: _Line, to: Recipient, message: Message, part: Delivery
    ) -> SentMessage:
        if message.template is not None:
            return await line.channel.send_template(to, message.template)
        if message.carries_file:
            return await line.channel.send_file(to, await self._file_of(message))
        return await line.channel.send_text(to, part.content)

    async def _wait_turn(self, user: User, conversation: Conversation, part: Delivery) -> None:
        """Return when the part may go to the member now; else raise to try it when it may
        (it is not claimed, so the parts after it wait too, and go in order). Past the pacing
        deadline such a wait counts as a run, so that MAX_RUNS bounds it."""
        if self._pacer is None:
            return
        wait = await self._pacer.turn(_number_key(conversation), str(user.id))
        if wait is not None:
            paced = self._pacer.waits_out(part.created_at, self._clock.now())
            raise _RetryLater(wait, paced=paced)

    async def _throttled(
        self, user: User, conversation: Conversation, part: Delivery, failure: SendFailure
    ) -> _RetryLater | None:
        """The retry of a part refused for a rate limit that passes with time, with the member
        or the number held back meanwhile (for every process); None when the refusal was for
        something else, or the part has waited past the pacing deadline (then it counts like
        any failure, and the retry policy's attempts bound what is left)."""
        if self._pacer is None or failure.throttled is None:
            return None
        if not self._pacer.waits_out(part.created_at, self._clock.now()):
            return None
        log.info(
            "the provider asked to slow down; trying again after the wait",
            extra={"delivery_id": str(part.id), "code": failure.code},
        )
        wait = await self._pacer.refused(
            _number_key(conversation), str(user.id), failure.throttled, failure.retry_after
        )
        return _RetryLater(wait, paced=True)

    async def _give_back_run(self, inbound: Message) -> None:
        """A run that only waited for its turn does not count against MAX_RUNS (waits are
        bounded by the pacing deadline instead)."""
        async with self._uow() as uow:
            current = await uow.messages.get(inbound.id, for_update=True)
            if current is not None and current.processing_attempts > 0:
                await uow.messages.update(current.waited())
                await uow.commit()

    async def _file_of(self, message: Message) -> OutgoingFile:
        """The file a message carries (it shares the message's id), as the channel sends it."""
        async with self._uow(read_only=True) as uow:
            file = await uow.files.get(message.workspace_id, message.id)
        try:
            content = None if file is None else await self._storage.get(file.file_path)
        except NotFound:
            content = None
        if file is None or content is None:
            raise SendFailure(FILE_GONE, retriable=False)
        linked = LinkedFile(
            path=file.file_path, media_type=file.file_type, file_name=file.file_name
        )
        return OutgoingFile(
            file_name=file.file_name,
            media_type=file.file_type,
            content=content,
            caption=message.caption_for(file.file_name),
            link=None if self._links is None else self._links.link(linked, self._clock.now()),
        )

    async def _parts_of(self, line: _Line, message: Message) -> list[Delivery]:
        """The parts of a message written to the member unasked (by hand, a notice), cut to
        this number's length once it is known which number sends it."""
        # A template, or a file with its caption, goes out whole as one message; its preview
        # (the caption) is what the thread shows.
        contents = (
            [message.content]
            if message.template is not None or message.carries_file
            else split_text(message.content, line.channel.max_text_length)
        )
        parts = Delivery.parts_of(message, contents, self._ids.new_id, self._clock.now())
        try:
            async with self._uow() as uow:
                for part in parts:
                    await uow.deliveries.add(part)
                await uow.commit()
        except Conflict:
            # Another run cut them first: send those.
            async with self._uow(read_only=True) as uow:
                return await uow.deliveries.for_message(message.id)
        return parts

    def _later(self, attempts: int, retry_after: float | None = None) -> _RetryLater | None:
        """The one retry decision: try again after the policy's delay (never sooner than the
        provider asked) while attempts remain; None once they are spent."""
        if self._retry.exhausted(attempts):
            return None
        return _RetryLater(self._retry.delay(attempts, retry_after))

    async def _save(self, part: Delivery) -> None:
        async with self._uow() as uow:
            await uow.deliveries.update(part.touched(self._clock.now()))
            await uow.commit()

    async def _fail(self, parts: list[Delivery], code: int | None, title: str) -> None:
        now = self._clock.now()
        async with self._uow() as uow:
            for part in parts:
                await uow.deliveries.update(part.failed(code, title, now))
            await uow.commit()
        log.warning(
            "answer not delivered",
            extra={"message_id": str(parts[0].message_id), "code": code, "reason": title},
        )

    async def _send_earlier(
        self, line: _Line, user: User, earlier: Message, conversation: Conversation
    ) -> None:
        """Finish sending the answer to an earlier revision of the message, before the next
        answer: the member edited it into a new question while that answer was on its way."""
        last_part = await self._deliver(line, user, earlier, conversation)
        async with self._uow() as uow:
            if last_part is not None:
                await uow.deliveries.update(last_part.touched(self._clock.now()))
            await self._settle(uow, earlier)
            await uow.commit()

    async def _withdraw(self, answer: Message | None) -> None:
        """The parts of `answer` not sent yet are not sent: the member deleted what it answers."""
        if answer is None or answer.delivery_status is not DeliveryStatus.PENDING:
            return
        async with self._uow(read_only=True) as uow:
            parts = await uow.deliveries.for_message(answer.id)
        unsent = [part for part in parts if part.status is DeliveryStatus.PENDING]
        if unsent:
            await self._fail(unsent, None, WITHDRAWN)

    async def _finish(
        self, inbound: Message, answer: Message | None, last_part: Delivery | None
    ) -> None:
        """In one transaction: the part just sent, the answer's overall delivery status, and the
        message marked done. A crash before it leaves the sent part claimed, which a rerun
        reports instead of sending it twice. A message the member has since edited into a new
        question is not done: the run its edit queued answers that (the lock orders the two)."""
        async with self._uow() as uow:
            if last_part is not None:
                await uow.deliveries.update(last_part.touched(self._clock.now()))
            if answer is not None:
                await self._settle(uow, answer)
            current = await uow.messages.get(inbound.id, for_update=True)
            if current is not None and current.revision == inbound.revision:
                await uow.messages.update(current.done())
            await uow.commit()

    async def _settle(self, uow: UnitOfWork, answer: Message) -> None:
        parts = await uow.deliveries.for_message(answer.id)
        current = await uow.messages.get(answer.id)
        if current is not None:
            after = settled(current, parts)
            await uow.messages.update(after)
            await delivery_settled(uow, current, after, self._clock.now())


def _folded(message: Message) -> bool:
    """Answered with the later messages of its burst: as first sent (revision 0; a burst takes
    no edit that asks anew, which is answered on its own)."""
    return message.answered_by_id is not None and message.revision == 0


async def _saved(uow: UnitOfWork, message: Message, step: Callable[[Message], Message]) -> Message:
    """Save a step of the pipeline (media kept, words heard) onto the message as it is stored
    now, read under its lock, and return that: saved from an older copy, it would undo what
    another run did meanwhile (folded it into a burst's answer, marked it done)."""
    current = await uow.messages.get(message.id, for_update=True)
    after = step(current if current is not None else message)
    if current is not None:
        await uow.messages.update(after)
    return after


def _before(recent: list[Message], inbound: Message) -> list[Message]:
    """What the assistant reads before `inbound`, of the conversation's recent messages: what
    came before it. An edit answered as a new turn (revision above 0) comes after everything
    said since, the message itself among them as the member first wrote it, so that the
    assistant sees the question change."""
    if inbound.revision == 0:
        return [m for m in recent if m.id != inbound.id and m.created_at <= inbound.created_at]
    first = inbound.reworded(inbound.original_text or inbound.content)
    return [first if m.id == inbound.id else m for m in recent]


def _number_key(conversation: Conversation) -> str:
    """The number a conversation is on, as the limiter counts it: its id, or the deployment's
    own number (IGNACIO_CHANNEL)."""
    return str(conversation.number_id) if conversation.number_id is not None else "default"
