"""MessageRepository over SQLAlchemy Core: `messages`, a conversation's thread in time order.

A provider's message id and the message (and revision) an answer replies to are unique keys:
storing the same inbound message twice, or answering a message twice, is a Conflict the
database decides. What a member's edit or deletion changes is written by `revise` alone, never
by `update` (as a conversation's state is by its compare-and-set).
"""

from __future__ import annotations

import builtins
import functools
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Integer, Select, bindparam, select, update

from ignacio.adapters.sql.mapping import Field, FieldMap, enum_field, struct_field
from ignacio.adapters.sql.queries import (
    ConnectionSource,
    insert_new,
    keyset_parameters,
    keyset_shape,
    page_of,
    update_keeping_keys,
    update_one,
)
from ignacio.adapters.sql.tables import PROCESSING_PENDING, conversations, messages
from ignacio.domain import (
    Author,
    Channel,
    DeliveryStatus,
    MediaRef,
    Message,
    MessageType,
    Order,
    Page,
    PageRequest,
    Position,
    ProcessingState,
)
from ignacio.domain.templates import TemplateUse

_FIELDS = FieldMap(
    Message,
    messages,
    "id",
    "workspace_id",
    "conversation_id",
    "user_id",
    enum_field("author", Author),
    "content",
    enum_field("message_type", MessageType),
    enum_field("channel", Channel),
    "file_path",
    # The columns keep the specification's names.
    Field("external_message_id", column="whatsapp_message_id"),
    enum_field("delivery_status", DeliveryStatus),
    "created_at",
    struct_field("media", MediaRef),
    enum_field("processing", ProcessingState),
    "processing_attempts",
    "reply_to_id",
    "transcript",
    Field("ai_model", column="ai_model_used"),
    "input_tokens",
    "output_tokens",
    "latency_ms",
    "sent_by",
    struct_field("template", TemplateUse),
    "original_text",
    "edited_at",
    "revision",
    "revoked_at",
    "answered_by_id",
)

# Written by `revise` alone: the pipeline saves its steps with `update`, on a copy of the
# message it read before an edit or a deletion may have come.
_REVISED_COLUMNS = ("content", "original_text", "edited_at", "revoked_at", "revision", "processing")
_WORDS_COLUMNS = frozenset(_REVISED_COLUMNS) - {"processing"}
# Of unique keys (with `revision`, which `update` leaves alone) and foreign keys.
_KEY_COLUMNS = (
    "workspace_id",
    "conversation_id",
    "user_id",
    "whatsapp_message_id",
    "reply_to_id",
)
# Built once: a turn reads its message several times, and a statement built anew is keyed for
# SQLAlchemy's compiled cache on every execution (about a third of a small read's CPU).
_BY_ID = _FIELDS.select().where(messages.c.id == bindparam("message_id"))
# SQLite renders no FOR UPDATE: its unit of work holds the database's write lock.
_BY_ID_LOCKED = _BY_ID.with_for_update()
_ANSWER_TO = (
    _FIELDS.select()
    .where(messages.c.reply_to_id == bindparam("message_id"))
    .order_by(messages.c.revision.desc())
    .limit(1)
)
_CLASH = "Another message has this provider id, or already answers that message."
_ABSENT = "There is no such message."

MESSAGE_FIELDS = _FIELDS
"""How a message maps to its row, for the reads of other tables that bring messages along."""

_MISSING = "There is no such workspace, conversation, user or message to answer."


# Built once, as `_BY_ID`: every turn reads the conversation's recent messages.
_RECENT = (
    _FIELDS.select()
    .where(messages.c.conversation_id == bindparam("conversation_id"))
    .order_by(messages.c.created_at.desc(), messages.c.id.desc())
    .limit(bindparam("limit", type_=Integer))
)


