"""MemberSessions contract: one suite over memory, SQLite, PostgreSQL and Redis.

Expiry is judged by the caller's clock on every adapter (a fake one here); Redis also drops the
key itself after the time to live, which the last test checks on Redis alone."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
import structlog.testing
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection

from ignacio.adapters.memory import InMemoryMemberSessions, InMemoryStore, InMemoryUnitOfWorkFactory
from ignacio.adapters.redis_sessions import RedisMemberSessions
from ignacio.adapters.sql import SqlMemberSessions, SqlUnitOfWorkFactory, create_engine
from ignacio.application.ports import MemberSessions, UnitOfWorkFactory
from ignacio.domain.member_sessions import MemberSession
from ignacio.entrypoints.container import build_container
from ignacio.entrypoints.runtime import close_container
from tests.contract.builders import home_of, store, user, workspace
from tests.contract.conftest import FixedKeyPhoneCipher
from tests.support.databases import migrated_sqlite
from tests.support.system import settings_for_tests

TTL = timedelta(minutes=30)
# Near the real time: Redis expires keys by its own clock as well.
NOW = datetime.now(UTC).replace(microsecond=0)


@dataclass
class Subject:
    sessions: MemberSessions
    workspace_id: UUID
    other_workspace_id: UUID
    user_id: UUID
    other_user_id: UUID


_POSTGRES = pytest.param("postgres", marks=pytest.mark.postgres)


@dataclass
class Kind:
    name: str
    url: str | None = None
    prefix: str | None = None


@pytest.fixture(params=["memory", "sqlite", _POSTGRES, "redis"])
def kind(request: pytest.FixtureRequest) -> Kind:
    """The adapter, and where its server is (looked up here: async fixtures cannot)."""
    if request.param == "postgres":
        return Kind("postgres", request.getfixturevalue("postgres_url"))
    if request.param == "redis":
        return Kind(
            "redis",
            request.getfixturevalue("redis_url"),
            request.getfixturevalue("redis_prefix"),
        )
    return Kind(request.param)


@pytest.fixture
async def subject(kind: Kind, tmp_path: Path) -> AsyncIterator[Subject]:
    """Each adapter, with two members and two workspaces it may hold sessions for."""
    engine = None
    uow: UnitOfWorkFactory
    if kind.name in ("sqlite", "postgres"):
        engine = create_engine(kind.url or await migrated_sqlite(tmp_path))
        uow = SqlUnitOfWorkFactory(engine, FixedKeyPhoneCipher())
    else:
        uow = InMemoryUnitOfWorkFactory(InMemoryStore())
    one, two, other = user(1), user(2), workspace(2)
    await store(uow, one, two, other)
    sessions: MemberSessions
    if kind.name == "redis":
        assert kind.url is not None and kind.prefix is not None
        sessions = RedisMemberSessions(kind.url, key_prefix=kind.prefix)
    elif engine is not None:
        sessions = SqlMemberSessions(engine)
    else:
        sessions = InMemoryMemberSessions()
    home = await home_of(uow)
    subject = Subject(sessions, home, other.id, one.id, two.id)
    try:
        yield subject
    finally:
        for workspace_id in (home, other.id):
            for user_id in (one.id, two.id):
                await sessions.end(workspace_id, user_id)
        if engine is not None:
            await engine.dispose()


def session(subject: Subject, *, at: datetime = NOW, **fields: object) -> MemberSession:
    values: dict[str, object] = {
        "workspace_id": subject.workspace_id,
        "user_id": subject.user_id,
        "expires_at": at + TTL,
    }
    return MemberSession(**(values | fields))  # type: ignore[arg-type]


async def test_a_session_is_kept_whole_until_it_expires(subject: Subject) -> None:
    listed = (uuid4(), uuid4())
    kept = session(subject, conversation_id=listed[1], listed=listed, pending="confirm:delete")
    await subject.sessions.put(kept, TTL)

    got = await subject.sessions.get(subject.workspace_id, subject.user_id, NOW)
    assert got == kept
    late = NOW + TTL - timedelta(seconds=1)
    assert await subject.sessions.get(subject.workspace_id, subject.user_id, late) == kept
    assert await subject.sessions.get(subject.workspace_id, subject.user_id, NOW + TTL) is None


async def test_no_session_is_none(subject: Subject) -> None:
    assert await subject.sessions.get(subject.workspace_id, subject.user_id, NOW) is None
    assert not await subject.sessions.renew(subject.workspace_id, subject.user_id, NOW, TTL)


async def test_each_member_and_workspace_has_its_own(subject: Subject) -> None:
    mine = session(subject, conversation_id=uuid4())
    theirs = session(subject, user_id=subject.other_user_id, conversation_id=uuid4())
    elsewhere = session(subject, workspace_id=subject.other_workspace_id)
    for one in (mine, theirs, elsewhere):
        await subject.sessions.put(one, TTL)

    sessions = subject.sessions
    assert await sessions.get(subject.workspace_id, subject.user_id, NOW) == mine
    assert await sessions.get(subject.workspace_id, subject.other_user_id, NOW) == theirs
    assert await sessions.get(subject.other_workspace_id, subject.user_id, NOW) == elsewhere
    await sessions.end(subject.workspace_id, subject.user_id)
    assert await sessions.get(subject.workspace_id, subject.user_id, NOW) is None
    assert await sessions.get(subject.workspace_id, subject.other_user_id, NOW) == theirs


async def test_put_replaces_the_members_session(subject: Subject) -> None:
    await subject.sessions.put(session(subject, conversation_id=uuid4(), pending="x"), TTL)
    later = NOW + timedelta(minutes=5)
    newer = session(subject, at=later, listed=(uuid4(),))
    await subject.sessions.put(newer, TTL)

    assert await subject.sessions.get(subject.workspace_id, subject.user_id, later) == newer


async def test_renewing_moves_only_the_expiry_and_only_while_alive(subject: Subject) -> None:
    kept = session(subject, conversation_id=uuid4())
    await subject.sessions.put(kept, TTL)
    renewed_at = NOW + timedelta(minutes=29)

    assert await subject.sessions.renew(subject.workspace_id, subject.user_id, renewed_at, TTL)
    got = await subject.sessions.get(subject.workspace_id, subject.user_id, NOW + TTL)
    assert got == kept.renewed(renewed_at, TTL)
    gone = renewed_at + TTL
    assert not await subject.sessions.renew(subject.workspace_id, subject.user_id, gone, TTL)
    assert await subject.sessions.get(subject.workspace_id, subject.user_id, gone) is None


async def test_a_renewal_does_not_undo_a_put_that_came_between(subject: Subject) -> None:
    await subject.sessions.put(session(subject, conversation_id=uuid4()), TTL)
    switched = session(subject, conversation_id=uuid4())

    await asyncio.gather(
        subject.sessions.renew(subject.workspace_id, subject.user_id, NOW, TTL),
        subject.sessions.put(switched, TTL),
    )

    got = await subject.sessions.get(subject.workspace_id, subject.user_id, NOW)
    assert got is not None and got.conversation_id == switched.conversation_id


async def test_redis_drops_the_key_after_the_time_to_live(
    redis_url: str, redis_prefix: str
) -> None:
    sessions = RedisMemberSessions(redis_url, key_prefix=redis_prefix)
    workspace_id, user_id = uuid4(), uuid4()
    await sessions.put(
        MemberSession(workspace_id=workspace_id, user_id=user_id, expires_at=NOW + TTL), TTL
    )
    key = f"{redis_prefix}:member-session:{workspace_id}:{user_id}"
    client = sessions._client  # what Redis itself holds

    assert TTL.total_seconds() * 1000 - 5_000 < await client.pttl(key) <= TTL.total_seconds() * 1000
    await sessions.renew(workspace_id, user_id, NOW, timedelta(minutes=5))
    assert await client.pttl(key) <= 5 * 60 * 1000
    await sessions.end(workspace_id, user_id)
    assert await client.exists([key]) == 0


async def test_an_unreachable_redis_is_as_no_session_with_a_warning() -> None:
    sessions = RedisMemberSessions("redis://127.0.0.1:1/0")
    workspace_id, user_id = uuid4(), uuid4()
    kept = MemberSession(workspace_id=workspace_id, user_id=user_id, expires_at=NOW + TTL)

    with structlog.testing.capture_logs() as logs:
        await sessions.put(kept, TTL)
        assert await sessions.get(workspace_id, user_id, NOW) is None
        assert not await sessions.renew(workspace_id, user_id, NOW, TTL)
        await sessions.end(workspace_id, user_id)

    assert [entry["event"] for entry in logs] == ["member_session_storage_unavailable"] * 4


@pytest.mark.postgres
async def test_the_members_session_is_read_while_units_of_work_hold_every_connection(
    postgres_url: str,
) -> None:
    """Storing a message reads the member's session while its unit of work holds a connection.
    As wired, on PostgreSQL, that read has a pool of its own: were it on the units of work's,
    units of work each holding one connection and waiting for a second would take the whole
    pool and wait for each other until its timeout (issue #20: hundreds of turns at once)."""
    container = build_container(settings_for_tests(IGNACIO_DATABASE_URL=postgres_url))
    engine = container.engine()
    held: list[AsyncConnection] = []
    try:
        # Every connection the pool gives: its size and its overflow.
        for _ in range(engine.pool.size() + engine.pool._max_overflow):  # type: ignore[attr-defined]
            held.append(await engine.connect())
        async with asyncio.timeout(5):
            assert await container.member_sessions().get(uuid4(), uuid4(), NOW) is None
    finally:
        for connection in held:
            await connection.close()
        await close_container(container)


@pytest.mark.postgres
async def test_reading_a_session_is_one_round_trip_on_postgresql(postgres_url: str) -> None:
    """Read for every message a member sends: in autocommit, without a BEGIN before the read
    and a ROLLBACK after it."""
    engine = create_engine(postgres_url, pool_size=1, max_overflow=0)
    autocommit: list[bool] = []

    def note(connection: Any, *_: object) -> None:
        autocommit.append(connection.connection.driver_connection.autocommit)

    event.listen(engine.sync_engine, "before_cursor_execute", note)
    try:
        assert await SqlMemberSessions(engine).get(uuid4(), uuid4(), NOW) is None
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", note)
        await engine.dispose()

    assert autocommit == [True]
