"""DeliveryRepository over SQLAlchemy Core: `message_deliveries`, the parts of outgoing messages.

A part is claimed before it is sent with one conditional UPDATE, so two workers never send the
same part; its provider id is a unique key, so a status report finds exactly one part.
"""

from __future__ import annotations

import builtins
from uuid import UUID

from sqlalchemy import bindparam, update

from ignacio.adapters.sql.mapping import FieldMap, enum_field
from ignacio.adapters.sql.queries import (
    ConnectionSource,
    insert_new,
    keyset,
    page_of,
    update_keeping_keys,
)
from ignacio.adapters.sql.tables import message_deliveries
from ignacio.domain import (
    Delivery,
    DeliveryStatus,
    Page,
    PageRequest,
    Position,
)

_FIELDS = FieldMap(
    Delivery,
    message_deliveries,
    "id",
    "workspace_id",
    "message_id",
    "part",
    "content",
    enum_field("status", DeliveryStatus),
    "sending",
    "external_id",
    "attempts",
    "error_code",
    "error_title",
    "created_at",
    "updated_at",
)

# Its unique keys and foreign keys: an update that keeps them (a part claimed, sent, failed)
# cannot clash, and runs as one statement (see `update_keeping_keys`).
_KEY_COLUMNS = ("workspace_id", "message_id", "part", "external_id")

# Built once (see messages.py's `_BY_ID`): every part sent is claimed, and its answer settled
# from its parts; every status report finds its part.
_OF_MESSAGE = (
    _FIELDS.select()
    .where(message_deliveries.c.message_id == bindparam("message_id"))
    .order_by(message_deliveries.c.part)
)
_BY_EXTERNAL_ID = _FIELDS.select().where(
    message_deliveries.c.external_id == bindparam("external_id")
)
_CLAIM = (
    update(message_deliveries)
    .where(
        message_deliveries.c.id == bindparam("delivery_id"),
        message_deliveries.c.status == DeliveryStatus.PENDING.value,
        message_deliveries.c.sending.is_(False),
    )
    .values(sending=True, attempts=message_deliveries.c.attempts + 1)
)


class SqlDeliveryRepository:
    def __init__(self, connection: ConnectionSource) -> None:
        self._connection = connection

    async def add(self, delivery: Delivery) -> None:
        await insert_new(
            self._connection(),
            message_deliveries,
            _FIELDS.insert_values(delivery),
            conflict="This part of the message, or its provider id, is already stored.",
            missing="There is no such message or workspace.",
        )

    async def for_message(self, message_id: UUID) -> builtins.list[Delivery]:
        parameters = {"message_id": message_id}
        rows = (await self._connection().execute(_OF_MESSAGE, parameters)).all()
        return [_FIELDS.to_entity(row) for row in rows]

    async def get_by_external_id(self, external_id: str) -> Delivery | None:
        parameters = {"external_id": external_id}
        return await _FIELDS.first(self._connection(), _BY_EXTERNAL_ID, parameters)

    async def claim(self, delivery_id: UUID) -> bool:
        parameters = {"delivery_id": delivery_id}
        return (await self._connection().execute(_CLAIM, parameters)).rowcount == 1

    async def update(self, delivery: Delivery) -> None:
        await update_keeping_keys(
            self._connection(),
            message_deliveries,
            delivery.id,
            _FIELDS.update_values(delivery),
            keys=_KEY_COLUMNS,
            provider_ids=("external_id",),
            conflict="Another part has this part number or this provider id.",
            missing="There is no such message or workspace.",
            absent="There is no such part of a message.",
        )

    async def list_failed(self, workspace_id: UUID, page: PageRequest) -> Page[Delivery]:
        d = message_deliveries.c
        statement = _FIELDS.select().where(
            d.status == DeliveryStatus.FAILED.value, d.workspace_id == workspace_id
        )
        statement = keyset(statement, d.updated_at, d.id, page)
        rows = (await self._connection().execute(statement)).all()
        return page_of(
            rows, page, _FIELDS.to_entity, lambda item: Position(at=item.updated_at, id=item.id)
        )
