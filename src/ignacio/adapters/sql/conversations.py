"""ConversationRepository over SQLAlchemy Core: `conversations`, newest activity first."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Select, bindparam, update

from ignacio.adapters.sql.mapping import FieldMap, enum_field
from ignacio.adapters.sql.queries import (
    ConnectionSource,
    insert_new,
    keyset_parameters,
    keyset_shape,
    needle,
    page_of,
)
from ignacio.adapters.sql.tables import conversations
from ignacio.domain import Channel, Conversation, NotFound, Order, Page, PageRequest, Position

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
)


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

    async def get(self, workspace_id: UUID, conversation_id: UUID) -> Conversation | None:
        c = conversations.c
        statement = _FIELDS.select().where(c.id == conversation_id, c.workspace_id == workspace_id)
        return await _FIELDS.first(self._connection(), statement)

    async def latest_for(
        self, workspace_id: UUID, user_id: UUID, channel: Channel
    ) -> Conversation | None:
        c = conversations.c
        statement = (
            _FIELDS.select()
            .where(c.user_id == user_id, c.workspace_id == workspace_id, c.channel == channel.value)
            .order_by(c.updated_at.desc(), c.id.desc())
            .limit(1)
        )
        return await _FIELDS.first(self._connection(), statement)

    async def update(self, conversation: Conversation) -> None:
        statement = (
            update(conversations)
            .where(conversations.c.id == conversation.id)
            .values(**_FIELDS.update_values(conversation))
        )
        if (await self._connection().execute(statement)).rowcount == 0:
            raise NotFound("There is no such conversation.")

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
