"""HealthProbe contracts for the database's probes, on every adapter of each.

The database probe: `ok` when the database answers, a short reason when not, never raising.
The backlog probe: how many inbound WhatsApp messages wait for their answer and for how long,
a problem once the oldest has waited past the policy's limit.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from ignacio.adapters.memory import (
    InMemoryBacklogProbe,
    InMemoryUnitOfWorkFactory,
    MemoryHealthProbe,
)
from ignacio.adapters.sql import SqlBacklogProbe, SqlHealthProbe, create_engine
from ignacio.application.ports import HealthProbe
from ignacio.domain import BacklogPolicy, CheckName, HealthCheck, ProcessingState
from tests.contract.builders import at, conversation, home_of, message, store, user
from tests.contract.conftest import Backend
from tests.support.fakes import FakeClock


async def test_a_reachable_database_is_ok(backend: Backend) -> None:
    probe = MemoryHealthProbe() if backend.engine is None else SqlHealthProbe(backend.engine)
    assert await probe.check() == HealthCheck(name="database", ok=True, detail="ok")


async def test_an_unreachable_postgres_is_reported_without_raising() -> None:
    engine = create_engine("postgresql://secret-user:secret-password@127.0.0.1:1/nothing")
    try:
        report = await SqlHealthProbe(engine, timeout_seconds=5).check()
    finally:
        await engine.dispose()
    assert report.name == "database"
    assert not report.ok
    assert "secret" not in report.detail
    assert len(report.detail) < 80


async def test_an_unopenable_sqlite_file_is_reported(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path}")  # a directory, not a database file
    try:
        report = await SqlHealthProbe(engine).check()
    finally:
        await engine.dispose()
    assert not report.ok


async def test_a_slow_database_times_out(sql_backend: Backend) -> None:
    assert sql_backend.engine is not None
    report = await SqlHealthProbe(sql_backend.engine, timeout_seconds=0).check()
    assert report == HealthCheck(name="database", ok=False, detail="timeout")
    if sql_backend.name == "sqlite":
        # aiosqlite's worker thread finishes opening the abandoned connection on its own and then
        # reports to this event loop: let it, or it finds the loop closed and warns.
        await asyncio.sleep(0.2)


# --- the inbound queue's backlog ---------------------------------------------------------------


def backlog_probe(backend: Backend, clock: FakeClock, **options: Any) -> HealthProbe:
    policy = BacklogPolicy(limit=timedelta(minutes=5))
    if backend.engine is None:
        assert isinstance(backend.uow, InMemoryUnitOfWorkFactory)
        return InMemoryBacklogProbe(backend.uow.store, clock, policy)
    return SqlBacklogProbe(backend.engine, clock, policy, **options)


async def test_no_waiting_message_is_ok(backend: Backend) -> None:
    owner = user(1)
    chat = conversation(owner, await home_of(backend.uow))
    answered = message(chat, processing=ProcessingState.DONE)
    web = message(chat)  # web messages are answered in the request, never queued
    await store(backend.uow, owner, chat, answered, web)

    check = await backlog_probe(backend, FakeClock(at(3600))).check()

    assert check == HealthCheck(name=CheckName.QUEUE, ok=True, detail="nothing waiting")


async def test_messages_waiting_a_little_are_counted_and_ok(backend: Backend) -> None:
    owner = user(1)
    chat = conversation(owner, await home_of(backend.uow))
    waiting = [message(chat, created=n * 30, processing=ProcessingState.PENDING) for n in range(3)]
    await store(backend.uow, owner, chat, *waiting, message(chat, created=0))

    check = await backlog_probe(backend, FakeClock(at(150))).check()

    assert check == HealthCheck(
        name=CheckName.QUEUE, ok=True, detail="3 waiting, the oldest for 2 min"
    )


async def test_a_message_waiting_past_the_limit_is_a_problem(backend: Backend) -> None:
    owner = user(1)
    chat = conversation(owner, await home_of(backend.uow))
    oldest = message(chat, created=0, processing=ProcessingState.PENDING)
    newer = message(chat, created=400, processing=ProcessingState.PENDING)
    await store(backend.uow, owner, chat, newer, oldest)

    check = await backlog_probe(backend, FakeClock(at(7 * 60 + 5))).check()

    assert check.name == CheckName.QUEUE
    assert not check.ok
    assert check.detail.startswith("2 waiting, the oldest for 7 min")


async def test_the_backlog_probe_keeps_its_time_limit(sql_backend: Backend) -> None:
    check = await backlog_probe(sql_backend, FakeClock(at(0)), timeout_seconds=0).check()
    assert check == HealthCheck(
        name=CheckName.QUEUE, ok=False, detail="the database did not answer within 0 s"
    )
    if sql_backend.name == "sqlite":
        await asyncio.sleep(0.2)  # see test_a_slow_database_times_out


@pytest.mark.parametrize("url", ["postgresql://secret-user:secret-password@127.0.0.1:1/nothing"])
async def test_an_unreachable_database_is_a_backlog_problem_without_secrets(url: str) -> None:
    engine = create_engine(url)
    try:
        check = await SqlBacklogProbe(engine, FakeClock(at(0)), timeout_seconds=5).check()
    finally:
        await engine.dispose()
    assert not check.ok
    assert "secret" not in check.detail
