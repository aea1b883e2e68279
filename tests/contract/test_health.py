"""HealthProbe contract: `ok` when the database answers, a short reason when not, never raising."""

from __future__ import annotations

import asyncio
from pathlib import Path

from ignacio.adapters.memory import MemoryHealthProbe
from ignacio.adapters.sql import SqlHealthProbe, create_engine
from tests.contract.conftest import Backend


async def test_a_reachable_database_is_ok(backend: Backend) -> None:
    probe = MemoryHealthProbe() if backend.engine is None else SqlHealthProbe(backend.engine)
    assert await probe.check() == {"database": "ok"}


async def test_an_unreachable_postgres_is_reported_without_raising() -> None:
    engine = create_engine("postgresql://secret-user:secret-password@127.0.0.1:1/nothing")
    try:
        report = await SqlHealthProbe(engine, timeout_seconds=5).check()
    finally:
        await engine.dispose()
    assert set(report) == {"database"}
    assert report["database"] != "ok"
    assert "secret" not in report["database"]
    assert len(report["database"]) < 80


async def test_an_unopenable_sqlite_file_is_reported(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path}")  # a directory, not a database file
    try:
        report = await SqlHealthProbe(engine).check()
    finally:
        await engine.dispose()
    assert report["database"] != "ok"


async def test_a_slow_database_times_out(sql_backend: Backend) -> None:
    assert sql_backend.engine is not None
    report = await SqlHealthProbe(sql_backend.engine, timeout_seconds=0).check()
    assert report == {"database": "timeout"}
    if sql_backend.name == "sqlite":
        # aiosqlite's worker thread finishes opening the abandoned connection on its own and then
        # reports to this event loop: let it, or it finds the loop closed and warns.
        await asyncio.sleep(0.2)
