"""The SQLite engine: statements on the event loop's thread, and waits for another process's
write lock that leave the loop free."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from ignacio.adapters.sql import create_engine
from ignacio.adapters.sql import engine as engine_module


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "ignacio.db"
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("CREATE TABLE notes (body TEXT NOT NULL)")
    return path


def _other_process_writing(path: Path) -> sqlite3.Connection:
    """A connection of its own holding the write lock, as another process (the CLI) would."""
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO notes VALUES ('from the other process')")
    return other


async def test_statements_run_on_the_event_loop_thread(database: Path) -> None:
    engine = create_engine(f"sqlite:///{database}")
    try:
        async with engine.connect() as connection:
            driver = (await connection.get_raw_connection()).driver_connection
            assert driver is not None
            await driver.create_function("thread_id", 0, threading.get_ident)
            thread = (await connection.execute(text("SELECT thread_id()"))).scalar_one()
    finally:
        await engine.dispose()
    assert thread == threading.get_ident()


async def test_a_writer_waits_for_another_process_without_holding_up_the_loop(
    database: Path,
) -> None:
    engine = create_engine(f"sqlite:///{database}")
    other = _other_process_writing(database)
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.005)
            ticks += 1

    async def write() -> None:
        async with engine.begin() as connection:
            await connection.execute(text("INSERT INTO notes VALUES ('from the server')"))

    ticker = asyncio.create_task(tick())
    try:
        writing = asyncio.create_task(write())
        await asyncio.sleep(0.3)
        assert not writing.done()
        assert ticks >= 20  # the loop went on while the writer waited
        other.execute("COMMIT")
        await asyncio.wait_for(writing, timeout=5)
        async with engine.connect() as connection:
            bodies = (await connection.execute(text("SELECT body FROM notes"))).scalars().all()
    finally:
        ticker.cancel()
        other.close()
        await engine.dispose()
    assert sorted(bodies) == ["from the other process", "from the server"]


async def test_a_writer_gives_up_after_its_patience_and_the_next_one_goes_ahead(
    database: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_module, "SQLITE_BUSY_PATIENCE_SECONDS", 0.2)
    engine = create_engine(f"sqlite:///{database}")
    other = _other_process_writing(database)
    try:
        started = time.monotonic()
        with pytest.raises(OperationalError, match="database is locked"):
            async with engine.begin() as connection:
                await connection.execute(text("INSERT INTO notes VALUES ('never')"))
        assert 0.1 <= time.monotonic() - started < 2
        other.execute("COMMIT")
        # The writer that gave up left this process's writer queue: the next one is not held.
        async with asyncio.timeout(1):
            async with engine.begin() as connection:
                await connection.execute(text("INSERT INTO notes VALUES ('later')"))
        async with engine.connect() as connection:
            bodies = (await connection.execute(text("SELECT body FROM notes"))).scalars().all()
    finally:
        other.close()
        await engine.dispose()
    assert sorted(bodies) == ["from the other process", "later"]


def _work(seconds: float) -> None:
    """Work that holds the event loop's thread, as CPU-bound work does."""
    time.sleep(seconds)


