"""The job queue's connection pool: a connection is tested before use only after sitting idle.

Procrastinate's pool tests every connection it hands out with an empty query, a round trip
before each of its own: deferring, fetching and finishing a job, and the heartbeat, about five
a message answered (issue #20). As with the database engine's pool (adapters/sql/engine.py,
`_ping_idle_connections`), a connection is tested only when it sat unused for longer than
`PING_IDLE_AFTER_SECONDS`, the time after which poolers and gateways may have dropped it. Under
load none has, so the test costs nothing there; a connection cut while busy fails its next
statement once, which procrastinate's own retries and the sweep take care of.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Callable
from typing import Any

import psycopg
import psycopg_pool

PING_IDLE_AFTER_SECONDS = 30.0


class IdleCheck:
    """`configure` and `check` callbacks for a psycopg pool: the time each connection was made or
    last handed out, and the empty query only for one unused for longer than `seconds`.

    Timed from when it was handed out rather than returned: a `reset` callback would make the
    pool return every connection in a task of its own. Procrastinate holds one for a statement
    or two, so the difference is that short."""

    def __init__(
        self,
        seconds: float = PING_IDLE_AFTER_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._seconds = seconds
        self._clock = clock
        self._since: weakref.WeakKeyDictionary[psycopg.AsyncConnection[Any], float] = (
            weakref.WeakKeyDictionary()
        )
        self.checks = 0

    async def configure(self, connection: psycopg.AsyncConnection[Any]) -> None:
        self._since[connection] = self._clock()

    async def check(self, connection: psycopg.AsyncConnection[Any]) -> None:
        now = self._clock()
        since = self._since.get(connection)
        if since is None or now - since >= self._seconds:
            self.checks += 1
            await psycopg_pool.AsyncConnectionPool.check_connection(connection)
        self._since[connection] = now


def idle_checked_pool(
    idle: IdleCheck,
) -> Callable[..., psycopg_pool.AsyncConnectionPool[Any]]:
    """A `pool_factory` for procrastinate's PsycopgConnector that tests connections with
    `idle` in place of the test on every use procrastinate asks for."""

    def make(**arguments: Any) -> psycopg_pool.AsyncConnectionPool[Any]:
        arguments.update(check=idle.check, configure=idle.configure)
        return psycopg_pool.AsyncConnectionPool(**arguments)

    return make
