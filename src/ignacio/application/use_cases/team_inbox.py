"""The team inbox: the workspace's conversations for its agents and admins, who answers each,
and the team stepping in (taking a conversation, replying by hand, giving it back, closing it).

Decided here, for the whole team's daily work: reading the inbox and a thread is not written to
the audit log (agents open conversations all day; the admin-only views still audit every read),
every change of who answers and every reply by hand is.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec

from ignacio.application.auditing import Auditor
from ignacio.application.events import conversation_read, message_added
from ignacio.application.file_intake import FileIntake
from ignacio.application.handover import apply_change, queued_on_whatsapp
from ignacio.application.identities import shown_identities
from ignacio.application.ports import (
    BlobStorage,
    Clock,
    IdGenerator,
    JobQueue,
    UnitOfWork,
    UnitOfWorkFactory,
)
from ignacio.application.ports.conversations import InboxFilter, Qualification
from ignacio.application.summaries import SummaryView, latest_summary
from ignacio.domain import (
    Conflict,
    Conversation,
    Delivery,
    DeliveryStatus,
    InvalidInput,
    Message,
    NotFound,
    Page,
    PageRequest,
    User,
    WhatsAppIdentity,
)
from ignacio.domain.conversations import check_caption
from ignacio.domain.handover import (
    OUTSIDE_WINDOW_CODE,
    ConversationState,
    ReadMarker,
    StateChange,
)
from ignacio.domain.knowledge import FileSource
from ignacio.domain.workflow import ProgressSummary
from ignacio.domain.workspaces import WorkspaceAccess

NO_SUCH_CONVERSATION = "There is no such conversation."
CHANGES_SHOWN = 100
OUTSIDE_WINDOW = (
    "This member last wrote more than 24 hours ago, so WhatsApp no longer takes free text to "
    f"them (Meta's error {OUTSIDE_WINDOW_CODE}). Send the workspace's approved template "
    "instead, or wait until they write again."
)


class InboxQuery(msgspec.Struct, frozen=True, kw_only=True):
    page: PageRequest = PageRequest()
    filter: InboxFilter = InboxFilter()
    mine: bool = False  # only the conversations the caller has
    qualified: bool | None = None  # members qualified by the workflow's steps, or not yet


class InboxLine(msgspec.Struct, frozen=True, kw_only=True):
    """A conversation as the inbox lists it: with its member and the person who has it."""

    conversation: Conversation
    member: User | None
    assignee: User | None
    last_message: Message | None
    unread: int
    member_identity: WhatsAppIdentity | None = None
    """The WhatsApp identity the member is shown with (see `shown_identities`)."""
    progress: ProgressSummary | None = None
    """How far the member is through the workspace's steps; None when it has none."""


class InboxThread(msgspec.Struct, frozen=True, kw_only=True):
    """One conversation opened in the inbox: who it is with, who has it, and its changes of
    state (the messages come page by page, apart)."""

    conversation: Conversation
    member: User | None
    assignee: User | None
    changes: list[StateChange]
    people: dict[UUID, User]
    """The people its changes and messages name (the team who acted), by id."""
    summary: SummaryView | None = None
    """Its newest summary, for whoever takes it over to read first; None when it has none."""
    member_identity: WhatsAppIdentity | None = None
    """The WhatsApp identity the member is shown with (see `shown_identities`)."""


async def team_conversation(
    uow: UnitOfWork, access: WorkspaceAccess, conversation_id: UUID, *, for_update: bool = False
) -> Conversation:
    """The workspace's conversation, for its team (PermissionDenied for anyone else); NotFound
    if the workspace has no such conversation."""
    access.require_team()
    conversation = await uow.conversations.get(
        access.workspace.id, conversation_id, for_update=for_update
    )
    if conversation is None:
        raise NotFound(NO_SUCH_CONVERSATION)
    return conversation


