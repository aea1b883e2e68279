"""The event signal across processes: PostgreSQL's LISTEN/NOTIFY.

Every transaction that stores events also NOTIFYs (see `SqlEventLog.flush`), and PostgreSQL
delivers that to every listening session when, and only if, it commits. Each process listens on
one connection of its own, opened when its first stream opens; it is not from the engine's pool,
which hands connections out per transaction (a pooled connection returned would stop hearing).
A lost connection is opened again, with a growing pause, and the listener is told to read
everything (what was committed meanwhile was signalled to nobody). A transaction-mode pooler
(Supabase's port 6543) cannot keep a LISTEN: use a direct connection or the session pooler, as
for the job queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Collection
from typing import Any
from uuid import UUID

import psycopg
from psycopg import sql

from ignacio.application.ports import Wake

log = logging.getLogger(__name__)

# As the engine's connections: a silent peer is noticed within a minute by the kernel.
_KEEPALIVES: dict[str, Any] = {
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 10,
    "keepalives_count": 3,
}
_FIRST_PAUSE = 0.1
_LONGEST_PAUSE = 5.0
# A listening connection only reads; a ping when nothing came for this long makes a connection
# cut behind our back (a failover, a restarted pooler) fail now rather than at the keepalives.
_PING_AFTER_SECONDS = 30.0
# How long `listen` waits for the first LISTEN before returning anyway (it keeps trying).
_FIRST_LISTEN_PATIENCE = 5.0


class PostgresEventSignal:
    """LISTEN on `channel` (see `notify_channel`) through its own connection to `conninfo`."""

    def __init__(self, conninfo: str, channel: str) -> None:
        self._conninfo = conninfo
        self._channel = channel
        self._listeners: list[Wake] = []
        self._task: asyncio.Task[None] | None = None
        self._listening = asyncio.Event()
        self.connections = 0
        """How many times a connection was opened and listened on (tests see reconnects)."""

    def committed(self, workspace_ids: Collection[UUID]) -> None:
        # The committing transaction's NOTIFY reaches every process, this one included.
        return

    async def listen(self, wake: Wake) -> None:
        self._listeners.append(wake)
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="ignacio-event-listener")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._listening.wait(), _FIRST_LISTEN_PATIENCE)

    async def close(self) -> None:
        task, self._task = self._task, None
        self._listeners.clear()
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        pause = _FIRST_PAUSE
        while True:
            opened = self.connections
            try:
                await self._listen_once()
            except (psycopg.Error, OSError) as error:
                log.warning(
                    "the live events' listening connection was lost; opening it again",
                    extra={"error": type(error).__name__},
                )
            except Exception:
                log.exception("the live events' listener failed; starting it again")
            self._listening.clear()
            if self.connections > opened:
                # It was listening until now: a blip, not a database that is down.
                pause = _FIRST_PAUSE
            await asyncio.sleep(pause)
            pause = min(pause * 2, _LONGEST_PAUSE)

    async def _listen_once(self) -> None:
        connection = await psycopg.AsyncConnection.connect(
            self._conninfo,
            autocommit=True,
            connect_timeout=10,
            application_name="ignacio-live-events",
            **_KEEPALIVES,
        )
        async with connection:
            await connection.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self._channel)))
            self.connections += 1
            self._listening.set()
            # Whatever was committed while nobody listened was signalled to nobody.
            self._wake(None)
            while True:
                heard = False
                async for notify in connection.notifies(timeout=_PING_AFTER_SECONDS):
                    heard = True
                    self._wake(_workspace(notify.payload))
                if not heard:
                    await connection.execute("SELECT 1")

    def _wake(self, workspace_id: UUID | None) -> None:
        for wake in self._listeners:
            wake(workspace_id)


def _workspace(payload: str) -> UUID | None:
    try:
        return UUID(payload)
    except ValueError:
        # Not ours (someone NOTIFYs on the channel by hand): read everything, harmlessly.
        return None
