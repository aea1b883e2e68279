"""The engine's pool: connections for reads, and connections the server dropped."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from ignacio.adapters.sql import create_engine
from ignacio.adapters.sql import engine as engine_module
from ignacio.adapters.sql.engine import reading_engine
from tests.support.databases import libpq_url

pytestmark = pytest.mark.postgres


async def test_reading_connections_run_in_autocommit_and_go_back_transactional(
    postgres_url: str,
) -> None:
    engine = create_engine(postgres_url, pool_size=1, max_overflow=0)
    try:
        async with reading_engine(engine).connect() as connection:
            assert await _autocommit(connection) is True
        async with engine.connect() as connection:
            assert await _autocommit(connection) is False
    finally:
        await engine.dispose()


async def _autocommit(connection: AsyncConnection) -> bool:
    driver = (await connection.get_raw_connection()).driver_connection
    assert isinstance(driver, psycopg.AsyncConnection)
    return driver.autocommit


async def test_a_connection_dropped_while_idle_in_the_pool_is_replaced_before_use(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Any idle time counts, so the test need not wait for the real threshold.
    monkeypatch.setattr(engine_module, "_PING_IDLE_AFTER_SECONDS", 0.0)
    engine = create_engine(postgres_url, pool_size=1, max_overflow=0)
    try:
        async with engine.connect() as connection:
            dropped = (await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        with psycopg.connect(libpq_url(postgres_url), autocommit=True) as admin:
            # What a pooler or a failover does to an idle connection; waits until it is gone.
            admin.execute("SELECT pg_terminate_backend(%s, 5000)", (dropped,))
        async with engine.connect() as connection:
            serving = (await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        assert serving != dropped
    finally:
        await engine.dispose()


async def test_a_connection_dropped_while_in_use_fails_once_and_the_pool_recovers(
    postgres_url: str,
) -> None:
    # Without a ping (it was idle for less than the threshold) the drop shows on first use.
    engine = create_engine(postgres_url, pool_size=2, max_overflow=0)
    try:
        async with engine.connect() as first, engine.connect() as second:
            pids = [
                (await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one()
                for connection in (first, second)
            ]
        with psycopg.connect(libpq_url(postgres_url), autocommit=True) as admin:
            for pid in pids:
                admin.execute("SELECT pg_terminate_backend(%s, 5000)", (pid,))
        with pytest.raises(DBAPIError) as failure:
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        assert failure.value.connection_invalidated
        # Every connection as old as the failed one is discarded: the other dead one too.
        async with engine.connect() as connection:
            serving = (await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        assert serving not in pids
    finally:
        await engine.dispose()