class ListInbox:
    """The workspace's conversations, newest activity first, filtered by state, assignee,
    channel, unread (for the caller) and title; "mine" is what the caller has. For the
    workspace's team (agents, admins) and platform admins."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, access: WorkspaceAccess, query: InboxQuery) -> Page[InboxLine]:
        access.require_team()
        wanted = query.filter
        if query.mine:
            if wanted.assignee_id not in (None, access.user.id):
                raise InvalidInput("'mine' lists your own conversations: leave out the assignee.")
            wanted = msgspec.structs.replace(wanted, assignee_id=access.user.id)
        async with self._uow(read_only=True) as uow:
            workflow = await uow.workflows.get(access.workspace.id)
            if query.qualified is not None:
                wanted = msgspec.structs.replace(
                    wanted,
                    qualification=Qualification(workflow=workflow, qualified=query.qualified),
                )
            page = await uow.conversations.inbox(
                access.workspace.id, access.user.id, query.page, wanted
            )
            people = await uow.users.get_many(
                {item.conversation.user_id for item in page.items}
                | {
                    item.conversation.assignee_id
                    for item in page.items
                    if item.conversation.assignee_id is not None
                }
            )
            shown = await shown_identities(
                uow,
                (
                    people[i.conversation.user_id]
                    for i in page.items
                    if i.conversation.user_id in people
                ),
            )
            progress = (
                await uow.workflows.progress_of(
                    access.workspace.id, {item.conversation.user_id for item in page.items}
                )
                if workflow.steps
                else {}
            )
        lines = [
            InboxLine(
                conversation=item.conversation,
                member=people.get(item.conversation.user_id),
                assignee=people.get(item.conversation.assignee_id)
                if item.conversation.assignee_id
                else None,
                last_message=item.last_message,
                unread=item.unread,
                member_identity=shown.get(item.conversation.user_id),
                progress=progress[item.conversation.user_id].summary(workflow)
                if item.conversation.user_id in progress
                else None,
            )
            for item in page.items
        ]
        return Page(items=lines, next=page.next)


class GetInboxThread:
    """One of the workspace's conversations for its team, with its changes of state and its
    newest summary."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, access: WorkspaceAccess, conversation_id: UUID) -> InboxThread:
        async with self._uow(read_only=True) as uow:
            conversation = await team_conversation(uow, access, conversation_id)
            changes = await uow.conversations.changes(
                access.workspace.id, conversation.id, CHANGES_SHOWN
            )
            named = {conversation.user_id} | {
                person
                for change in changes
                for person in (change.actor_id, change.assignee_id)
                if person is not None
            }
            if conversation.assignee_id is not None:
                named.add(conversation.assignee_id)
            people = await uow.users.get_many(named)
            summary = await latest_summary(uow, conversation, people)
            member = people.get(conversation.user_id)
            shown = await shown_identities(uow, [member] if member is not None else [])
        return InboxThread(
            conversation=conversation,
            member=member,
            member_identity=shown.get(conversation.user_id),
            assignee=people.get(conversation.assignee_id) if conversation.assignee_id else None,
            changes=changes,
            people=people,
            summary=summary,
        )


class ThreadPage(msgspec.Struct, frozen=True, kw_only=True):
    """A page of a thread for the team: the messages, the people who wrote some by hand, and
    why each failed message failed (its first failed part)."""

    messages: Page[Message]
    people: dict[UUID, User]
    failures: dict[UUID, Delivery]


