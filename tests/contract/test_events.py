"""EventLog contract (`uow.events`): events numbered at the commit of the change they tell, read
back by number, by workspace and by member, pruned; the signal told after the commit; and the
gap rule that lets a reader follow the log while transactions commit out of order. On
PostgreSQL also: two transactions committing out of order for real, and LISTEN/NOTIFY."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Collection
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import msgspec
import pytest

from ignacio.adapters.live.postgres import PostgresEventSignal
from ignacio.adapters.memory import InMemoryUnitOfWorkFactory
from ignacio.adapters.sql import DEFAULT_SCHEMA, SqlUnitOfWorkFactory, create_engine
from ignacio.adapters.sql.events import SqlEventLog, notify_channel
from ignacio.application.ports import UnitOfWorkFactory
from ignacio.domain import DeliveryStatus
from ignacio.domain.events import GAP_PATIENCE, EventKind, WorkspaceEvent, passable
from ignacio.domain.handover import ConversationState
from tests.contract.builders import at, conversation, home_of, message, store, user, workspace
from tests.contract.conftest import Backend, FixedKeyPhoneCipher
from tests.support.databases import libpq_url


class RecordingSignal:
    def __init__(self) -> None:
        self.committed_workspaces: list[set[UUID]] = []

    def committed(self, workspace_ids: Collection[UUID]) -> None:
        self.committed_workspaces.append(set(workspace_ids))

    async def listen(self, wake: object) -> None:
        return

    async def close(self) -> None:
        return


def with_signal(backend: Backend, signal: RecordingSignal) -> UnitOfWorkFactory:
    """The backend's units of work, telling `signal` of their commits."""
    if backend.engine is None:
        assert isinstance(backend.uow, InMemoryUnitOfWorkFactory)
        return InMemoryUnitOfWorkFactory(backend.uow.store, signal)
    return SqlUnitOfWorkFactory(backend.engine, FixedKeyPhoneCipher(), signal)


async def append(uow_factory: UnitOfWorkFactory, *events: WorkspaceEvent) -> None:
    async with uow_factory() as uow:
        for event in events:
            await uow.events.append(event)
        await uow.commit()


async def after(
    uow_factory: UnitOfWorkFactory,
    workspace_id: UUID | None,
    cursor: int = 0,
    limit: int = 100,
    member_id: UUID | None = None,
) -> list[WorkspaceEvent]:
    async with uow_factory(read_only=True) as uow:
        return await uow.events.after(workspace_id, cursor, limit, member_id)


async def test_events_are_numbered_in_order_when_they_commit_and_read_back_as_appended(
    uow_factory: UnitOfWorkFactory, home: UUID
) -> None:
    ana = user(1)
    chat = conversation(ana, home, state=ConversationState.HUMAN, assignee_id=uuid4())
    said = message(chat)
    await store(uow_factory, ana)
    added = WorkspaceEvent.message_added(said, at(1))
    taken = WorkspaceEvent.conversation_changed(chat, at(2))
    sent = WorkspaceEvent.delivery_changed(
        msgspec.structs.replace(said, delivery_status=DeliveryStatus.SENT), at(3)
    )
    await append(uow_factory, added, taken)
    await append(uow_factory, sent)
    stored = await after(uow_factory, home)
    assert [e.id for e in stored] == sorted(e.id for e in stored)
    assert len({e.id for e in stored}) == 3
    assert [msgspec.structs.replace(e, id=0) for e in stored] == [added, taken, sent]
    assert stored[1].kind is EventKind.CONVERSATION
    assert stored[1].data["assigneeId"] == str(chat.assignee_id)


async def test_a_unit_of_work_that_does_not_commit_stores_no_event(
    uow_factory: UnitOfWorkFactory, home: UUID
) -> None:
    ana = user(1)
    chat = conversation(ana, home)
    await store(uow_factory, ana)
    async with uow_factory() as uow:
        await uow.events.append(WorkspaceEvent.message_added(message(chat), at(1)))
    async with uow_factory() as uow:
        await uow.events.append(WorkspaceEvent.message_added(message(chat), at(2)))
        # Appended but not committed yet: nowhere to be read, even by its own unit of work.
        assert await uow.events.after(None, 0, 10) == []
    assert await after(uow_factory, None) == []
    await append(uow_factory, WorkspaceEvent.message_added(message(chat), at(3)))
    (kept,) = await after(uow_factory, None)
    assert kept.created_at == at(3)


