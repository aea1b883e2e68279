"""The SQLite engine: statements on the event loop's thread, and waits for another process's
write lock that leave the loop free."""

from __future__ import annotations

import asyncio
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
