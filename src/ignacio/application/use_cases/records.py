"""Records: made by the assistant's tool, by a command or in the web app; confirmed by their
owner; commented on, completed and resolved by the team, who tell the owner on their channel.

Rules every use case here keeps:
- A record is read and changed only in the workspace the caller acts in; someone who may not
  see it (neither its owner nor the workspace's team) finds it exactly as if it did not exist.
- Every value goes through the type's validation before it is kept: an invalid one is refused
  with what is wrong (InvalidInput), and nothing is stored.
- The owner is always the member the turn, command or request is for: never an id given in
  the values (a type has no such field, and unknown fields are refused).
- Changes are audited (without the values themselves).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Generic, NamedTuple, TypeVar
from uuid import UUID

import msgspec

from ignacio.application.auditing import Auditor
from ignacio.application.events import message_added
from ignacio.application.ports import (
    Clock,
    Drafted,
    IdGenerator,
    JobQueue,
    RecordFilter,
    UnitOfWork,
    UnitOfWorkFactory,
)
from ignacio.domain import (
    Channel,
    Conversation,
    InvalidInput,
    Message,
    NotFound,
    Page,
    PageRequest,
    PermissionDenied,
    User,
)
from ignacio.domain.records import (
    BUILTIN_TYPES,
    MAX_TYPES,
    OwnerNotice,
    Record,
    RecordComment,
    RecordSource,
    RecordStatus,
    RecordType,
    local_today,
    notice_values,
    record_type_named,
)
from ignacio.domain.workspaces import Workspace, WorkspaceAccess

NO_SUCH_RECORD = "There is no such record."
Wanted = TypeVar("Wanted")
RECORD_PATH = "/app/records/"


class RecordLinks:
    """Where a record is in the web app, for the messages that point to it; None without a
    public address (IGNACIO_PUBLIC_URL)."""

    def __init__(self, base_url: str | None) -> None:
        self._base = base_url.rstrip("/") if base_url else None

    def link(self, record_id: UUID) -> str | None:
        return None if self._base is None else f"{self._base}{RECORD_PATH}{record_id}"


async def record_types_of(uow: UnitOfWork, workspace_id: UUID) -> list[RecordType]:
    """The types a workspace's records may have: the built-in ones, then its own."""
    return [*BUILTIN_TYPES, *await uow.records.types(workspace_id)]


async def _type_named(uow: UnitOfWork, workspace_id: UUID, name: str) -> RecordType:
    types = await record_types_of(uow, workspace_id)
    kind = record_type_named(name, types)
    if kind is None:
        names = ", ".join(kind.name for kind in types)
        raise InvalidInput(f"There is no record type '{name[:40]}'; this workspace has {names}.")
    return kind


def _today(workspace: Workspace, now: datetime) -> Any:
    return local_today(now, workspace.assistant.timezone)


async def _readable(uow: UnitOfWork, access: WorkspaceAccess, record_id: UUID) -> Record:
    record = await uow.records.get(access.workspace.id, record_id)
    if record is None or (record.user_id != access.user.id and not access.handles_conversations):
        raise NotFound(NO_SUCH_RECORD)
    return record


async def _added(
    uow: UnitOfWork, auditor: Auditor, by: UUID, record: Record, action: str, **details: Any
) -> None:
    """A new record kept, and audited with its type (never its values)."""
    await uow.records.add(record)
    await auditor.record(
        uow,
        by,
        action,
        "record",
        record.id,
        workspace_id=record.workspace_id,
        type=record.type_name,
        **details,
    )


def confirmation_text(kind: RecordType, record: Record, link: str | None) -> str:
    """What the member reads of a draft: a short summary, the link, and what to answer."""
    lines = [f"{kind.label}: {record.title}"]
    items = record.values.get("items")
    if isinstance(items, list) and items:
        lines.append(f"{len(items)} item{'s' if len(items) != 1 else ''}")
    for key in ("totalEstimatedHours", "dueDate"):
        if key in record.values:
            spec = kind.field(key)
            lines.append(f"{spec.label if spec else key}: {record.values[key]}")
    if link:
        lines.append(f"See it: {link}")
    lines.append("Reply “yes” to confirm it, or tell me what to change.")
    return "\n".join(lines)


