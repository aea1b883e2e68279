"""ReceiveInbound: keep a message that arrived on WhatsApp, once, and queue its answer."""

from __future__ import annotations

import logging
from datetime import timedelta
from uuid import UUID

import msgspec

from ignacio.application.auditing import Auditor
from ignacio.application.bursts import Bursts
from ignacio.application.events import message_added
from ignacio.application.handover import apply_change
from ignacio.application.identities import Found, find_sender, keep_sender
from ignacio.application.merging import Joined, MemberMerges, join_members
from ignacio.application.ports import (
    ChannelDirectory,
    Clock,
    IdGenerator,
    JobQueue,
    MemberSessions,
    RateLimit,
    RateLimiter,
    SendFailure,
    UnitOfWork,
    UnitOfWorkFactory,
)
from ignacio.application.routing import route
from ignacio.application.workspaces import welcome
from ignacio.domain import (
    AccessPolicy,
    Author,
    Conflict,
    Conversation,
    Delivery,
    DeliveryStatus,
    InboundMessage,
    Message,
    NotFound,
    ProcessingState,
    Sender,
    User,
)
from ignacio.domain import Channel as MessageChannel
from ignacio.domain.channels import ChannelAddress, WorkspaceChannel
from ignacio.domain.handover import ConversationState
from ignacio.domain.member_sessions import DEFAULT_SESSION_TTL, MemberSession
from ignacio.domain.merging import halves_of_one_person, survivor_of
from ignacio.domain.message_login import hidden
from ignacio.domain.workspaces import Workspace

# Standard logging: the core takes no logging framework; the entrypoint renders these with structlog.
log = logging.getLogger(__name__)

WHATSAPP_CONVERSATION_TITLE = "WhatsApp"
SLOW_DOWN_NOTICE = (
    "You're sending messages faster than I can answer, so I'll leave the next few unanswered. "
    "Please wait a minute, then send your question again."
)
_ATTEMPTS = 3
INBOUND_LIMIT_KEY = "whatsapp-inbound"
"""The rate limiter's namespace for what a sender sends (by `Sender.key`: their WhatsApp user
id where there is one, else their number): their messages, and their edits of them."""


class InboundLimits(msgspec.Struct, frozen=True, kw_only=True):
    """How many messages one sender may send (`per_phone`: counted by their WhatsApp user id
    where the provider gives one, else by number), and how often a sender who is not let in is
    told so (`refusal_notice`)."""

    per_phone: RateLimit = RateLimit(amount=10, seconds=60)
    refusal_notice: RateLimit = RateLimit(amount=1, seconds=24 * 60 * 60)


class ReceiveInboundResult(msgspec.Struct, frozen=True, kw_only=True):
    message_id: UUID | None
    duplicate: bool
    refused: bool = False
    throttled: bool = False


class _Refused(Exception):
    """The sender may not talk to this workspace's assistant; nothing of theirs is stored."""

    def __init__(
        self, workspace: Workspace, number: WorkspaceChannel | None, policy: AccessPolicy
    ) -> None:
        super().__init__(workspace.slug)
        self.workspace = workspace
        self.number = number
        self.policy = policy


async def admits(
    uow: UnitOfWork,
    workspace: Workspace,
    policy: AccessPolicy,
    sender: Sender,
    known: User | None,
) -> bool:
    """Whether `sender` (the member `known`, if any) may talk to the workspace's assistant.
    Lists hold numbers: the sender is checked by the number their message came with, else by
    their member's; with neither, no list can name them (see `AccessPolicy`)."""
    phone = sender.phone or (known.phone if known is not None else None)
    admitted = policy.admits_without_list(phone, known)
    if admitted is None:
        assert phone is not None
        admitted = await uow.allow_list.contains(workspace.id, phone)
    return admitted