async def test_hundreds_of_writers_on_a_busy_loop_queue_and_all_get_written(
    database: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """With a busy event loop, hundreds of writers queue for many seconds in all: the queue
    moves, so none is taken for stuck, none meets "database is locked", every row is kept."""
    writers = 250
    engine = create_engine(f"sqlite:///{database}", pool_size=writers, max_overflow=0)
    waits: list[float] = []
    started = asyncio.Event()

    async def busy_loop() -> None:
        # Other work on the loop (requests, turns) between the writers: each hand-over and
        # each await inside a transaction waits for it.
        while True:
            _work(0.004)
            await asyncio.sleep(0)

    async def write(n: int) -> None:
        await started.wait()
        asked = time.monotonic()
        async with engine.begin() as connection:
            waits.append(time.monotonic() - asked)
            await connection.execute(text("INSERT INTO notes VALUES (:body)"), {"body": str(n)})
            _work(0.015)  # the transaction's own work, holding the loop and the lock
            await asyncio.sleep(0)  # and an await inside it, as repositories' statements do

    busy = asyncio.create_task(busy_loop())
    try:
        writing = [asyncio.create_task(write(n)) for n in range(writers)]
        await asyncio.sleep(0)
        started.set()
        results = await asyncio.wait_for(asyncio.gather(*writing, return_exceptions=True), 60)
        async with engine.connect() as connection:
            bodies = (await connection.execute(text("SELECT body FROM notes"))).scalars().all()
    finally:
        busy.cancel()
        await engine.dispose()
    assert [r for r in results if r is not None] == []
    assert sorted(map(int, bodies)) == list(range(writers))
    assert max(waits) > 5  # the old queue's patience: the last writers waited longer
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


async def test_a_writer_whose_connection_is_invalidated_lets_the_next_one_go_at_once(
    database: Path,
) -> None:
    """A connection invalidated inside its transaction says neither commit nor rollback; its
    transaction went with it, so the next writer need not wait."""
    engine = create_engine(f"sqlite:///{database}")
    try:
        lost = await engine.connect()
        await lost.begin()
        await lost.execute(text("INSERT INTO notes VALUES ('lost')"))
        await lost.invalidate()
        async with asyncio.timeout(1):
            async with engine.begin() as connection:
                await connection.execute(text("INSERT INTO notes VALUES ('next')"))
        await lost.close()
        async with engine.connect() as connection:
            bodies = (await connection.execute(text("SELECT body FROM notes"))).scalars().all()
    finally:
        await engine.dispose()
    assert bodies == ["next"]


async def test_a_holder_lost_without_a_trace_is_given_up_on_and_the_rest_go_in_order(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A holder that never leaves (its connection gone without a commit, a rollback or the
    pool hearing of it) holds the writers behind it for the queue's last-resort bound, no more;
    a late leave of the lost one is harmless."""
    queue = engine_module._WriterQueue(lost_after_seconds=0.3)
    lost, first, second = object(), object(), object()
    order: list[str] = []

    await queue.enter(lost)  # type: ignore[arg-type]
    started = time.monotonic()

    async def write(name: str, connection: object) -> None:
        await queue.enter(connection)  # type: ignore[arg-type]
        order.append(name)
        await asyncio.sleep(0.01)
        queue.leave(connection)  # type: ignore[arg-type]

    await asyncio.wait_for(
        asyncio.gather(write("first", first), write("second", second)), timeout=5
    )
    assert order == ["first", "second"]
    assert 0.3 <= time.monotonic() - started < 2
    assert any("taking it for lost" in r.getMessage() for r in caplog.records)
    queue.leave(lost)  # type: ignore[arg-type]  # late, and harmless
    await asyncio.wait_for(write("third", object()), timeout=1)
    assert order == ["first", "second", "third"]


async def test_a_writer_behind_a_slow_but_live_holder_waits_for_it() -> None:
    """Waiting longer than the bound is no sign of a lost holder while the holder is new: each
    hand-over starts the holder's clock again, so a long queue never looks stuck."""
    queue = engine_module._WriterQueue(lost_after_seconds=0.2)
    holders = 0
    most = 0

    async def write(connection: object) -> None:
        nonlocal holders, most
        await queue.enter(connection)  # type: ignore[arg-type]
        holders += 1
        most = max(most, holders)
        await asyncio.sleep(0.05)
        holders -= 1
        queue.leave(connection)  # type: ignore[arg-type]

    started = time.monotonic()
    await asyncio.wait_for(asyncio.gather(*(write(object()) for _ in range(20))), timeout=5)
    assert time.monotonic() - started >= 1  # 20 x 50 ms: far past the bound for the last ones
    assert most == 1


async def test_a_writer_cancelled_while_queued_does_not_hold_up_the_rest() -> None:
    queue = engine_module._WriterQueue()
    holder, cancelled, after = object(), object(), object()
    await queue.enter(holder)  # type: ignore[arg-type]
    waiting = asyncio.create_task(queue.enter(cancelled))  # type: ignore[arg-type]
    behind = asyncio.create_task(queue.enter(after))  # type: ignore[arg-type]
    await asyncio.sleep(0.01)
    waiting.cancel()
    queue.leave(holder)  # type: ignore[arg-type]
    await asyncio.wait_for(behind, timeout=1)
    queue.leave(after)  # type: ignore[arg-type]


async def test_a_writer_that_reads_on_a_second_connection_is_not_starved_by_queued_writers(
    database: Path,
) -> None:
    """Writers queued for the lock each hold a pooled connection; the one holding the lock
    reading on another connection (as a turn reads the member's session) still gets one,
    rather than waiting for the pool's timeout behind the writers waiting for it."""
    engine = create_engine(f"sqlite:///{database}")
    reader = engine.execution_options(**{engine_module.BEGIN_MODE_OPTION: "deferred"})

    async def write(n: int) -> None:
        async with engine.begin() as connection:
            async with reader.connect() as reading:
                await reading.execute(text("SELECT count(*) FROM notes"))
            await connection.execute(text("INSERT INTO notes VALUES (:body)"), {"body": str(n)})
            await asyncio.sleep(0.001)

    try:
        await asyncio.wait_for(asyncio.gather(*(write(n) for n in range(100))), timeout=20)
        async with engine.connect() as connection:
            count = (await connection.execute(text("SELECT count(*) FROM notes"))).scalar_one()
    finally:
        await engine.dispose()
    assert count == 100


async def test_a_write_transaction_awaiting_something_slow_is_logged(
    database: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """An await of something slow (a model, an HTTP call) inside a write transaction holds up
    every writer of the process: the log says so, with how long."""
    monkeypatch.setattr(engine_module, "SQLITE_SLOW_WRITER_SECONDS", 0.1)
    engine = create_engine(f"sqlite:///{database}")
    try:
        async with engine.begin() as connection:
            await connection.execute(text("INSERT INTO notes VALUES ('quick')"))
        assert not any("held the write lock" in r.getMessage() for r in caplog.records)
        async with engine.begin() as connection:
            await connection.execute(text("INSERT INTO notes VALUES ('slow')"))
            await asyncio.sleep(0.3)
    finally:
        await engine.dispose()
    assert any("held the write lock for 0.3 s" in r.getMessage() for r in caplog.records)


async def test_a_writer_finding_the_lock_free_takes_it_while_the_woken_one_is_on_its_way() -> None:
    """No lock convoy: the writer woken by a release runs on the loop's next turn; one that is
    running now and finds the lock free does not wait a turn behind it."""
    queue = engine_module._WriterQueue()
    holder, woken, running = object(), object(), object()
    await queue.enter(holder)  # type: ignore[arg-type]
    waiting = asyncio.create_task(queue.enter(woken))  # type: ignore[arg-type]
    await asyncio.sleep(0)
    queue.leave(holder)  # type: ignore[arg-type]
    entering = queue.enter(running)  # type: ignore[arg-type]
    with pytest.raises(StopIteration):
        entering.send(None)  # done without waiting
    assert not waiting.done()
    queue.leave(running)  # type: ignore[arg-type]
    await asyncio.wait_for(waiting, timeout=1)
    queue.leave(woken)  # type: ignore[arg-type]