class ThreadMessages:
    """A page of a conversation's messages for the team, with who wrote them by hand and why
    any failed."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(
        self, access: WorkspaceAccess, conversation_id: UUID, page: PageRequest
    ) -> ThreadPage:
        async with self._uow(read_only=True) as uow:
            conversation = await team_conversation(uow, access, conversation_id)
            messages = await uow.messages.list(access.workspace.id, conversation.id, page)
            people = await uow.users.get_many(
                {message.sent_by for message in messages.items if message.sent_by is not None}
            )
            failures: dict[UUID, Delivery] = {}
            # Failed messages are few: one read each costs less than a join on every page.
            for message in messages.items:
                if message.delivery_status is DeliveryStatus.FAILED:
                    parts = await uow.deliveries.for_message(message.id)
                    failed = [p for p in parts if p.status is DeliveryStatus.FAILED]
                    if failed:
                        failures[message.id] = failed[0]
        return ThreadPage(messages=messages, people=people, failures=failures)


class TakeConversation:
    """A person of the team takes a conversation, for themself or for a teammate: the assistant
    falls silent until it is handed back. From any state; a conversation another person has
    is reassigned. The assignee must be an agent or admin of the workspace."""

    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, ids: IdGenerator, auditor: Auditor
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._ids = ids
        self._auditor = auditor

    async def __call__(
        self, access: WorkspaceAccess, conversation_id: UUID, assignee_id: UUID | None = None
    ) -> Conversation:
        assignee = assignee_id or access.user.id
        async with self._uow() as uow:
            before = await team_conversation(uow, access, conversation_id, for_update=True)
            if assignee != access.user.id:
                await _require_teammate(uow, access, assignee)
            after, change = before.taken(
                id=self._ids.new_id(), by=access.user.id, assignee=assignee, at=self._clock.now()
            )
            await apply_change(uow, self._auditor, before, after, change)
            await uow.commit()
        return after


async def _require_teammate(uow: UnitOfWork, access: WorkspaceAccess, user_id: UUID) -> None:
    membership = await uow.memberships.get(access.workspace.id, user_id)
    user = await uow.users.get(user_id)
    if user is None or not user.is_active:
        raise NotFound("There is no such person in this workspace.")
    if not (user.is_admin or (membership is not None and membership.role.handles_conversations)):
        raise InvalidInput(
            "Only an agent or an admin of this workspace can have a conversation assigned."
        )


class _TeamTransition:
    """A change of who answers that a person of the team makes with one click (the shape
    HandBackConversation and CloseConversation share): under the row lock, compare-and-set,
    recorded and audited; doing it twice changes nothing."""

    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, ids: IdGenerator, auditor: Auditor
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._ids = ids
        self._auditor = auditor

    def _change(
        self, before: Conversation, *, id: UUID, by: UUID, at: datetime
    ) -> tuple[Conversation, StateChange | None]:
        raise NotImplementedError

    async def __call__(self, access: WorkspaceAccess, conversation_id: UUID) -> Conversation:
        async with self._uow() as uow:
            before = await team_conversation(uow, access, conversation_id, for_update=True)
            after, change = self._change(
                before, id=self._ids.new_id(), by=access.user.id, at=self._clock.now()
            )
            await apply_change(uow, self._auditor, before, after, change)
            await uow.commit()
        return after


class HandBackConversation(_TeamTransition):
    """The team gives a conversation back to the assistant, which answers the member's next
    message."""

    def _change(
        self, before: Conversation, *, id: UUID, by: UUID, at: datetime
    ) -> tuple[Conversation, StateChange | None]:
        return before.handed_back(id=id, by=by, at=at)


class CloseConversation(_TeamTransition):
    """The team closes a conversation; the member's next message opens it again, with the
    assistant."""

    def _change(
        self, before: Conversation, *, id: UUID, by: UUID, at: datetime
    ) -> tuple[Conversation, StateChange | None]:
        return before.closed(id=id, by=by, at=at)


class ReplyResult(msgspec.Struct, frozen=True, kw_only=True):
    message: Message
    conversation: Conversation


class ReplyAsTeam:
    """A person of the team writes to the member by hand, on the conversation's channel.

    - On WhatsApp the reply goes out from the number the conversation is on, through the same
      pipeline as the assistant's answers (its parts claimed, retried, its statuses tracked);
      outside the 24-hour window it is refused before anything is stored (a Conflict).
    - Replying in a conversation the assistant or the waiting line has takes it for the
      replier, so the assistant does not talk over them; one a teammate has stays theirs.
    - Audited, without the text.
    """

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

    async def __call__(
        self, access: WorkspaceAccess, conversation_id: UUID, text: str
    ) -> ReplyResult:
        async with self._uow() as uow:
            before = await team_conversation(uow, access, conversation_id, for_update=True)
            now = self._clock.now()
            if not before.window_open(now):
                raise Conflict(OUTSIDE_WINDOW)
            message = Message.from_team(
                before, id=self._ids.new_id(), by=access.user.id, content=text, at=now
            )
            after = await _sent_by_team(uow, self._auditor, access, before, message, "reply")
            await uow.commit()
        if (queued := queued_on_whatsapp(message)) is not None:
            await self._queue.enqueue_processing(queued)
        return ReplyResult(message=message, conversation=after)


class UploadedFile(msgspec.Struct, frozen=True, kw_only=True):
    """A file from the sender's computer."""

    file_name: str | None
    content: bytes


