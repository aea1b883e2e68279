"""The WebhookInbox on SQLite and PostgreSQL.

Writes are group-committed: a delivery waits for the insert in flight, if any, and then goes in
the next one with every delivery that arrived meanwhile. Under load one transaction (and one
fsync) serves hundreds of deliveries; with nothing in flight a delivery is written at once, so
a quiet server adds no delay.

Claims differ by dialect. PostgreSQL hands out rows with `FOR UPDATE SKIP LOCKED` in a
transaction held for the batch: any number of processes drain side by side, and the locks of a
process that dies go with its connection, so its rows are claimable again at once. SQLite serves
one process (the embedded set-up), so a claim is remembered in that process; a transaction held
for the batch would hold SQLite's only write lock, which storing the messages needs.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from uuid import UUID

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from ignacio.adapters.sql.engine import (
    BEGIN_MODE_OPTION,
    BUSY_RETRY_AFTER_SECONDS,
    database_busy,
)
from ignacio.adapters.sql.queries import keyset, page_of
from ignacio.adapters.sql.tables import webhook_inbox
from ignacio.application.ports import CollectedInboxBatch
from ignacio.domain import (
    Busy,
    InboxDelivery,
    Page,
    PageRequest,
    Position,
    Provider,
    SetAsideDelivery,
)

_MAX_ROWS_PER_INSERT = 500

_COLUMNS = (
    webhook_inbox.c.id,
    webhook_inbox.c.provider,
    webhook_inbox.c.body,
    webhook_inbox.c.received_at,
    webhook_inbox.c.attempts,
)


class SqlWebhookInbox:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._postgres = engine.dialect.name == "postgresql"
        self._pending: list[tuple[dict[str, Any], asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None
        self._claimed: set[UUID] = set()

    async def add(self, delivery: InboxDelivery) -> None:
        written = asyncio.get_running_loop().create_future()
        self._pending.append(
            (
                {
                    "id": delivery.id,
                    "provider": delivery.provider.value,
                    "body": delivery.body,
                    "received_at": delivery.received_at,
                    "attempts": delivery.attempts,
                },
                written,
            )
        )
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_pending())
        try:
            await written
        except Exception as error:
            # The sender keeps the delivery and sends it again (Meta and Twilio retry what was
            # not acknowledged): a 503 with Retry-After, not a fault of ours or theirs.
            if database_busy(error):
                raise Busy(
                    "The database is busy and the delivery was not kept; send it again shortly.",
                    retry_after=BUSY_RETRY_AFTER_SECONDS,
                ) from error
            raise

    async def _write_pending(self) -> None:
        # Deliveries added while the connection is being given back find this task not done
        # yet, and count on it: look again after every release.
        while self._pending:
            await self._write_on_one_connection()

    async def _write_on_one_connection(self) -> None:
        # One connection for as long as deliveries keep coming: a checkout (with its ping) per
        # insert would cost as much as the insert.
        try:
            async with self._engine.connect() as connection:
                while self._pending:
                    batch = self._pending[:_MAX_ROWS_PER_INSERT]
                    del self._pending[:_MAX_ROWS_PER_INSERT]
                    try:
                        await connection.execute(insert(webhook_inbox), [row for row, _ in batch])
                        await connection.commit()
                    except BaseException as error:
                        _settle_writes(batch, error)
                        raise
                    _settle_writes(batch, None)
        except BaseException as error:
            # The connection is gone (or the server is stopping): fail what still waits rather
            # than leave its requests hanging; each gets an error, so nothing is acknowledged.
            waiting, self._pending = self._pending, []
            _settle_writes(waiting, error)
            if not isinstance(error, Exception):
                raise

    @asynccontextmanager
    async def claim(self, limit: int) -> AsyncIterator[CollectedInboxBatch]:
        query = (
            select(*_COLUMNS)
            .where(webhook_inbox.c.set_aside_at.is_(None))
            .order_by(webhook_inbox.c.received_at, webhook_inbox.c.id)
        )
        if self._postgres:
            async with self._engine.connect() as connection:
                rows = await connection.execute(
                    query.limit(limit).with_for_update(skip_locked=True)
                )
                batch = CollectedInboxBatch([_delivery(row) for row in rows])
                try:
                    yield batch
                finally:
                    await _settle(connection, batch)
                    await connection.commit()
            return
        async with self._engine.connect() as connection:
            await connection.execution_options(**{BEGIN_MODE_OPTION: "deferred"})
            rows = await connection.execute(query.limit(limit + len(self._claimed)))
            deliveries = [
                delivery for delivery in map(_delivery, rows) if delivery.id not in self._claimed
            ][:limit]
        batch = CollectedInboxBatch(deliveries)
        self._claimed.update(delivery.id for delivery in deliveries)
        try:
            yield batch
        finally:
            self._claimed.difference_update(delivery.id for delivery in deliveries)
            if batch.finished or batch.errors or batch.set_aside_ones:
                async with self._engine.begin() as connection:
                    await _settle(connection, batch)

    async def waiting(self) -> int:
        async with self._engine.connect() as connection:
            await connection.execution_options(**{BEGIN_MODE_OPTION: "deferred"})
            count = await connection.scalar(select(func.count()).select_from(webhook_inbox))
        return int(count or 0)

    async def list_set_aside(self, page: PageRequest) -> Page[SetAsideDelivery]:
        c = webhook_inbox.c
        statement = select(
            c.id, c.provider, c.received_at, c.set_aside_at, c.attempts, c.last_error, c.sender
        ).where(c.set_aside_at.isnot(None))
        statement = keyset(statement, c.set_aside_at, c.id, page)
        async with self._engine.connect() as connection:
            await connection.execution_options(**{BEGIN_MODE_OPTION: "deferred"})
            rows = (await connection.execute(statement)).all()
        return page_of(
            rows, page, _set_aside, lambda aside: Position(at=aside.set_aside_at, id=aside.id)
        )


def _settle_writes(
    batch: list[tuple[dict[str, Any], asyncio.Future[None]]], error: BaseException | None
) -> None:
    for _, written in batch:
        # A request that gave up waiting (its client left) has a cancelled future.
        if written.done():
            continue
        if error is None:
            written.set_result(None)
        elif isinstance(error, Exception):
            written.set_exception(error)
        else:
            written.cancel()


async def _settle(connection: AsyncConnection, batch: CollectedInboxBatch) -> None:
    if batch.finished:
        await connection.execute(
            delete(webhook_inbox).where(webhook_inbox.c.id.in_(batch.finished))
        )
    for delivery_id, error in batch.errors.items():
        if delivery_id in batch.finished:
            continue
        await connection.execute(
            update(webhook_inbox)
            .where(webhook_inbox.c.id == delivery_id)
            .values(attempts=webhook_inbox.c.attempts + 1, last_error=error)
        )
    for delivery_id, (aside, sealed_body) in batch.set_aside_ones.items():
        if delivery_id in batch.finished:
            continue
        await connection.execute(
            update(webhook_inbox)
            .where(webhook_inbox.c.id == delivery_id)
            .values(
                body=sealed_body,
                attempts=aside.attempts,
                last_error=aside.last_error,
                set_aside_at=aside.set_aside_at,
                sender=aside.sender,
            )
        )


def _set_aside(row: Any) -> SetAsideDelivery:
    return SetAsideDelivery(
        id=row.id,
        provider=Provider(row.provider),
        received_at=row.received_at,
        set_aside_at=row.set_aside_at,
        attempts=row.attempts,
        last_error=row.last_error or "",
        sender=row.sender,
    )


def _delivery(row: Any) -> InboxDelivery:
    return InboxDelivery(
        id=row.id,
        provider=Provider(row.provider),
        body=bytes(row.body),
        received_at=row.received_at,
        attempts=row.attempts,
    )