class _RecordWork:
    """What every use case that writes records is built from, and how each ends: its change
    audited in the same transaction (`target` says what was changed; never the values), then
    committed, so the change and its entry are kept together or not at all."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        ids: IdGenerator,
        auditor: Auditor,
        links: RecordLinks | None = None,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._ids = ids
        self._auditor = auditor
        self._links = links or RecordLinks(None)

    async def _audited(
        self,
        uow: UnitOfWork,
        by: UUID,
        action: str,
        target_id: UUID | str,
        workspace_id: UUID,
        target: str = "record",
        **details: Any,
    ) -> None:
        await self._auditor.record(
            uow, by, action, target, target_id, workspace_id=workspace_id, **details
        )
        await uow.commit()


# The assistant's side ------------------------------------------------------------------------


class AssistantRecords(_RecordWork):
    """What the assistant's record tools do, for the member of the turn (the RecordDesk port).

    - `draft`: a record of one of the workspace's types, from the model's values, as a draft
      the member confirms; a draft they have of the same type is corrected instead (the member
      asked for a change, or the run was tried again), so they never have two waiting.
      Relative dates are read in the workspace's time zone.
    - `confirm`: their newest draft becomes final (open, for the team).
    - Neither takes a member or a workspace from the model: both come from the turn.
    """

    async def types(self, workspace_id: UUID) -> list[RecordType]:
        async with self._uow(read_only=True) as uow:
            return await record_types_of(uow, workspace_id)

    async def draft(
        self,
        workspace_id: UUID,
        user_id: UUID,
        conversation_id: UUID | None,
        type_name: str,
        values: object,
    ) -> Drafted:
        async with self._uow() as uow:
            workspace = await uow.workspaces.get(workspace_id)
            if workspace is None:
                raise NotFound("There is no such workspace.")
            kind = await _type_named(uow, workspace_id, type_name)
            now = self._clock.now()
            cleaned = kind.validate(values, today=_today(workspace, now))
            waiting = await uow.records.latest_draft(workspace_id, user_id)
            if waiting is not None and waiting.type_name == kind.name:
                record = waiting.corrected(kind, cleaned, now)
                await uow.records.update(record)
                await self._audited(
                    uow, user_id, "record.correct", record.id, workspace_id, type=kind.name
                )
            else:
                record = Record.drafted(
                    id=self._ids.new_id(),
                    workspace_id=workspace_id,
                    user_id=user_id,
                    kind=kind,
                    values=cleaned,
                    source=RecordSource.ASSISTANT,
                    at=now,
                    conversation_id=conversation_id,
                )
                await _added(uow, self._auditor, user_id, record, "record.draft")
                await uow.commit()
        link = self._links.link(record.id)
        return Drafted(record=record, link=link, text=confirmation_text(kind, record, link))

    async def confirm(self, workspace_id: UUID, user_id: UUID) -> Drafted:
        async with self._uow() as uow:
            waiting = await uow.records.latest_draft(workspace_id, user_id)
            if waiting is None:
                raise NotFound("The member has no record waiting for confirmation.")
            record = waiting.confirmed(self._clock.now())
            await uow.records.update(record)
            await self._audited(uow, user_id, "record.confirm", record.id, workspace_id)
        link = self._links.link(record.id)
        text = f"Confirmed: {record.title}" + (f"\n{link}" if link else "")
        return Drafted(record=record, link=link, text=text)


async def record_from_command(
    uow: UnitOfWork,
    ids: IdGenerator,
    auditor: Auditor,
    *,
    user: User,
    conversation: Conversation,
    type_name: str,
    text: str,
    at: datetime,
) -> Record:
    """`/report <text>`: the text kept as a record of that type, final at once (the member
    typed it), with the fields a model would fill left empty and named for the team."""
    kind = await _type_named(uow, conversation.workspace_id, type_name)
    values, unfilled = kind.from_text(text)
    record = Record.drafted(
        id=ids.new_id(),
        workspace_id=conversation.workspace_id,
        user_id=user.id,
        kind=kind,
        values=values,
        source=RecordSource.COMMAND,
        at=at,
        conversation_id=conversation.id,
        unfilled=unfilled,
    )
    await _added(uow, auditor, user.id, record, "record.create", source="command")
    return record


# Record types --------------------------------------------------------------------------------


class ListRecordTypes:
    """The workspace's record types, built-in first; anyone in the workspace may read them."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, access: WorkspaceAccess) -> list[RecordType]:
        async with self._uow(read_only=True) as uow:
            return await record_types_of(uow, access.workspace.id)