class KnowledgeDocument(msgspec.Struct, frozen=True, kw_only=True):
    """A document of the workspace's knowledge base, by id."""

    document_id: UUID


NO_SUCH_DOCUMENT = "The knowledge base has no such document."


class SendFileAsTeam:
    """A person of the team sends the member a file, from their computer or the workspace's
    knowledge base, with an optional caption, on the conversation's channel.

    - The file joins the member's library (source `team`, under the message's id), so they keep
      it and the assistant can search it; a knowledge document is copied, so the member keeps
      what they were sent whatever later becomes of the original.
    - An upload is checked by its content, as every file is; a caption has WhatsApp's limit.
    - Outside the 24-hour window it is refused before anything is stored, like any free-form
      reply; it takes the conversation like a reply; audited, without the caption.
    - The blob is stored before the row; if the row is not committed the blob is discarded.
    """

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        intake: FileIntake,
        storage: BlobStorage,
        queue: JobQueue,
        clock: Clock,
        ids: IdGenerator,
        auditor: Auditor,
    ) -> None:
        self._uow = uow
        self._intake = intake
        self._storage = storage
        self._queue = queue
        self._clock = clock
        self._ids = ids
        self._auditor = auditor

    async def __call__(
        self,
        access: WorkspaceAccess,
        conversation_id: UUID,
        source: UploadedFile | KnowledgeDocument,
        caption: str | None = None,
    ) -> ReplyResult:
        caption = check_caption(caption)
        async with self._uow(read_only=True) as uow:
            conversation = await team_conversation(uow, access, conversation_id)
            if not conversation.window_open(self._clock.now()):
                raise Conflict(OUTSIDE_WINDOW)
            document = None
            if isinstance(source, KnowledgeDocument):
                document = await uow.files.get(access.workspace.id, source.document_id)
                if document is None or document.user_id is not None:
                    raise NotFound(NO_SUCH_DOCUMENT)
        if document is not None:
            file_name: str | None = document.file_name
            content = await self._storage.get(document.file_path)
            media_type = document.file_type
        else:
            assert isinstance(source, UploadedFile)
            file_name, content = source.file_name, source.content
            media_type = self._intake.media_type_of(content, file_name)
        message_id = self._ids.new_id()
        file = await self._intake.keep(
            file_id=message_id,
            workspace_id=conversation.workspace_id,
            owner_id=conversation.user_id,
            file_name=file_name,
            content=content,
            source=FileSource.TEAM,
            conversation_id=conversation.id,
            message_id=message_id,
            media_type=media_type,
            uploaded_by=access.user.id,
        )
        try:
            async with self._uow() as uow:
                before = await team_conversation(uow, access, conversation_id, for_update=True)
                now = self._clock.now()
                if not before.window_open(now):
                    raise Conflict(OUTSIDE_WINDOW)
                message = Message.file_from_team(
                    before,
                    id=message_id,
                    by=access.user.id,
                    file_name=file.file_name,
                    file_path=file.file_path,
                    media_type=file.file_type,
                    caption=caption,
                    at=now,
                )
                details = {"file_id": str(file.id)}
                if document is not None:
                    details["document_id"] = str(document.id)
                after = await _sent_by_team(
                    uow, self._auditor, access, before, message, "file", **details
                )
                await uow.files.add(file)  # after its message, which it names
                await uow.commit()
        except BaseException:
            await self._intake.discard(file)
            raise
        await self._intake.queue_sync(file)
        if (queued := queued_on_whatsapp(message)) is not None:
            await self._queue.enqueue_processing(queued)
        return ReplyResult(message=message, conversation=after)


