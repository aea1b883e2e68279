"""UnitOfWork contract: what commits, what rolls back, what goes with a deleted user."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any
from uuid import UUID

import msgspec
import pytest

from ignacio.application.ports import UnitOfWork, UnitOfWorkFactory
from ignacio.domain import Order, PageRequest, User
from tests.contract.builders import (
    at,
    challenge,
    concurrently,
    conversation,
    entry,
    message,
    phone_of,
    session,
    store,
    user,
)
from tests.contract.conftest import Backend


async def test_commit_persists(uow_factory: UnitOfWorkFactory) -> None:
    someone = user(1)
    async with uow_factory() as uow:
        await uow.users.add(someone)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.users.get(someone.id) == someone


async def test_leaving_without_commit_rolls_back(uow_factory: UnitOfWorkFactory) -> None:
    someone = user(1)
    async with uow_factory() as uow:
        await uow.users.add(someone)
        assert await uow.users.get(someone.id) == someone  # visible inside its transaction
    async with uow_factory() as uow:
        assert await uow.users.get(someone.id) is None


async def _add_then_fail(uow_factory: UnitOfWorkFactory, someone: User, *, commit: bool) -> None:
    async with uow_factory() as uow:
        await uow.users.add(someone)
        if commit:
            await uow.commit()
        raise LookupError


async def test_an_error_rolls_back_and_propagates(uow_factory: UnitOfWorkFactory) -> None:
    someone = user(1)
    with pytest.raises(LookupError):
        await _add_then_fail(uow_factory, someone, commit=False)
    async with uow_factory() as uow:
        assert await uow.users.get(someone.id) is None


async def test_rollback_after_commit_is_harmless(uow_factory: UnitOfWorkFactory) -> None:
    someone = user(1)
    with pytest.raises(LookupError):
        await _add_then_fail(uow_factory, someone, commit=True)
    async with uow_factory() as uow:
        assert await uow.users.get(someone.id) == someone


async def test_work_after_a_commit_needs_its_own_commit(uow_factory: UnitOfWorkFactory) -> None:
    kept, dropped = user(1), user(2)
    async with uow_factory() as uow:
        await uow.users.add(kept)
        await uow.commit()
        await uow.users.add(dropped)
    async with uow_factory() as uow:
        assert await uow.users.get(kept.id) == kept
        assert await uow.users.get(dropped.id) is None


async def test_a_rolled_back_update_leaves_the_old_state(uow_factory: UnitOfWorkFactory) -> None:
    someone = user(1, name="Before")
    await store(uow_factory, someone)
    async with uow_factory() as uow:
        await uow.users.update(msgspec.structs.replace(someone, name="After"))
    async with uow_factory() as uow:
        assert await uow.users.get(someone.id) == someone


async def test_deleting_a_user_deletes_what_is_theirs(
    uow_factory: UnitOfWorkFactory, home: UUID
) -> None:
    gone, kept = user(1), user(2)
    gone_chat, kept_chat = conversation(gone, home), conversation(kept, home)
    gone_messages = [message(gone_chat, created=n) for n in range(3)]
    kept_message = message(kept_chat)
    gone_session, kept_session = session(gone), session(kept)
    audit = entry(workspace_id=home, actor_id=gone.id, target_id=str(gone.id))
    code = challenge(phone_of(gone))
    await store(
        uow_factory,
        gone,
        kept,
        gone_chat,
        kept_chat,
        *gone_messages,
        kept_message,
        gone_session,
        kept_session,
        audit,
        code,
    )
    async with uow_factory() as uow:
        await uow.users.delete(gone.id)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.users.get(gone.id) is None
        assert await uow.conversations.get(home, gone_chat.id) is None
        assert await uow.messages.recent(gone_chat.id, 10) == []
        assert await uow.sessions.get(gone_session.id) is None
        # What is not theirs stays: the other member's data, the audit trail, login codes.
        assert await uow.users.get(kept.id) == kept
        assert await uow.conversations.get(home, kept_chat.id) == kept_chat
        assert await uow.messages.recent(kept_chat.id, 10) == [kept_message]
        assert await uow.sessions.get(kept_session.id) == kept_session
        assert (await uow.audit_log.list(home, PageRequest())).items == [audit]
        assert await uow.login_challenges.latest_for(phone_of(gone)) == code


async def test_concurrent_writers_all_succeed(uow_factory: UnitOfWorkFactory, home: UUID) -> None:
    """Twenty requests that each read, then write, at once: none fails, no message is lost.

    The conversation's own update is last-writer-wins on PostgreSQL (READ COMMITTED), so only
    that one of the written values survives is asserted; SQLite and memory run them one by one.
    """
    owner = user(1)
    chat = conversation(owner, home)
    await store(uow_factory, owner, chat)

    async def send(index: int) -> None:
        async with uow_factory() as uow:
            current = await uow.conversations.get(home, chat.id)
            assert current is not None
            await uow.messages.add(message(chat, created=index, content=f"message {index}"))
            latest = max(current.updated_at, at(index))
            await uow.conversations.update(msgspec.structs.replace(current, updated_at=latest))
            await uow.commit()

    await concurrently(20, send)
    async with uow_factory() as uow:
        stored = await uow.messages.list(
            home, chat.id, PageRequest(limit=50, order=Order.OLDEST_FIRST)
        )
        updated = await uow.conversations.get(home, chat.id)
    assert [m.content for m in stored.items] == [f"message {n}" for n in range(20)]
    assert updated is not None
    assert updated.updated_at in {at(n) for n in range(20)}


async def test_a_cancelled_request_rolls_back_and_frees_everything(backend: Backend) -> None:
    someone = user(1)
    inside = asyncio.Event()

    async def request() -> None:
        async with backend.uow() as uow:
            await uow.users.add(someone)
            inside.set()
            await asyncio.Event().wait()  # cancelled here, as a request whose client went away

    task = asyncio.create_task(request())
    await inside.wait()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    # The write lock (SQLite) and the store (memory) are free again; nothing was kept.
    async with asyncio.timeout(3), backend.uow() as uow:
        assert await uow.users.get(someone.id) is None
    if backend.engine is not None:
        assert backend.engine.pool.checkedout() == 0  # type: ignore[attr-defined]


async def test_a_read_only_unit_of_work_reads_and_refuses_to_commit(
    uow_factory: UnitOfWorkFactory,
) -> None:
    someone = user(1)
    await store(uow_factory, someone)
    async with uow_factory(read_only=True) as uow:
        assert await uow.users.get(someone.id) == someone
        with pytest.raises(RuntimeError):
            await uow.commit()


async def test_a_read_only_unit_of_work_leaves_the_next_one_transactional(
    uow_factory: UnitOfWorkFactory,
) -> None:
    # The next unit of work may get the same pooled connection: it must not stay in autocommit.
    someone = user(1)
    for _ in range(3):
        async with uow_factory(read_only=True) as uow:
            assert await uow.users.get(someone.id) is None
        async with uow_factory() as uow:
            await uow.users.add(someone)
    async with uow_factory(read_only=True) as uow:
        assert await uow.users.get(someone.id) is None


async def test_a_read_only_unit_of_work_does_not_wait_for_a_writer(sql_backend: Backend) -> None:
    someone = user(1)
    await store(sql_backend.uow, someone)
    async with sql_backend.uow() as writer:
        # On SQLite the writer holds the only write lock until it leaves.
        await writer.users.add(user(2))
        async with asyncio.timeout(3), sql_backend.uow(read_only=True) as reader:
            assert await reader.users.get(someone.id) == someone


async def test_writers_in_one_turn_of_the_loop_reuse_one_connection(sql_backend: Backend) -> None:
    """Two hundred writers woken together (a model's answers arriving at once): every one is
    kept, and each finds the connection the one before it gave back. On SQLite a unit of work
    runs start to end without letting the loop go, so the connection must be back in the pool
    when it ends, not a turn of the loop later: else each writer of that turn opened one of its
    own (hundreds, ~350 KB each). PostgreSQL's pool is bounded anyway."""
    engine = sql_backend.engine
    assert engine is not None
    pool: Any = engine.pool
    bound = 1 if sql_backend.name == "sqlite" else pool.size() + pool._max_overflow
    people = [user(n) for n in range(200)]
    go = asyncio.Event()
    held: list[int] = []

    async def write(person: User) -> None:
        await go.wait()
        async with sql_backend.uow() as uow:
            held.append(pool.checkedout())
            await uow.users.add(person)
            await uow.commit()

    writing = asyncio.gather(*(write(person) for person in people))
    await asyncio.sleep(0)
    go.set()
    await asyncio.wait_for(writing, timeout=60)
    async with sql_backend.uow(read_only=True) as uow:
        kept = [await uow.users.get(person.id) for person in people]
    assert None not in kept
    assert max(held) <= bound


async def test_every_repository_of_the_port_is_there_and_stays_the_same(
    uow_factory: UnitOfWorkFactory,
) -> None:
    """The SQL unit of work makes its repositories on first use: each the port names is made,
    once per unit of work, and nothing else answers to a repository's name."""
    names = [name for name in UnitOfWork.__annotations__ if not name.startswith("_")]
    assert "users" in names and "records" in names
    async with uow_factory(read_only=True) as uow:
        for name in names:
            first = getattr(uow, name)
            assert first is not None
            assert getattr(uow, name) is first
        with pytest.raises(AttributeError):
            _ = uow.no_such_repository  # type: ignore[attr-defined]
