"""ConversationRepository over SQLAlchemy Core: `conversations`, newest activity first."""

from __future__ import annotations

import builtins
import functools
from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    ColumnElement,
    Select,
    Update,
    and_,
    bindparam,
    case,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ignacio.adapters.sql.mapping import FieldMap, enum_field
from ignacio.adapters.sql.messages import MESSAGE_FIELDS
from ignacio.adapters.sql.queries import (
    ConnectionSource,
    insert_new,
    keyset_parameters,
    keyset_shape,
    needle,
    page_of,
)
from ignacio.adapters.sql.tables import (
    conversation_reads,
    conversation_state_changes,
    conversations,
    messages,
)
from ignacio.adapters.sql.types import UtcDateTime
from ignacio.adapters.sql.workflows import qualification_clause
from ignacio.application.ports.conversations import InboxFilter, InboxItem
from ignacio.domain import (
    Author,
    Channel,
    Conversation,
    Message,
    NotFound,
    Order,
    Page,
    PageRequest,
    Position,
)
from ignacio.domain.handover import (
    Actor,
    ConversationState,
    ReadMarker,
    StateChange,
    Transition,
)

_FIELDS = FieldMap(
    Conversation,
    conversations,
    "id",
    "workspace_id",
    "user_id",
    "title",
    enum_field("channel", Channel),
    "number_id",
    "created_at",
    "updated_at",
    enum_field("state", ConversationState),
    "assignee_id",
    "state_since",
    "last_member_message_at",
)

_CHANGE_FIELDS = FieldMap(
    StateChange,
    conversation_state_changes,
    "id",
    "workspace_id",
    "conversation_id",
    enum_field("transition", Transition),
    enum_field("from_state", ConversationState),
    enum_field("to_state", ConversationState),
    enum_field("actor", Actor),
    "actor_id",
    "assignee_id",
    "reason",
    "created_at",
)

# Written by `change_state` alone, as a compare-and-set, never by `update`.
_STATE_COLUMNS = frozenset({"state", "assignee_id", "state_since"})

# Built once (see messages.py's `_BY_ID`): a turn reads its conversation up to three times.
_BY_ID = _FIELDS.select().where(
    conversations.c.id == bindparam("conversation_id"),
    conversations.c.workspace_id == bindparam("workspace_id"),
)
# SQLite renders no FOR UPDATE: its unit of work holds the database's write lock.
_BY_ID_LOCKED = _BY_ID.with_for_update()

_LATEST_FOR = (
    _FIELDS.select()
    .where(
        conversations.c.user_id == bindparam("user_id"),
        conversations.c.workspace_id == bindparam("workspace_id"),
        conversations.c.channel == bindparam("channel"),
    )
    .order_by(conversations.c.updated_at.desc(), conversations.c.id.desc())
    .limit(1)
)


@functools.cache
def _update(columns: tuple[str, ...], *, later: bool) -> Update:
    """`update`'s statement, with its values as parameters (`v_<column>`, and `row_id`), built
    once per shape: built anew with the values in it, SQLAlchemy keys it for its compiled cache
    on every execution (a turn updates its conversation twice)."""
    c = conversations.c
    values: dict[str, Any] = {
        name: bindparam(f"v_{name}", type_=c[name].type)
        for name in columns
        if name != "last_member_message_at"
    }
    if later:
        new = bindparam("v_last_member_message_at", type_=UtcDateTime())
        values["last_member_message_at"] = case(
            (or_(c.last_member_message_at.is_(None), c.last_member_message_at < new), new),
            else_=c.last_member_message_at,
        )
    return update(conversations).where(c.id == bindparam("row_id", type_=c.id.type)).values(values)


# Counting a long-unread conversation's messages stops here: the inbox shows "99+".
UNREAD_COUNT_CAP = 100