class SqlMessageRepository:
    def __init__(self, connection: ConnectionSource) -> None:
        self._connection = connection

    async def add(self, message: Message) -> None:
        await insert_new(
            self._connection(),
            messages,
            _FIELDS.insert_values(message),
            conflict="This message is already stored, or the message it answers already has an answer.",
            missing=_MISSING,
        )

    async def get(self, message_id: UUID, *, for_update: bool = False) -> Message | None:
        statement = _BY_ID_LOCKED if for_update else _BY_ID
        return await _FIELDS.first(self._connection(), statement, {"message_id": message_id})

    async def by_external_id(self, external_id: str) -> Message | None:
        return await self._one(messages.c.whatsapp_message_id == external_id)

    async def update(self, message: Message) -> None:
        values = {
            name: value
            for name, value in _FIELDS.update_values(message).items()
            if name not in _WORDS_COLUMNS
        }
        await update_keeping_keys(
            self._connection(),
            messages,
            message.id,
            values,
            keys=_KEY_COLUMNS,
            provider_ids=("whatsapp_message_id",),
            conflict=_CLASH,
            missing=_MISSING,
            absent=_ABSENT,
        )

    async def revise(self, message: Message) -> None:
        values = _FIELDS.update_values(message)
        await self._update(message, {name: values[name] for name in _REVISED_COLUMNS})

    async def _update(self, message: Message, values: dict[str, Any]) -> None:
        statement = update(messages).where(messages.c.id == message.id).values(**values)
        await update_one(
            self._connection(),
            statement,
            conflict=_CLASH,
            missing=_MISSING,
            absent=_ABSENT,
        )

    async def reply_to(self, message_id: UUID) -> Message | None:
        return await _FIELDS.first(self._connection(), _ANSWER_TO, {"message_id": message_id})

    async def pending_processing(self, limit: int) -> builtins.list[UUID]:
        if limit <= 0:
            return []
        statement = (
            select(messages.c.id)
            .where(PROCESSING_PENDING)
            .order_by(messages.c.created_at.asc(), messages.c.id.asc())
            .limit(limit)
        )
        return builtins.list((await self._connection().execute(statement)).scalars())

    async def list(
        self, workspace_id: UUID, conversation_id: UUID, page: PageRequest
    ) -> Page[Message]:
        statement = _page(page.order is Order.OLDEST_FIRST, page.after is not None)
        parameters = {
            "workspace_id": workspace_id,
            "conversation_id": conversation_id,
        } | keyset_parameters(page)
        rows = (await self._connection().execute(statement, parameters)).all()
        return page_of(rows, page, _FIELDS.to_entity, _position)

    async def list_owned(
        self, workspace_id: UUID, conversation_id: UUID, owner_id: UUID, page: PageRequest
    ) -> Page[Message] | None:
        connection = self._connection()
        statement = _owned_page(page.order is Order.OLDEST_FIRST, page.after is not None)
        owner = {
            "workspace_id": workspace_id,
            "conversation_id": conversation_id,
            "owner_id": owner_id,
        }
        rows = (await connection.execute(statement, owner | keyset_parameters(page))).all()
        # Only an empty page needs a second look, to tell an empty conversation from another's.
        if not rows and not (await connection.execute(_IS_OWNED, owner)).scalar_one():
            return None
        return page_of(rows, page, _FIELDS.to_entity, _position)

    async def recent(self, conversation_id: UUID, limit: int) -> builtins.list[Message]:
        if limit <= 0:
            return []
        parameters = {"conversation_id": conversation_id, "limit": limit}
        rows = (await self._connection().execute(_RECENT, parameters)).all()
        return [_FIELDS.to_entity(row) for row in reversed(rows)]

    async def _one(self, condition: ColumnElement[bool]) -> Message | None:
        statement = _FIELDS.select().where(condition)
        return await _FIELDS.first(self._connection(), statement)


def _position(message: Message) -> Position:
    return Position(at=message.created_at, id=message.id)


# A statement per shape (direction, first page or not), built once: building one and its cache
# key costs SQLAlchemy more CPU than running it.
@functools.cache
def _page(ascending: bool, after: bool) -> Select[Any]:
    # The conversation's index finds the rows; the workspace's test keeps another's out.
    statement = _FIELDS.select().where(
        messages.c.conversation_id == bindparam("conversation_id"),
        messages.c.workspace_id == bindparam("workspace_id"),
    )
    m = messages.c
    return keyset_shape(statement, m.created_at, m.id, ascending=ascending, after=after)


# The ownership test as an uncorrelated EXISTS, which both planners evaluate once, before the
# scan: checking ownership adds no statement (and no round trip) to reading the page.
_OWNED = (
    select(conversations.c.id)
    .where(
        conversations.c.id == bindparam("conversation_id"),
        conversations.c.workspace_id == bindparam("workspace_id"),
        conversations.c.user_id == bindparam("owner_id"),
    )
    .exists()
)
_IS_OWNED = select(_OWNED)


@functools.cache
def _owned_page(ascending: bool, after: bool) -> Select[Any]:
    return _page(ascending, after).where(_OWNED)
