"""The job queue's pool tests a connection before use only after it sat idle (issue #20)."""

from __future__ import annotations

import psycopg

from ignacio.adapters.procrastinate_queue import conninfo_from_url
from ignacio.adapters.procrastinate_queue.pool import IdleCheck, idle_checked_pool


async def test_a_busy_connection_is_not_tested_and_an_idle_one_cut_meanwhile_is_replaced(
    procrastinate_url: str,
) -> None:
    conninfo = conninfo_from_url(procrastinate_url)
    now = [0.0]
    idle = IdleCheck(seconds=30, clock=lambda: now[0])
    pool = idle_checked_pool(idle)(conninfo=conninfo, min_size=1, max_size=1, open=False)
    await pool.open(wait=True)
    try:
        async with pool.connection() as connection:
            first = connection.info.backend_pid
        now[0] = 29.0
        async with pool.connection() as connection:
            assert connection.info.backend_pid == first
        assert idle.checks == 0

        # Dropped while idle, as a pooler or a gateway does.
        with psycopg.connect(conninfo, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s, 5000)", (first,))
        now[0] = 29.0 + 31.0
        async with pool.connection() as connection:
            assert (await (await connection.execute("SELECT 1")).fetchone()) == (1,)
            assert connection.info.backend_pid != first
        assert idle.checks >= 1
    finally:
        await pool.close()