class AddRecordType(_RecordWork):
    """An admin adds a record type to their workspace: a name no built-in type has, at most
    MAX_TYPES of them. Audited."""

    async def __call__(self, access: WorkspaceAccess, kind: RecordType) -> RecordType:
        access.require_admin()
        if record_type_named(kind.name, []) is not None:
            raise InvalidInput(f"'{kind.name}' is a built-in record type; choose another name.")
        kind = msgspec.structs.replace(kind, builtin=False)
        async with self._uow() as uow:
            if len(await uow.records.types(access.workspace.id)) >= MAX_TYPES:
                raise InvalidInput(f"A workspace can have at most {MAX_TYPES} record types.")
            await uow.records.add_type(access.workspace.id, kind)
            await self._audited(
                uow,
                access.user.id,
                "record_type.add",
                kind.name,
                access.workspace.id,
                target="record_type",
            )
        return kind


class RemoveRecordType(_RecordWork):
    """An admin removes a type of their workspace's own (its records stay, as they were
    made); the built-in ones stay. Audited."""

    async def __call__(self, access: WorkspaceAccess, name: str) -> None:
        access.require_admin()
        if record_type_named(name, []) is not None:
            raise InvalidInput(f"'{name}' is built in: every workspace has it.")
        async with self._uow() as uow:
            if not await uow.records.remove_type(access.workspace.id, name):
                raise NotFound("This workspace has no such record type.")
            await self._audited(
                uow,
                access.user.id,
                "record_type.remove",
                name,
                access.workspace.id,
                target="record_type",
            )


# Reading -------------------------------------------------------------------------------------


class RecordQuery(msgspec.Struct, frozen=True, kw_only=True):
    type_name: str | None = None
    status: RecordStatus | None = None
    user_id: UUID | None = None
    page: PageRequest = PageRequest()


class ListRecords:
    """The workspace's records, newest first, filtered by type, status and member. The team
    sees everyone's; a member only their own, whatever member they name."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, access: WorkspaceAccess, query: RecordQuery) -> RecordList:
        user_id = query.user_id
        if not access.handles_conversations:
            if user_id is not None and user_id != access.user.id:
                raise PermissionDenied("You can see only your own records.")
            user_id = access.user.id
        where = RecordFilter(type_name=query.type_name, status=query.status, user_id=user_id)
        async with self._uow(read_only=True) as uow:
            page = await uow.records.list(access.workspace.id, where, query.page)
            people = await uow.users.get_many({record.user_id for record in page.items})
        return RecordList(
            page=page,
            names={person_id: person_name(person) for person_id, person in people.items()},
        )


A_TEAMMATE = "A teammate"
"""Who wrote a comment, when nothing is known to call them by (their account was deleted)."""
A_MEMBER = "A member"
"""Whom a record is for, when nothing is known to call them by (their account was deleted)."""


def author_name(author: User | None) -> str:
    """A comment's author as the member and the team see them (`User.shown_name`)."""
    return (author.shown_name if author is not None else None) or A_TEAMMATE


def person_name(person: User) -> str:
    """A record's member as the team sees them in its lists: their name, else their number
    masked."""
    return person.shown_name or A_MEMBER


