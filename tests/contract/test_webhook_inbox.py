"""The WebhookInbox contract, on every adapter: memory, SQLite and PostgreSQL.

What was added is kept byte for byte until a batch marks it done; claims hand out the oldest
first and never the same delivery twice at once; a delivery that keeps failing is set aside;
concurrent adds (group-committed on SQL) are each durable when they return.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from ignacio.adapters.memory import InMemoryWebhookInbox
from ignacio.adapters.sql import SqlWebhookInbox, create_engine
from ignacio.adapters.sql.tables import webhook_inbox
from ignacio.application.ports import WebhookInbox
from ignacio.domain import (
    InboxDelivery,
    PageRequest,
    PhoneNumber,
    Provider,
    Sender,
    SetAsideDelivery,
)
from tests.support.databases import migrated_sqlite

KINDS = ["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
START = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
LATER = START + timedelta(minutes=5)
MAX_ATTEMPTS = 3
SENDER = "+34612345678"


@pytest.fixture(params=KINDS)
async def inbox(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[WebhookInbox]:
    if request.param == "memory":
        yield InMemoryWebhookInbox()
        return
    url = (
        await migrated_sqlite(tmp_path)
        if request.param == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    engine = create_engine(url)
    try:
        yield SqlWebhookInbox(engine)
    finally:
        await engine.dispose()


def delivery(number: int, body: bytes | None = None) -> InboxDelivery:
    return InboxDelivery(
        id=uuid4(),
        provider=Provider.WHATSAPP_CLOUD if number % 2 else Provider.TWILIO,
        body=body if body is not None else f'{{"delivery": {number}}}'.encode(),
        received_at=START + timedelta(milliseconds=number),
    )


async def test_a_delivery_is_kept_as_it_arrived_until_done(inbox: WebhookInbox) -> None:
    kept = delivery(1, b'{"caf\xc3\xa9": "\\u0000"}\x00\xff')
    await inbox.add(kept)

    async with inbox.claim(10) as batch:
        assert batch.deliveries == [kept]
        await batch.done(kept.id)

    assert await inbox.waiting() == 0
    async with inbox.claim(10) as batch:
        assert batch.deliveries == []


async def test_claims_hand_out_the_oldest_first_a_batch_at_a_time(inbox: WebhookInbox) -> None:
    deliveries = [delivery(number) for number in range(5)]
    for kept in reversed(deliveries):
        await inbox.add(kept)

    async with inbox.claim(3) as first:
        assert first.deliveries == deliveries[:3]
        async with inbox.claim(3) as second:
            assert second.deliveries == deliveries[3:]
            for kept in second.deliveries:
                await second.done(kept.id)
        for kept in first.deliveries:
            await first.done(kept.id)

    assert await inbox.waiting() == 0


async def test_what_a_batch_leaves_unfinished_is_claimed_again(inbox: WebhookInbox) -> None:
    kept = [delivery(number) for number in range(3)]
    for each in kept:
        await inbox.add(each)

    async def stop_half_way() -> None:
        async with inbox.claim(10) as batch:
            await batch.done(kept[0].id)
            raise RuntimeError("the drain stopped half way")

    with pytest.raises(RuntimeError):
        await stop_half_way()

    async with inbox.claim(10) as again:
        # Done before the failure: forgotten; not reached: handed out again, no attempt counted.
        assert again.deliveries == kept[1:]
    assert await inbox.waiting() == 2


async def test_a_delivery_that_keeps_failing_is_set_aside(inbox: WebhookInbox) -> None:
    poisoned, healthy = delivery(1), delivery(2)
    await inbox.add(poisoned)
    await inbox.add(healthy)

    for attempt in range(MAX_ATTEMPTS - 1):
        async with inbox.claim(1) as batch:
            assert [each.id for each in batch.deliveries] == [poisoned.id]
            assert batch.deliveries[0].attempts == attempt
            await batch.failed(poisoned.id, "ValueError: cannot parse")
    async with inbox.claim(1) as batch:
        (last_try,) = batch.deliveries
        assert last_try.attempts == MAX_ATTEMPTS - 1
        aside = last_try.set_aside(
            error="ValueError: cannot parse",
            sender=Sender(phone=PhoneNumber.parse(SENDER)),
            at=LATER,
        )
        await batch.set_aside(aside, b"sealed")

    async with inbox.claim(10) as batch:
        assert [each.id for each in batch.deliveries] == [healthy.id]
        await batch.done(healthy.id)
    # Set aside, not lost: it stays, sealed, for whoever looks into it.
    assert await inbox.waiting() == 1
    listed = await inbox.list_set_aside(PageRequest(limit=10))
    assert listed.items == [
        SetAsideDelivery(
            id=poisoned.id,
            provider=poisoned.provider,
            received_at=poisoned.received_at,
            set_aside_at=LATER,
            attempts=MAX_ATTEMPTS,
            last_error="ValueError: cannot parse",
            sender="+34*****5678",
        )
    ]


async def test_set_aside_deliveries_are_listed_a_page_at_a_time(inbox: WebhookInbox) -> None:
    kept = [delivery(number) for number in range(5)]
    for each in kept:
        await inbox.add(each)
    async with inbox.claim(10) as batch:
        for number, each in enumerate(batch.deliveries):
            aside = each.set_aside(error="E", sender=None, at=LATER + timedelta(seconds=number))
            await batch.set_aside(aside, b"sealed")

    first = await inbox.list_set_aside(PageRequest(limit=3))
    second = await inbox.list_set_aside(PageRequest(limit=3, after=first.next))

    assert [aside.id for aside in first.items + second.items] == [
        each.id for each in reversed(kept)
    ]
    assert second.next is None


async def test_concurrent_adds_are_each_kept(inbox: WebhookInbox) -> None:
    deliveries = [delivery(number) for number in range(300)]

    await asyncio.gather(*(inbox.add(each) for each in deliveries))

    assert await inbox.waiting() == 300
    claimed: list[InboxDelivery] = []
    while True:
        async with inbox.claim(120) as batch:
            if not batch.deliveries:
                break
            claimed += batch.deliveries
            for each in batch.deliveries:
                await batch.done(each.id)
    assert claimed == deliveries


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=st.binary(max_size=2000))
async def test_any_body_comes_back_byte_for_byte(inbox: WebhookInbox, body: bytes) -> None:
    kept = delivery(1, body)
    await inbox.add(kept)
    async with inbox.claim(1) as batch:
        assert [each.body for each in batch.deliveries] == [body]
        await batch.done(kept.id)


@pytest.mark.postgres
async def test_on_postgres_processes_drain_side_by_side(postgres_url: str) -> None:
    """Two processes (two engines) never share a delivery, and a claim that ends without
    finishing (a killed process's connection closing) frees its rows at once."""
    first_engine, second_engine = create_engine(postgres_url), create_engine(postgres_url)
    first, second = SqlWebhookInbox(first_engine), SqlWebhookInbox(second_engine)
    try:
        kept = [delivery(number) for number in range(4)]
        for each in kept:
            await first.add(each)

        async with (
            first.claim(2) as held,
            second.claim(10) as other,
        ):
            assert held.deliveries == kept[:2]
            assert other.deliveries == kept[2:]
            for each in other.deliveries:
                await other.done(each.id)
        async with second.claim(10) as freed:
            assert freed.deliveries == kept[:2]

        async with first_engine.connect() as connection:
            rows = await connection.scalar(select(func.count()).select_from(webhook_inbox))
        assert rows == 2
    finally:
        await first_engine.dispose()
        await second_engine.dispose()


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def test_an_add_that_cannot_be_written_fails_instead_of_waiting(
    kind: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    url = (
        await migrated_sqlite(tmp_path)
        if kind == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    engine = create_engine(url)
    inbox = SqlWebhookInbox(engine)
    try:
        async with engine.begin() as connection:
            await connection.exec_driver_sql("ALTER TABLE webhook_inbox RENAME TO inbox_away")
        results = await asyncio.wait_for(
            asyncio.gather(*(inbox.add(delivery(n)) for n in range(3)), return_exceptions=True),
            timeout=10,
        )
        assert all(isinstance(result, Exception) for result in results)

        async with engine.begin() as connection:
            await connection.exec_driver_sql("ALTER TABLE inbox_away RENAME TO webhook_inbox")
        await asyncio.wait_for(inbox.add(delivery(4)), timeout=10)
        assert await inbox.waiting() == 1
    finally:
        await engine.dispose()