NO_TEMPLATE = (
    "This workspace has no approved template for replies outside WhatsApp's 24-hour window. "
    "An admin of the workspace sets one (its name at Meta, its language and what each variable "
    "holds) in the workspace's settings."
)


class SendTemplate:
    """A person of the team sends the workspace's approved template, its variables filled in,
    to a member on WhatsApp: the one message allowed once the 24-hour window has closed.

    - WhatsApp conversations only; a workspace without a template is refused with what to do
      (a Conflict); the values are checked before anything is stored.
    - Sent by the pipeline like any reply; takes the conversation like a reply; audited.
    """

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

    async def __call__(
        self, access: WorkspaceAccess, conversation_id: UUID, parameters: list[str]
    ) -> ReplyResult:
        async with self._uow() as uow:
            before = await team_conversation(uow, access, conversation_id, for_update=True)
            template = access.workspace.reply_template
            if template is None:
                raise Conflict(NO_TEMPLATE)
            now = self._clock.now()
            message = Message.template_from_team(
                before,
                id=self._ids.new_id(),
                by=access.user.id,
                template=template.filled(parameters),
                at=now,
            )
            after = await _sent_by_team(
                uow, self._auditor, access, before, message, "template", template=template.name
            )
            await uow.commit()
        await self._queue.enqueue_processing(message.id)
        return ReplyResult(message=message, conversation=after)


async def _sent_by_team(
    uow: UnitOfWork,
    auditor: Auditor,
    access: WorkspaceAccess,
    before: Conversation,
    message: Message,
    verb: str,
    **details: str,
) -> Conversation:
    """Store what a person of the team sends, taking the conversation for them when the
    assistant or the waiting line had it (so the assistant does not talk over them; a
    teammate's stays theirs); audited as `conversation.<verb>`, without the text."""
    after, change = before, None
    if before.state is not ConversationState.HUMAN:
        after, change = before.taken(
            id=auditor.ids.new_id(),
            by=access.user.id,
            assignee=access.user.id,
            at=message.created_at,
        )
    await apply_change(uow, auditor, before, after, change)
    await uow.messages.add(message)
    await message_added(uow, message, message.created_at)
    after = after.active_at(message.created_at)
    await uow.conversations.update(after)
    await auditor.record(
        uow,
        access.user.id,
        f"conversation.{verb}",
        "conversation",
        before.id,
        workspace_id=before.workspace_id,
        message_id=str(message.id),
        **details,
    )
    return after


class MarkConversationRead:
    """Mark a conversation read (everything the member wrote so far) or unread (from their last
    message) for the caller alone."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(
        self, access: WorkspaceAccess, conversation_id: UUID, *, read: bool = True
    ) -> None:
        async with self._uow() as uow:
            conversation = await team_conversation(uow, access, conversation_id)
            last = conversation.last_member_message_at
            if read:
                marker = ReadMarker(
                    conversation_id=conversation.id,
                    user_id=access.user.id,
                    read_until=max(self._clock.now(), last) if last else self._clock.now(),
                )
            elif last is None:
                raise InvalidInput("The member has not written yet: there is nothing to mark.")
            else:
                marker = ReadMarker.unread_from(conversation.id, access.user.id, last)
            await uow.conversations.mark_read(marker)
            await conversation_read(uow, conversation, access.user.id, self._clock.now())
            await uow.commit()


async def release_conversations_of(
    uow: UnitOfWork, auditor: Auditor, workspace_id: UUID | None, user_id: UUID
) -> None:
    """Someone leaves the team (of one workspace, or of every one): what they had goes back to
    the waiting line, so that no conversation is left with nobody and the assistant silent."""
    for before in await uow.conversations.assigned_to(workspace_id, user_id):
        after, change = before.released(id=auditor.ids.new_id(), at=auditor.clock.now())
        await apply_change(uow, auditor, before, after, change)