class RecordList(msgspec.Struct, frozen=True, kw_only=True):
    """A page of records, with what the member each is for is called (by their id)."""

    page: Page[Record]
    names: dict[UUID, str]

    @property
    def items(self) -> list[Record]:
        return self.page.items

    def member_of(self, record: Record) -> str:
        return self.names.get(record.user_id, A_MEMBER)


class RecordView(msgspec.Struct, frozen=True, kw_only=True):
    record: Record
    kind: RecordType | None
    """None when its type was removed since (its values still read as they are)."""
    comments: list[RecordComment]
    link: str | None
    authors: dict[UUID, str] = {}
    """What each comment's author is called, by their id (`author_name`)."""
    member: str = A_MEMBER
    """What the member the record is for is called (`person_name`)."""

    def author_of(self, comment: RecordComment) -> str:
        return self.authors.get(comment.author_id, A_TEAMMATE)


class GetRecord:
    """One record with its type and comments, for its owner or the workspace's team."""

    def __init__(self, uow: UnitOfWorkFactory, links: RecordLinks) -> None:
        self._uow = uow
        self._links = links

    async def __call__(self, access: WorkspaceAccess, record_id: UUID) -> RecordView:
        async with self._uow(read_only=True) as uow:
            record = await _readable(uow, access, record_id)
            kind = record_type_named(record.type_name, await uow.records.types(access.workspace.id))
            comments = await uow.records.comments(access.workspace.id, record.id)
            people = await uow.users.get_many(
                {record.user_id, *(comment.author_id for comment in comments)}
            )
        owner = people.get(record.user_id)
        return RecordView(
            record=record,
            kind=kind,
            comments=comments,
            link=self._links.link(record.id),
            authors={person_id: author_name(person) for person_id, person in people.items()},
            member=person_name(owner) if owner is not None else A_MEMBER,
        )


# Changing ------------------------------------------------------------------------------------


class CreateRecord(_RecordWork):
    """A member (or the team, for a member of the workspace) writes a record in the web app:
    validated against its type, final at once. Audited."""

    async def __call__(
        self, access: WorkspaceAccess, type_name: str, values: object, owner: UUID | None = None
    ) -> Record:
        owner = owner or access.user.id
        if owner != access.user.id:
            access.require_team()
        async with self._uow() as uow:
            if (
                owner != access.user.id
                and await uow.memberships.get(access.workspace.id, owner) is None
            ):
                raise NotFound("There is no such member in this workspace.")
            kind = await _type_named(uow, access.workspace.id, type_name)
            now = self._clock.now()
            cleaned = kind.validate(values, today=_today(access.workspace, now))
            record = Record.drafted(
                id=self._ids.new_id(),
                workspace_id=access.workspace.id,
                user_id=owner,
                kind=kind,
                values=cleaned,
                source=RecordSource.WEB,
                at=now,
            )
            await _added(uow, self._auditor, access.user.id, record, "record.create", source="web")
            await uow.commit()
        return record


class EditRecord(_RecordWork):
    """New values for a record: its owner corrects their draft, the team completes any record
    (the fields a command left empty). Validated against its type as a whole. Audited."""

    async def __call__(self, access: WorkspaceAccess, record_id: UUID, values: object) -> Record:
        async with self._uow() as uow:
            before = await _readable(uow, access, record_id)
            kind = await _type_named(uow, access.workspace.id, before.type_name)
            now = self._clock.now()
            cleaned = kind.validate(values, today=_today(access.workspace, now))
            if before.status is RecordStatus.DRAFT and before.user_id == access.user.id:
                after = before.corrected(kind, cleaned, now)
            else:
                access.require_team()
                after = before.completed(kind, cleaned, now)
            await uow.records.update(after)
            await self._audited(
                uow,
                access.user.id,
                "record.edit",
                after.id,
                access.workspace.id,
                fields=sorted(
                    k for k in {*before.values, *cleaned} if before.values.get(k) != cleaned.get(k)
                ),
            )
        return after