class SqlConversationRepository:
    def __init__(self, connection: ConnectionSource) -> None:
        self._connection = connection

    async def add(self, conversation: Conversation) -> None:
        await insert_new(
            self._connection(),
            conversations,
            _FIELDS.insert_values(conversation),
            conflict="A conversation with this id already exists.",
            missing="There is no such user or workspace.",
        )

    async def get(
        self, workspace_id: UUID, conversation_id: UUID, *, for_update: bool = False
    ) -> Conversation | None:
        statement = _BY_ID_LOCKED if for_update else _BY_ID
        parameters = {"conversation_id": conversation_id, "workspace_id": workspace_id}
        return await _FIELDS.first(self._connection(), statement, parameters)

    async def latest_for(
        self, workspace_id: UUID, user_id: UUID, channel: Channel
    ) -> Conversation | None:
        parameters = {"user_id": user_id, "workspace_id": workspace_id, "channel": channel.value}
        return await _FIELDS.first(self._connection(), _LATEST_FOR, parameters)

    async def update(self, conversation: Conversation) -> None:
        values = {
            name: value
            for name, value in _FIELDS.update_values(conversation).items()
            if name not in _STATE_COLUMNS
        }
        # Never moved back: of two turns, the later member's message wins whichever commits last.
        later = values["last_member_message_at"] is not None
        if not later:
            del values["last_member_message_at"]
        statement = _update(tuple(values), later=later)
        parameters = {f"v_{name}": value for name, value in values.items()}
        parameters["row_id"] = conversation.id
        if (await self._connection().execute(statement, parameters)).rowcount == 0:
            raise NotFound("There is no such conversation.")

    async def change_state(self, before: Conversation, after: Conversation) -> bool:
        c = conversations.c
        assignee = (
            c.assignee_id.is_(None)
            if before.assignee_id is None
            else c.assignee_id == before.assignee_id
        )
        statement = (
            update(conversations)
            .where(c.id == before.id, c.state == before.state.value, assignee)
            .values(
                state=after.state.value,
                assignee_id=after.assignee_id,
                state_since=after.state_since,
            )
        )
        return (await self._connection().execute(statement)).rowcount == 1

    async def record_change(self, change: StateChange) -> None:
        await insert_new(
            self._connection(),
            conversation_state_changes,
            _CHANGE_FIELDS.insert_values(change),
            conflict="This change is already recorded.",
            missing="There is no such conversation.",
        )

    async def changes(
        self, workspace_id: UUID, conversation_id: UUID, limit: int
    ) -> builtins.list[StateChange]:
        c = conversation_state_changes.c
        statement = (
            _CHANGE_FIELDS.select()
            .where(c.conversation_id == conversation_id, c.workspace_id == workspace_id)
            .order_by(c.created_at.desc(), c.id.desc())
            .limit(limit)
        )
        rows = (await self._connection().execute(statement)).all()
        return [_CHANGE_FIELDS.to_entity(row) for row in reversed(rows)]

    async def assigned_to(
        self, workspace_id: UUID | None, assignee_id: UUID
    ) -> builtins.list[Conversation]:
        c = conversations.c
        statement = _FIELDS.select().where(c.assignee_id == assignee_id)
        if workspace_id is not None:
            statement = statement.where(c.workspace_id == workspace_id)
        rows = (await self._connection().execute(statement)).all()
        return [_FIELDS.to_entity(row) for row in rows]

    async def mark_read(self, marker: ReadMarker) -> None:
        connection = self._connection()
        values = {
            "conversation_id": marker.conversation_id,
            "user_id": marker.user_id,
            "read_until": marker.read_until,
        }
        upsert = (
            postgresql_insert(conversation_reads)
            if connection.dialect.name == "postgresql"
            else sqlite_insert(conversation_reads)
        ).values(values)
        await connection.execute(
            upsert.on_conflict_do_update(
                index_elements=["conversation_id", "user_id"],
                set_={"read_until": marker.read_until},
            )
        )

    async def inbox(
        self, workspace_id: UUID, reader_id: UUID, page: PageRequest, filter: InboxFilter
    ) -> Page[InboxItem]:
        c = conversations.c
        read = conversation_reads.c
        m = messages.c
        read_until = read.read_until
        unread_messages = (
            select(literal(1))
            .where(
                m.conversation_id == c.id,
                m.author == Author.MEMBER.value,
                # A message the member deleted is nothing left to read.
                m.revoked_at.is_(None),
                or_(read_until.is_(None), m.created_at > read_until),
            )
            .limit(UNREAD_COUNT_CAP)
            .correlate(conversations, conversation_reads)
            .subquery()
        )
        unread = select(func.count()).select_from(unread_messages).scalar_subquery()
        last_id = (
            select(m.id)
            .where(m.conversation_id == c.id)
            .order_by(m.created_at.desc(), m.id.desc())
            .limit(1)
            .scalar_subquery()
        )
        statement = (
            select(*_FIELDS.columns, unread.label("unread"), last_id.label("last_id"))
            .select_from(
                conversations.outerjoin(
                    conversation_reads,
                    and_(read.conversation_id == c.id, read.user_id == reader_id),
                )
            )
            .where(c.workspace_id == workspace_id)
        )
        if filter.states is not None:
            statement = statement.where(c.state.in_(sorted(s.value for s in filter.states)))
        if filter.assignee_id is not None:
            statement = statement.where(c.assignee_id == filter.assignee_id)
        if filter.channel is not None:
            statement = statement.where(c.channel == filter.channel.value)
        if filter.unread is not None:
            has_unread = and_(
                c.last_member_message_at.is_not(None),
                or_(read_until.is_(None), c.last_member_message_at > read_until),
            )
            statement = statement.where(has_unread if filter.unread else ~has_unread)
        if (text := needle(filter.search)) is not None:
            statement = statement.where(c.title.icontains(text, autoescape=True))
        if (qualification := filter.qualification) is not None:
            qualified = qualification_clause(workspace_id, c.user_id, qualification.workflow)
            statement = statement.where(qualified if qualification.qualified else ~qualified)
        statement = keyset_shape(
            statement,
            c.updated_at,
            c.id,
            ascending=page.order is Order.OLDEST_FIRST,
            after=page.after is not None,
        )
        connection = self._connection()
        rows = (await connection.execute(statement, keyset_parameters(page))).all()
        width = len(_FIELDS.columns)
        wanted = [row[width + 1] for row in rows[: page.limit] if row[width + 1] is not None]
        last: dict[UUID, Message] = {}
        if wanted:
            found = await connection.execute(MESSAGE_FIELDS.select().where(m.id.in_(wanted)))
            last = {
                message.conversation_id: message
                for message in map(MESSAGE_FIELDS.to_entity, found.all())
            }

        def item(row: Any) -> InboxItem:
            conversation = _FIELDS.to_entity(row[:width])
            return InboxItem(
                conversation=conversation,
                last_message=last.get(conversation.id),
                unread=row[width],
            )

        return page_of(
            rows,
            page,
            item,
            lambda entry: Position(at=entry.conversation.updated_at, id=entry.conversation.id),
        )

    async def list(
        self,
        workspace_id: UUID,
        page: PageRequest,
        *,
        user_id: UUID | None = None,
        channel: Channel | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        search: str | None = None,
    ) -> Page[Conversation]:
        text = needle(search)
        filters = {
            name: value
            for name, value in (
                ("user_id", user_id),
                ("channel", None if channel is None else channel.value),
                ("since", since),
                ("until", until),
            )
            if value is not None
        }
        statement = _page(
            frozenset(filters), page.order is Order.OLDEST_FIRST, page.after is not None
        )
        if text is not None:
            # Rare, and the escaping `autoescape` does needs the text: this one is built anew.
            statement = statement.where(conversations.c.title.icontains(text, autoescape=True))
        parameters = {"workspace_id": workspace_id} | filters | keyset_parameters(page)
        rows = (await self._connection().execute(statement, parameters)).all()
        return page_of(
            rows, page, _FIELDS.to_entity, lambda item: Position(at=item.updated_at, id=item.id)
        )


_FILTERS: dict[str, Callable[[], ColumnElement[bool]]] = {
    "user_id": lambda: conversations.c.user_id == bindparam("user_id"),
    "channel": lambda: conversations.c.channel == bindparam("channel"),
    "since": lambda: conversations.c.updated_at >= bindparam("since"),
    "until": lambda: conversations.c.updated_at < bindparam("until"),
}


# A statement per shape (filters, direction, first page or not), built once: building one and
# its cache key costs SQLAlchemy more CPU than running it.
@functools.cache
def _page(filters: frozenset[str], ascending: bool, after: bool) -> Select[Any]:
    # Always within one workspace: (workspace_id, updated_at, id) is indexed for it.
    conditions = [
        conversations.c.workspace_id == bindparam("workspace_id"),
        *(_FILTERS[name]() for name in sorted(filters)),
    ]
    statement = _FIELDS.select().where(*conditions)
    c = conversations.c
    return keyset_shape(statement, c.updated_at, c.id, ascending=ascending, after=after)