async def test_events_are_read_by_number_workspace_and_member(
    uow_factory: UnitOfWorkFactory, home: UUID
) -> None:
    ana, luis = user(1), user(2)
    lab = workspace(1)
    await store(uow_factory, ana, luis, lab)
    ours, theirs, elsewhere = (
        conversation(ana, home),
        conversation(luis, home),
        conversation(ana, lab.id),
    )
    await append(
        uow_factory,
        *(
            WorkspaceEvent.message_added(message(where), at(n))
            for n, where in enumerate([ours, theirs, elsewhere, ours, theirs])
        ),
    )
    everything = await after(uow_factory, None)
    assert len(everything) == 5
    first = everything[0].id
    here = await after(uow_factory, home)
    assert [e.conversation_id for e in here] == [ours.id, theirs.id, ours.id, theirs.id]
    assert [e.conversation_id for e in await after(uow_factory, home, member_id=ana.id)] == [
        ours.id,
        ours.id,
    ]
    assert [e.id for e in await after(uow_factory, home, here[1].id)] == [e.id for e in here[2:]]
    assert [e.id for e in await after(uow_factory, None, first, limit=2)] == [
        e.id for e in everything[1:3]
    ]
    assert await after(uow_factory, lab.id, member_id=luis.id) == []


async def test_pruning_forgets_old_events_keeps_the_newest_and_never_reuses_a_number(
    uow_factory: UnitOfWorkFactory, home: UUID
) -> None:
    ana = user(1)
    chat = conversation(ana, home)
    await store(uow_factory, ana)
    async with uow_factory(read_only=True) as uow:
        assert await uow.events.bounds() == (0, 0)
    await append(
        uow_factory, *(WorkspaceEvent.message_added(message(chat), at(n)) for n in range(4))
    )
    numbers = [e.id for e in await after(uow_factory, None)]
    async with uow_factory() as uow:
        assert await uow.events.bounds() == (numbers[0], numbers[-1])
        assert await uow.events.prune(at(2), 1) == 1
        await uow.commit()
    assert [e.id for e in await after(uow_factory, None)] == numbers[1:]
    # However old it is, the newest stays: the next number follows it with no gap.
    async with uow_factory() as uow:
        assert await uow.events.prune(at(100), 100) == 2
        await uow.commit()
    assert [e.id for e in await after(uow_factory, None)] == [numbers[-1]]
    await append(uow_factory, WorkspaceEvent.message_added(message(chat), at(5)))
    async with uow_factory(read_only=True) as uow:
        assert await uow.events.bounds() == (numbers[-1], numbers[-1] + 1)


async def test_the_signal_hears_of_the_workspaces_a_commit_wrote_to_after_it(
    backend: Backend, home: UUID
) -> None:
    signal = RecordingSignal()
    uow_factory = with_signal(backend, signal)
    ana = user(1)
    lab = workspace(1)
    await store(uow_factory, ana, lab)
    assert signal.committed_workspaces == []  # a commit without events is not signalled
    async with uow_factory() as uow:
        await uow.events.append(
            WorkspaceEvent.message_added(message(conversation(ana, home)), at(1))
        )
        await uow.events.append(
            WorkspaceEvent.message_added(message(conversation(ana, lab.id)), at(1))
        )
        assert signal.committed_workspaces == []
        await uow.commit()
        assert signal.committed_workspaces == [{home, lab.id}]
    async with uow_factory() as uow:
        await uow.events.append(
            WorkspaceEvent.message_added(message(conversation(ana, home)), at(2))
        )
    assert signal.committed_workspaces == [{home, lab.id}]


async def test_a_follower_gets_every_event_once_and_in_order_while_writers_commit_at_once(
    uow_factory: UnitOfWorkFactory, home: UUID
) -> None:
    """The gap rule under real concurrency: on PostgreSQL transactions commit in any order; the
    follower never moves past a number whose event is still to come."""
    writers, commits = 6, 15
    members = [user(n) for n in range(writers)]
    await store(uow_factory, *members)
    written: set[UUID] = set()
    done = asyncio.Event()

    async def write(member_number: int) -> None:
        chat = conversation(members[member_number], home)
        for _ in range(commits):
            said = message(chat)
            async with uow_factory() as uow:
                await uow.events.append(WorkspaceEvent.message_added(said, datetime.now(UTC)))
                await uow.commit()
            written.add(said.id)
            await asyncio.sleep(random.random() / 500)

    followed: list[WorkspaceEvent] = []

    async def follow() -> None:
        cursor = 0
        while not (done.is_set() and len(followed) == writers * commits):
            events = await after(uow_factory, None, cursor, 50)
            passed, cursor = passable(cursor, events, datetime.now(UTC))
            followed.extend(passed)
            await asyncio.sleep(0.001)

    follower = asyncio.create_task(follow())
    await asyncio.gather(*(write(n) for n in range(writers)))
    done.set()
    await asyncio.wait_for(follower, 30)
    numbers = [event.id for event in followed]
    assert numbers == sorted(set(numbers))
    assert {event.data["messageId"] for event in followed} == {str(m) for m in written}