class ConfirmRecord(_RecordWork):
    """The owner confirms their draft in the web app (as they would by answering on
    WhatsApp): it becomes final, open for the team. Audited."""

    async def __call__(self, access: WorkspaceAccess, record_id: UUID) -> Record:
        async with self._uow() as uow:
            before = await _readable(uow, access, record_id)
            if before.user_id != access.user.id:
                raise PermissionDenied("Only the member it is for can confirm a record.")
            after = before.confirmed(self._clock.now())
            await uow.records.update(after)
            await self._audited(
                uow, access.user.id, "record.confirm", after.id, access.workspace.id
            )
        return after


class Told(msgspec.Struct, frozen=True, kw_only=True):
    """What a team's change did, and how the owner was told of it."""

    record: Record
    notice: OwnerNotice
    comment: RecordComment | None = None
    author: str | None = None
    """What the comment's author is called (`author_name`), with a comment."""


class _OwnerNotices:
    """Telling a record's owner of the team's comment or decision, on WhatsApp.

    - Inside the 24-hour window of their conversation (the record's own, else their latest on
      WhatsApp in the workspace): as text, sent by the pipeline like a team's reply, without
      taking the conversation from whoever has it.
    - Outside it: through the workspace's template when it has one, whatever values it takes
      (the notice on one line, and the member's name or the record's title as the variables'
      labels say: `notice_values`); else not at all, and the answer says so
      (`OwnerNotice.NONE`), for the team to see.
    - A member who never wrote on WhatsApp sees it in the web app only (`OwnerNotice.WEB`).
    """

    def __init__(self, ids: IdGenerator) -> None:
        self._ids = ids

    async def tell(
        self, uow: UnitOfWork, access: WorkspaceAccess, record: Record, text: str, at: datetime
    ) -> tuple[OwnerNotice, Message | None]:
        conversation = await self._conversation(uow, record)
        if conversation is None:
            return OwnerNotice.WEB, None
        if conversation.window_open(at):
            message = Message.from_team(
                conversation, id=self._ids.new_id(), by=access.user.id, content=text, at=at
            )
            notice = OwnerNotice.TEXT
        else:
            template = access.workspace.reply_template
            if template is None:
                return OwnerNotice.NONE, None
            owner = await uow.users.get(record.user_id)
            values = notice_values(
                template.variables,
                notice=text,
                title=record.title,
                name=owner.name if owner is not None else None,
            )
            message = Message.template_from_team(
                conversation,
                id=self._ids.new_id(),
                by=access.user.id,
                template=template.filled(values),
                at=at,
            )
            notice = OwnerNotice.TEMPLATE
        await uow.messages.add(message)
        await message_added(uow, message, at)
        current = await uow.conversations.get(
            conversation.workspace_id, conversation.id, for_update=True
        )
        if current is not None:
            await uow.conversations.update(current.active_at(at))
        return notice, message

    async def _conversation(self, uow: UnitOfWork, record: Record) -> Conversation | None:
        if record.conversation_id is not None:
            own = await uow.conversations.get(record.workspace_id, record.conversation_id)
            if own is not None and own.channel is Channel.WHATSAPP:
                return own
        latest = await uow.conversations.list(
            record.workspace_id,
            PageRequest(limit=1),
            user_id=record.user_id,
            channel=Channel.WHATSAPP,
        )
        return latest.items[0] if latest.items else None


class _Outcome(NamedTuple):
    """What a team's change did: the answer, the notice to send once committed (None: none),
    and its audit entry (None: nothing changed, nothing is written)."""

    told: Told
    message: Message | None = None
    action: str | None = None
    details: dict[str, Any] = {}


