"""ReviseInbound: a member edited, or deleted, a WhatsApp message they had sent."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from uuid import UUID

import msgspec

from ignacio.application.auditing import Auditor
from ignacio.application.events import message_changed
from ignacio.application.file_intake import forget_everywhere
from ignacio.application.identities import find_sender
from ignacio.application.ports import (
    BlobStorage,
    Clock,
    DocumentIndex,
    JobQueue,
    RateLimiter,
    UnitOfWork,
    UnitOfWorkFactory,
)
from ignacio.application.routing import route
from ignacio.application.use_cases.receive_inbound import (
    INBOUND_LIMIT_KEY,
    InboundLimits,
    admits,
)
from ignacio.domain import (
    AccessPolicy,
    Author,
    InboundEdit,
    InboundRevision,
    Message,
    User,
)
from ignacio.domain import Channel as MessageChannel
from ignacio.domain.channels import ChannelAddress, UnknownRecipient
from ignacio.domain.edits import EditEffect
from ignacio.domain.knowledge import FileSource

# Standard logging: the core takes no logging framework; the entrypoint renders these with structlog.
log = logging.getLogger(__name__)


class ReviseInboundResult(msgspec.Struct, frozen=True, kw_only=True):
    """`message_id`: the message changed (None: nothing was); `effect`: what an edit did."""

    message_id: UUID | None
    effect: EditEffect | None = None


class _Ignored(Exception):
    """The edit or deletion is not taken in; the message says why (no personal data)."""


class ReviseInbound:
    """Take in an edit or a deletion of a message the member sent earlier.

    - The message is found by the provider's id for it. One we do not have (never stored, or
      its sender was refused), one another person sent, or one of another workspace (the edit
      came through another number) is ignored with the reason logged: never an error, never a
      reply.
    - An edit changes the message's words and keeps the first ones (`Message.edited`). Not
      answered yet, the message is answered in its new words, once, by the answer already
      queued. Answered already, it is answered again, as a new turn, only when the edit asks
      something else (`domain.edits.same_question`: a typo fixed is not a new question), and
      the member is active, still let in by the workspace's access policy, and within their
      per-number limit (an edit counts as a message).
    - A deletion marks the message deleted (`Message.revoked`): no history shows its words and
      no assistant reads them. Still pending, it is not answered at all; an answer not sent
      yet is not sent. It is audited (`message.revoke`, by the member), without the words. A
      photo, voice note or document it carried leaves the member's library too (its index
      entries, its blob, then its row, as a deletion from the library does): the assistant
      searches the library, and the member took it back.
    - Both are idempotent: a redelivered edit brings the words the message has, a redelivered
      deletion finds it deleted. An edit older than the one kept changes nothing.
    - Both are taken in under the conversation's row lock, then the message's, which is how
      the pipeline stores an answer: an answer and an edit never miss each other. Either the
      answer is stored first, and the edit is judged against it, or the edit is, and the
      answer (to the old words) is not stored but asked for again.
    - Open inboxes and chats are told (`message_changed`).
    """

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        queue: JobQueue,
        clock: Clock,
        limiter: RateLimiter,
        auditor: Auditor,
        access: AccessPolicy | None = None,
        limits: InboundLimits | None = None,
        home: ChannelAddress | None = None,
        storage: BlobStorage | None = None,
        indexes: Sequence[DocumentIndex] = (),
    ) -> None:
        self._storage = storage
        self._indexes = indexes
        self._uow = uow
        self._queue = queue
        self._clock = clock
        self._limiter = limiter
        self._auditor = auditor
        self._access = access or AccessPolicy()
        self._limits = limits or InboundLimits()
        self._home = home

    async def __call__(self, revision: InboundRevision) -> ReviseInboundResult:
        kind = "edit" if isinstance(revision, InboundEdit) else "deletion"
        within_limit = True
        if isinstance(revision, InboundEdit):
            wait = await self._limiter.hit(
                INBOUND_LIMIT_KEY, revision.sender.key, self._limits.per_phone
            )
            within_limit = wait is None
        try:
            async with self._uow() as uow:
                message, owner, admitted = await self._original(uow, revision)
                now = self._clock.now()
                effect: EditEffect | None = None
                if isinstance(revision, InboundEdit):
                    newest = await uow.messages.reply_to(message.id)
                    after, effect = message.edited(
                        revision.text,
                        at=revision.sent_at,
                        # Answered with the later messages of its burst counts as answered.
                        answered=(newest is not None and newest.revision == message.revision)
                        or message.answered_by_id is not None,
                        may_answer=owner.is_active and admitted and within_limit,
                    )
                else:
                    after = message.revoked(revision.sent_at)
                if after is message:
                    raise _Ignored(
                        f"nothing to change ({effect.value})" if effect else "deleted already"
                    )
                await uow.messages.revise(after)
                await message_changed(uow, after, now)
                if after.is_revoked:
                    await self._auditor.record(
                        uow,
                        owner.id,
                        "message.revoke",
                        "message",
                        after.id,
                        workspace_id=after.workspace_id,
                        conversation_id=str(after.conversation_id),
                    )
                await uow.commit()
        except _Ignored as ignored:
            log.info(
                "an edit or deletion of a WhatsApp message ignored",
                extra={"kind": kind, "reason": str(ignored), "external_id": revision.external_id},
            )
            return ReviseInboundResult(message_id=None)
        if effect is EditEffect.NEW_QUESTION:
            await self._queue.enqueue_processing(after.id)
        if after.is_revoked:
            await self._forget_its_file(after)
        return ReviseInboundResult(message_id=after.id, effect=effect)

    async def _forget_its_file(self, message: Message) -> None:
        """The file the deleted message brought into the library (kept under the message's
        id), gone from everywhere; none, nothing to do. Each step is idempotent: a failure is
        finished by the deletion's redelivery, or by the member deleting the file."""
        if self._storage is None:
            return
        async with self._uow(read_only=True) as uow:
            file = await uow.files.get(message.workspace_id, message.id)
        if file is None or file.source is not FileSource.WHATSAPP:
            return
        await forget_everywhere(file, self._indexes, self._storage)
        async with self._uow() as uow:
            await uow.files.delete(file.workspace_id, file.id)
            await uow.commit()

    async def _original(
        self, uow: UnitOfWork, revision: InboundRevision
    ) -> tuple[Message, User, bool]:
        """The message `revision` is about, locked, as it stands (its conversation's row lock
        taken first, as the pipeline takes them); the member who sent it; and whether the
        workspace's access policy still lets them in. _Ignored when it is not theirs to
        change."""
        found = await uow.messages.by_external_id(revision.original_external_id)
        if found is None:
            raise _Ignored("no such message here")
        if found.author is not Author.MEMBER or found.channel is not MessageChannel.WHATSAPP:
            raise _Ignored("not a member's WhatsApp message")
        owner = await uow.users.get(found.user_id)
        if owner is None or not await _sent_by(uow, owner, revision):
            raise _Ignored("the message was sent by someone else")
        try:
            workspace, _ = await route(uow, revision.provider, revision.recipient, self._home)
        except UnknownRecipient as error:
            raise _Ignored("sent to a number no workspace has") from error
        if workspace.id != found.workspace_id:
            raise _Ignored("the message is in another workspace")
        conversation = await uow.conversations.get(
            found.workspace_id, found.conversation_id, for_update=True
        )
        message = await uow.messages.get(found.id, for_update=True)
        if conversation is None or message is None:
            raise _Ignored("the message is gone")
        policy = workspace.access_policy(self._access)
        return message, owner, await admits(uow, workspace, policy, revision.sender, owner)


async def _sent_by(uow: UnitOfWork, owner: User, revision: InboundRevision) -> bool:
    """Whether the person who made the revision is the one who sent the message: the same
    phone number, or one of their WhatsApp identities (see `ignacio.application.identities`)."""
    sender = revision.sender
    if sender.phone is not None and owner.phone == sender.phone:
        return True
    member = (await find_sender(uow, revision.provider, sender)).member
    return member is not None and member.id == owner.id