class ReceiveInbound:
    """Store an inbound message durably before anything else happens to it.

    - De-duplication is atomic: the provider's message id is a unique key, so a delivery that
      the provider retries (Meta's or Twilio's), even concurrently, is stored once and answered
      once.
    - The sender is found by their WhatsApp user id (Meta's BSUID, under the account that
      scopes it), by their phone number, or both, and the two are linked when a delivery
      carries both; or they become a member (`ignacio.application.identities` has the rules,
      clashes included). Two members who turn out to be one person's id and number are joined
      in the same transaction (`ignacio.application.merging`). Their WhatsApp name fills an empty profile name.
    - The message is for the workspace that has the number it was sent to (`route`); a number
      no workspace has raises UnknownRecipient and nothing is stored. It joins the member's
      WhatsApp conversation in that workspace (created on first contact), so the web app shows
      it in the same history, and the conversation remembers the number, which answers.
    - Processing is queued only after the commit; messages from deactivated members are kept but
      not answered, and so are reactions; a login code in one of those is kept hidden.
    - Access, whichever provider carried the message: `open` lets anyone in; `registered` only
      active members; `whitelist` only the numbers the configuration or the admins' allow-list
      name (active admins always get in). Lists hold numbers: a sender is checked by the number
      the message came with, else their member's; one with neither (a username, no number
      known) is refused like an unlisted number. A sender who is not let in is not stored, does
      not become a member, and nothing reaches the assistant; they get one polite notice a day
      at most, at their number or, without one, their user id.
    - While the member's session lives (`/new` or `/switch` chose a conversation, see
      `Commands`), their messages go to the conversation it names, and each renews it for
      `session_ttl`; once it has expired, to their latest WhatsApp conversation again.
    - A message that may be part of a burst is processed after the burst's quiet period (or
      its maximum wait, if sooner): the newest message's job answers the whole burst at once
      (`domain.bursts`).
    - Each sender may send `per_phone` messages per window. Messages over the limit are kept but
      not answered; the first of them is answered, durably, with a request to slow down, so the
      member hears it once per window.
    """

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        queue: JobQueue,
        clock: Clock,
        ids: IdGenerator,
        channels: ChannelDirectory,
        limiter: RateLimiter,
        auditor: Auditor,
        access: AccessPolicy | None = None,
        limits: InboundLimits | None = None,
        home: ChannelAddress | None = None,
        merges: MemberMerges | None = None,
        sessions: MemberSessions | None = None,
        session_ttl: timedelta = DEFAULT_SESSION_TTL,
        bursts: Bursts | None = None,
    ) -> None:
        self._sessions = sessions
        self._session_ttl = session_ttl
        self._uow = uow
        self._merges = merges
        self._bursts = bursts or Bursts.off(clock)
        self._queue = queue
        self._clock = clock
        self._ids = ids
        self._channels = channels
        self._home = home
        self._auditor = auditor
        self._limiter = limiter
        self._access = access or AccessPolicy()
        self._limits = limits or InboundLimits()

    async def __call__(self, inbound: InboundMessage) -> ReceiveInboundResult:
        over_limit, slow_down = await self._limit(inbound)
        for attempt in range(1, _ATTEMPTS + 1):
            storing_message = False
            joined: Joined | None = None
            try:
                async with self._uow() as uow:
                    found = await find_sender(uow, inbound.provider, inbound.sender)
                    if found.clash:
                        found, joined = await self._join_halves(uow, inbound, found)
                    workspace, number = await route(
                        uow, inbound.provider, inbound.recipient, self._home
                    )
                    policy = workspace.access_policy(self._access)
                    if not await admits(uow, workspace, policy, inbound.sender, found.member):
                        raise _Refused(workspace, number, policy)
                    user = await self._member(uow, inbound, found)
                    session = await self._session(workspace, user)
                    conversation = await self._conversation(uow, workspace, user, number, session)
                    message = self._message(
                        inbound, user, conversation, answer=slow_down or not over_limit
                    )
                    storing_message = True
                    await uow.messages.add(message)
                    await message_added(uow, message, message.created_at)
                    if slow_down and message.processing is ProcessingState.PENDING:
                        await self._slow_down(uow, message)
                    conversation = await self._reopen(uow, conversation, message)
                    await uow.conversations.update(conversation.member_wrote(message.created_at))
                    delay = await self._delay(uow, conversation, message, slow_down)
                    await uow.commit()
            except _Refused as refused:
                await self._refuse(inbound, refused.workspace, refused.number, refused.policy)
                return ReceiveInboundResult(message_id=None, duplicate=False, refused=True)
            except Conflict:
                if storing_message:
                    log.info(
                        "duplicate delivery ignored", extra={"external_id": inbound.external_id}
                    )
                    return ReceiveInboundResult(message_id=None, duplicate=True)
                if attempt == _ATTEMPTS:
                    raise
                # Another delivery created the same member at the same moment: look again.
                continue
            if joined is not None and self._merges is not None:
                await self._merges.settle(joined)
            if session is not None and self._sessions is not None:
                await self._sessions.renew(
                    workspace.id, user.id, self._clock.now(), self._session_ttl
                )
            if found.clash:
                await self._report_clash(inbound, found)
            if message.processing is ProcessingState.PENDING:
                await self._queue.enqueue_processing(message.id, delay_seconds=delay)
            return ReceiveInboundResult(
                message_id=message.id, duplicate=False, throttled=over_limit
            )
        raise AssertionError("unreachable")

    async def _delay(
        self, uow: UnitOfWork, conversation: Conversation, message: Message, slow_down: bool
    ) -> float:
        """How long the message waits before its job runs: the member may be sending a burst
        (`domain.bursts`). The slow-down notice, already its answer, goes at once; so does a
        message to a conversation the team has, which the assistant does not answer: handed
        back during a quiet period, it would otherwise be answered by the assistant, though
        the member wrote it to a person."""
        if (
            message.processing is not ProcessingState.PENDING
            or slow_down
            or conversation.state.with_team
        ):
            return 0.0
        return await self._bursts.delay(uow, message)

    async def _reopen(
        self, uow: UnitOfWork, conversation: Conversation, message: Message
    ) -> Conversation:
        """A message in a closed conversation opens it again, with the assistant. Read again
        under the row lock, and only then (closing is rare; most messages pay nothing): a
        person of the team may have changed it in the meantime."""
        if conversation.state is not ConversationState.CLOSED:
            return conversation
        current = await uow.conversations.get(
            conversation.workspace_id, conversation.id, for_update=True
        )
        if current is None:
            return conversation
        after, change = current.reopened(id=self._ids.new_id(), at=message.created_at)
        await apply_change(uow, self._auditor, current, after, change)
        return msgspec.structs.replace(after, number_id=conversation.number_id)

    async def _limit(self, inbound: InboundMessage) -> tuple[bool, bool]:
        """Whether the sender is over their limit, and whether this is the first message over it
        in the window (which is answered with the slow-down notice)."""
        key = inbound.sender.key
        per_phone = self._limits.per_phone
        if await self._limiter.hit(INBOUND_LIMIT_KEY, key, per_phone) is None:
            return False, False
        log.info("message over the sender's limit", extra={"sender": inbound.sender.masked()})
        if not inbound.expects_answer:
            return True, False
        once_per_window = RateLimit(amount=1, seconds=per_phone.seconds)
        return True, await self._limiter.hit("whatsapp-slow-down", key, once_per_window) is None

    async def _join_halves(
        self, uow: UnitOfWork, inbound: InboundMessage, found: Found
    ) -> tuple[Found, Joined | None]:
        """The id's member and the number's joined, when they are two halves of one person
        (`ignacio.domain.merging`); then found again. Else as found (a clash, reported)."""
        owner, holder = found.owner, found.holder
        if owner is None or holder is None:
            return found, None
        theirs = (await uow.identities.of_users([holder.id])).get(holder.id, [])
        sender = inbound.sender
        if not halves_of_one_person(owner, holder, theirs, inbound.provider, sender.account):
            return found, None
        survivor, joining = survivor_of(owner, holder)
        try:
            joined = await join_members(
                uow,
                self._auditor,
                survivor,
                joining,
                self._clock.now(),
                reason="a delivery named one member's WhatsApp id and another's number",
            )
        except NotFound as gone:
            # Another delivery joined them first: look again.
            raise Conflict("The sender's members were joined meanwhile.") from gone
        return await find_sender(uow, inbound.provider, sender), joined

    async def _report_clash(self, inbound: InboundMessage, found: Found) -> None:
        """Audit, once a day at most per sender, that their id is one member's and their number
        another's, and they are not two halves of one person: an admin decides."""
        if found.owner is None or found.holder is None:
            return
        once_a_day = RateLimit(amount=1, seconds=24 * 60 * 60)
        key = f"{found.owner.id}:{found.holder.id}"
        if await self._limiter.hit("whatsapp-identity-clash", key, once_a_day) is not None:
            return
        log.warning(
            "a WhatsApp id and number belong to two members; answered as the id's",
            extra={"sender": inbound.sender.masked()},
        )
        async with self._uow() as uow:
            await self._auditor.record(
                uow,
                None,
                "user.whatsapp_identity_conflict",
                "user",
                found.owner.id,
                number_holder=str(found.holder.id),
                number=inbound.sender.masked(),
            )
            await uow.commit()

    async def _refuse(
        self,
        inbound: InboundMessage,
        workspace: Workspace,
        number: WorkspaceChannel | None,
        policy: AccessPolicy,
    ) -> None:
        """Log the refusal, and tell the sender once a day at most (best effort: nothing is
        stored to retry it with)."""
        log.info(
            "message from a number that may not talk to Ignacio refused",
            extra={
                "sender": inbound.sender.masked(),
                "workspace": workspace.slug,
                "access": policy.mode.value,
            },
        )
        if not inbound.expects_answer:
            return
        wait = await self._limiter.hit(
            "whatsapp-refusal-notice", inbound.sender.key, self._limits.refusal_notice
        )
        if wait is not None:
            return
        try:
            channel = self._channels.channel(number)
            await channel.send_text(inbound.sender.recipient, workspace.refusal_notice())
        except (SendFailure, ValueError) as failure:
            log.warning(
                "refusal notice not sent",
                extra={"sender": inbound.sender.masked(), "reason": str(failure)},
            )

    async def _slow_down(self, uow: UnitOfWork, inbound: Message) -> None:
        """Store the slow-down notice as the message's answer, ready to send: the worker delivers
        an existing answer (with its retries) instead of asking the assistant."""
        answer = Message.answer(
            inbound, id=self._ids.new_id(), content=SLOW_DOWN_NOTICE, at=inbound.created_at
        )
        await uow.messages.add(answer)
        await message_added(uow, answer, answer.created_at)
        for part in Delivery.parts_of(
            answer, [SLOW_DOWN_NOTICE], self._ids.new_id, answer.created_at
        ):
            await uow.deliveries.add(part)

    async def _member(self, uow: UnitOfWork, inbound: InboundMessage, found: Found) -> User:
        now = self._clock.now()
        profile_name = (inbound.profile_name or "").strip()[:255] or None
        user = found.member
        if user is None:
            user = User(
                id=self._ids.new_id(),
                phone=inbound.sender.phone,
                name=profile_name,
                created_at=now,
                updated_at=now,
            )
            await uow.users.add(user)
            await welcome(uow, self._ids, user, now)
        return await keep_sender(
            uow,
            self._ids,
            self._auditor,
            inbound.provider,
            inbound.sender,
            found,
            user,
            now,
            profile_name=profile_name,
        )

    async def _session(self, workspace: Workspace, user: User) -> MemberSession | None:
        """The member's session in the workspace, if it lives (a read of its own, which never
        waits for this unit of work's writes)."""
        if self._sessions is None:
            return None
        return await self._sessions.get(workspace.id, user.id, self._clock.now())

    async def _conversation(
        self,
        uow: UnitOfWork,
        workspace: Workspace,
        user: User,
        number: WorkspaceChannel | None,
        session: MemberSession | None = None,
    ) -> Conversation:
        number_id = number.id if number is not None else None
        conversation = None
        if session is not None and session.conversation_id is not None:
            chosen = await uow.conversations.get(workspace.id, session.conversation_id)
            # Still theirs and on WhatsApp (it may have been deleted meanwhile).
            if (
                chosen is not None
                and chosen.user_id == user.id
                and chosen.channel is MessageChannel.WHATSAPP
            ):
                conversation = chosen
        if conversation is None:
            conversation = await uow.conversations.latest_for(
                workspace.id, user.id, MessageChannel.WHATSAPP
            )
        if conversation is not None:
            # Stored with the message's activity (`active_at`) by the caller.
            return conversation.on_number(number_id)
        now = self._clock.now()
        conversation = Conversation(
            id=self._ids.new_id(),
            workspace_id=workspace.id,
            user_id=user.id,
            title=WHATSAPP_CONVERSATION_TITLE,
            channel=MessageChannel.WHATSAPP,
            number_id=number_id,
            created_at=now,
            updated_at=now,
        )
        await uow.conversations.add(conversation)
        return conversation

    def _message(
        self, inbound: InboundMessage, user: User, conversation: Conversation, *, answer: bool
    ) -> Message:
        answer = answer and inbound.expects_answer and user.is_active
        return Message(
            id=self._ids.new_id(),
            workspace_id=conversation.workspace_id,
            conversation_id=conversation.id,
            user_id=user.id,
            author=Author.MEMBER,
            # Not answered, it never reaches the pipeline that hides a login code: hidden now.
            content=inbound.text if answer else hidden(inbound.text),
            message_type=inbound.message_type,
            channel=MessageChannel.WHATSAPP,
            external_message_id=inbound.external_id,
            delivery_status=DeliveryStatus.RECEIVED,
            media=inbound.media,
            processing=ProcessingState.PENDING if answer else ProcessingState.DONE,
            created_at=self._clock.now(),
        )