class _TeamRecordChange(_RecordWork, Generic[Wanted]):
    """The shape of the team's changes its owner is told of (as `team_inbox._TeamTransition`
    is of the team's changes of who answers): for the team only; the record read as the
    caller may see it; the change, the notice stored for its owner (`_OwnerNotices`) and the
    audit entry commit together, and the notice is queued for sending only after the commit,
    so that a change rolled back never reaches the member."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        ids: IdGenerator,
        auditor: Auditor,
        links: RecordLinks,
        queue: JobQueue,
    ) -> None:
        super().__init__(uow, clock, ids, auditor, links)
        self._queue = queue
        self._notices = _OwnerNotices(ids)

    async def _change(
        self,
        uow: UnitOfWork,
        access: WorkspaceAccess,
        before: Record,
        wanted: Wanted,
        now: datetime,
    ) -> _Outcome:
        raise NotImplementedError

    async def _run(self, access: WorkspaceAccess, record_id: UUID, wanted: Wanted) -> Told:
        async with self._uow() as uow:
            before = await _readable(uow, access, record_id)
            outcome = await self._change(uow, access, before, wanted, self._clock.now())
            if outcome.action is not None:
                await self._audited(
                    uow,
                    access.user.id,
                    outcome.action,
                    before.id,
                    access.workspace.id,
                    **outcome.details,
                )
        if outcome.message is not None:
            await self._queue.enqueue_processing(outcome.message.id)
        return outcome.told

    async def _tell(
        self, uow: UnitOfWork, access: WorkspaceAccess, record: Record, news: str, at: datetime
    ) -> tuple[OwnerNotice, Message | None]:
        """Tells the owner `news`, with the record's link when there is one."""
        link = self._links.link(record.id)
        text = news + (f"\n{link}" if link else "")
        return await self._notices.tell(uow, access, record, text, at)


class CommentOnRecord(_TeamRecordChange[str]):
    """A person of the team comments on a record; its owner sees it, and is told on their
    channel (see `_OwnerNotices`); the comment keeps how. Audited, without the text."""

    async def __call__(self, access: WorkspaceAccess, record_id: UUID, text: str) -> Told:
        access.require_team()
        return await self._run(access, record_id, RecordComment.check_text(text))

    async def _change(
        self, uow: UnitOfWork, access: WorkspaceAccess, before: Record, wanted: str, now: datetime
    ) -> _Outcome:
        notice, message = await self._tell(
            uow, access, before, f"A comment on your record “{before.title}”: {wanted}", now
        )
        comment = RecordComment(
            id=self._ids.new_id(),
            workspace_id=access.workspace.id,
            record_id=before.id,
            author_id=access.user.id,
            text=wanted,
            created_at=now,
            notice=notice.value,
        )
        await uow.records.add_comment(comment)
        return _Outcome(
            told=Told(
                record=before, notice=notice, comment=comment, author=author_name(access.user)
            ),
            message=message,
            action="record.comment",
            details={"notice": notice.value},
        )


class ChangeRecordStatus(_TeamRecordChange[RecordStatus]):
    """The team moves a confirmed record: open, in review, resolved, rejected (and a closed one
    back to open). The owner is told when it is resolved or rejected (see `_OwnerNotices`).
    Audited; moving it to the status it has changes nothing."""

    async def __call__(
        self, access: WorkspaceAccess, record_id: UUID, status: RecordStatus
    ) -> Told:
        access.require_team()
        return await self._run(access, record_id, status)

    async def _change(
        self,
        uow: UnitOfWork,
        access: WorkspaceAccess,
        before: Record,
        wanted: RecordStatus,
        now: datetime,
    ) -> _Outcome:
        after = before.moved_to(wanted, now)
        if after.status is before.status:
            return _Outcome(told=Told(record=after, notice=OwnerNotice.NONE))
        await uow.records.update(after)
        notice, message = OwnerNotice.NONE, None
        if after.status.closed:
            word = "resolved" if after.status is RecordStatus.RESOLVED else "rejected"
            notice, message = await self._tell(
                uow, access, after, f"Your record “{after.title}” was {word}.", now
            )
        return _Outcome(
            told=Told(record=after, notice=notice),
            message=message,
            action="record.status",
            details={
                "before": before.status.value,
                "after": after.status.value,
                "notice": notice.value,
            },
        )