# PostgreSQL: what only a database shared by concurrent transactions (and processes) shows.


@pytest.fixture
async def postgres(postgres_url: str) -> tuple[str, SqlUnitOfWorkFactory]:
    return postgres_url, SqlUnitOfWorkFactory(create_engine(postgres_url), FixedKeyPhoneCipher())


@pytest.mark.postgres
async def test_a_reader_waits_for_a_transaction_that_committed_after_a_later_one(
    postgres: tuple[str, SqlUnitOfWorkFactory],
) -> None:
    _, uow_factory = postgres
    engine = uow_factory.engine
    try:
        ana = user(1)
        home = await home_of(uow_factory)
        chat = conversation(ana, home)
        await store(uow_factory, ana)
        now = datetime.now(UTC)
        early, late = message(chat), message(chat)
        async with engine.connect() as first, engine.connect() as second:
            await first.begin()
            await second.begin()
            # The first transaction takes its number, the second the next; the second commits.
            first_log, second_log = SqlEventLog(lambda: first), SqlEventLog(lambda: second)
            await first_log.append(WorkspaceEvent.message_added(early, now))
            await first_log.flush()
            await second_log.append(WorkspaceEvent.message_added(late, now))
            await second_log.flush()
            await second.commit()

            seen = await after(uow_factory, home)
            assert [e.data["messageId"] for e in seen] == [str(late.id)]
            passed, cursor = passable(seen[0].id - 2, seen, now + timedelta(seconds=1))
            assert (passed, cursor) == ([], seen[0].id - 2)

            await first.commit()
        seen = await after(uow_factory, home)
        passed, cursor = passable(seen[0].id - 1, seen, now + timedelta(seconds=1))
        assert [e.data["messageId"] for e in passed] == [str(early.id), str(late.id)]

        # A number taken by a transaction that rolls back never appears: passed once old.
        async with engine.connect() as gone:
            await gone.begin()
            gone_log = SqlEventLog(lambda: gone)
            await gone_log.append(WorkspaceEvent.message_added(message(chat), now))
            await gone_log.flush()
            await gone.rollback()
        await append(uow_factory, WorkspaceEvent.message_added(message(chat), now))
        newest = await after(uow_factory, home, cursor)
        assert len(newest) == 1 and newest[0].id == cursor + 2
        assert passable(cursor, newest, now + timedelta(seconds=1)) == ([], cursor)
        assert passable(cursor, newest, now + GAP_PATIENCE) == (newest, cursor + 2)
    finally:
        await engine.dispose()


@pytest.mark.postgres
async def test_postgres_signals_every_listening_process_at_commit_and_after_a_lost_connection(
    postgres: tuple[str, SqlUnitOfWorkFactory],
) -> None:
    url, uow_factory = postgres
    engine = uow_factory.engine
    signal = PostgresEventSignal(libpq_url(url), notify_channel(DEFAULT_SCHEMA))
    heard: asyncio.Queue[UUID | None] = asyncio.Queue()
    try:
        home = await home_of(uow_factory)
        ana = user(1)
        await store(uow_factory, ana)
        chat = conversation(ana, home)
        await signal.listen(heard.put_nowait)
        assert await asyncio.wait_for(heard.get(), 5) is None  # listening: read everything

        async with uow_factory() as uow:
            await uow.events.append(WorkspaceEvent.message_added(message(chat), at(1)))
        await append(uow_factory, WorkspaceEvent.message_added(message(chat), at(2)))
        assert await asyncio.wait_for(heard.get(), 5) == home
        assert heard.empty()  # the unit of work that did not commit signalled nothing

        async with engine.connect() as admin:
            await admin.exec_driver_sql(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE application_name = 'ignacio-live-events'"
                " AND datname = current_database()"
            )
            await admin.commit()
        # Listening again, it asks for everything to be read (what was missed meanwhile).
        assert await asyncio.wait_for(heard.get(), 10) is None
        assert signal.connections == 2
        await append(uow_factory, WorkspaceEvent.message_added(message(chat), at(3)))
        assert await asyncio.wait_for(heard.get(), 5) == home
    finally:
        await signal.close()
        await engine.dispose()
