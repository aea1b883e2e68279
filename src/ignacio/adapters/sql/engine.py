"""The async engine: one place that knows how to talk to SQLite and to PostgreSQL well.

SQLite gets WAL and enforced foreign keys on every connection, and every transaction starts
with `BEGIN IMMEDIATE`: it takes the write lock up front, so two requests that read and then
write wait for each other instead of one failing with "database is locked" (a deferred
transaction that read a snapshot cannot be upgraded once another writer has committed). SQLite
runs on the event loop's own thread (see `_SqliteOnTheLoop`), so a wait for another process's
write lock happens here, in `_begin_immediate`, without holding up the loop.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
import time
from collections import deque
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any

import aiosqlite
import msgspec
from sqlalchemy import event, exc
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool
from sqlalchemy.util import await_only
from sqlalchemy.util.concurrency import in_greenlet

log = logging.getLogger(__name__)

SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA foreign_keys=ON",
    # SQLite's own busy handler would sleep on the event loop's thread; `_begin_immediate`
    # waits for the write lock instead, asynchronously (in WAL mode only writers wait).
    "PRAGMA busy_timeout=0",
    "PRAGMA synchronous=NORMAL",
)
# How long a writer waits for another process (the CLI, say) to release SQLite's write lock.
SQLITE_BUSY_PATIENCE_SECONDS = 5.0

# SQLite connections kept open in the pool, and no limit on more: a writer queued for the write
# lock holds its connection meanwhile, and the one holding the lock may need a second (a read
# of its own, the member's session), so a bounded pool that queued writers fill would leave
# the holder waiting for a connection that only it can free, until the pool's timeout. SQLite
# connections cost little (about 150 KB each, on the loop's thread, no thread of their own);
# opening one costs a few milliseconds of the loop, hence the generous number kept open.
SQLITE_POOL_SIZE = 64

# Connections of `side_engine`'s pool on PostgreSQL: a member's session is read in a few
# milliseconds, and the rest of what a message costs is what bounds how many arrive at once.
SIDE_POOL_SIZE = 4

# A connection with this execution option set to "deferred" starts a plain BEGIN on SQLite:
# for reads that must not queue behind writers (the health probe).
BEGIN_MODE_OPTION = "ignacio_sqlite_begin"

# Supabase's transaction-mode pooler (Supavisor/PgBouncer) listens on 6543 and cannot keep
# server-side prepared statements across transactions.
_TRANSACTION_POOLER_PORT = 6543

# Ignacio's tables live in a PostgreSQL schema of their own, never in `public`: Supabase serves
# `public` to anyone holding the project's public anon key (see `adapters/sql/schema.py`).
DEFAULT_SCHEMA = "ignacio"
# A plain lower-case identifier: it goes into the connection's `search_path` option unquoted.
SCHEMA_PATTERN = r"^[a-z_][a-z0-9_]{0,62}$"
_SCHEMA_NAME = re.compile(SCHEMA_PATTERN)

# libpq's TCP keepalives (ignored on Unix sockets): a probe after 30 s of silence, every 10 s,
# three missed probes and the connection is known dead. Idle timeouts of NAT gateways and load
# balancers are minutes long, so a kept-alive connection never looks idle to them.
_TCP_KEEPALIVES = {
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 10,
    "keepalives_count": 3,
}
# Renewed every five minutes, so that a connection cut behind our back (a pooler restarted, a
# failover) does not stay in the pool for long even when keepalives cannot tell.
_RECYCLE_SECONDS = 300
_PING_IDLE_AFTER_SECONDS = 30.0
_RETURNED_AT = "ignacio_returned_at"


def normalise_url(url: str) -> str:
    """The URL with the async driver we ship: what Supabase and docs give works as it is."""
    text = url.strip()
    for prefix in ("postgres://", "postgresql://"):
        if text.startswith(prefix):
            return "postgresql+psycopg://" + text[len(prefix) :]
    if text.startswith("sqlite://"):
        return "sqlite+aiosqlite://" + text[len("sqlite://") :]
    return text


def search_path_option(schema: str) -> str:
    """libpq's `options` that make `schema` the only schema unqualified names resolve in."""
    if not _SCHEMA_NAME.match(schema):
        raise ValueError(
            f"{schema!r} is not a usable schema name: lower-case letters, digits and _, "
            "not starting with a digit"
        )
    return f"-c search_path={schema}"


def is_postgres_url(url: str) -> bool:
    return make_url(normalise_url(url)).get_backend_name() == "postgresql"


def create_engine(url: str, *, schema: str = DEFAULT_SCHEMA, **options: Any) -> AsyncEngine:
    """An async engine for a SQLite or PostgreSQL URL; `options` go to SQLAlchemy unchanged.

    On PostgreSQL every connection resolves unqualified names in `schema` alone, which is where
    the migrations create Ignacio's tables; SQLite has no schemas and ignores it.
    """
    parsed = make_url(normalise_url(url))
    json_options: dict[str, Any] = {
        "json_serializer": _json_dumps,
        "json_deserializer": msgspec.json.decode,
    }
    if parsed.get_backend_name() == "sqlite":
        _create_parent_directory(parsed)

        async def connect() -> aiosqlite.Connection:
            # The same file name and flags (`uri`, ...) that SQLAlchemy's aiosqlite dialect uses.
            (database, *_), keywords = engine.dialect.create_connect_args(engine.url)
            return await _SqliteOnTheLoop(lambda: sqlite3.connect(database, **keywords))

        pool: dict[str, Any] = {}
        if "poolclass" not in options and not _in_memory(parsed):
            pool = {"pool_size": SQLITE_POOL_SIZE, "max_overflow": -1}
        engine = create_async_engine(
            parsed, **(json_options | {"async_creator": connect} | pool | options)
        )
        _configure_sqlite(engine)
        return engine
    connect_args: dict[str, Any] = {
        "connect_timeout": 10,
        "options": search_path_option(schema),
        **_TCP_KEEPALIVES,
    }
    if parsed.port == _TRANSACTION_POOLER_PORT:
        connect_args["prepare_threshold"] = None
    settings: dict[str, Any] = {"connect_args": connect_args}
    if "poolclass" not in options:
        settings |= {
            # No `pool_pre_ping`: see `_ping_idle_connections`.
            "pool_recycle": _RECYCLE_SECONDS,
            # The most recently returned connection goes out first: under light load the same
            # few stay warm (never idle long enough to need a ping), and the rest age out.
            "pool_use_lifo": True,
            "pool_size": 10,
            "max_overflow": 10,
        }
    engine = create_async_engine(parsed, **(json_options | settings | options))
    if "poolclass" not in options:
        _ping_idle_connections(engine)
    return engine


def side_engine(engine: AsyncEngine, url: str, *, schema: str = DEFAULT_SCHEMA) -> AsyncEngine:
    """The engine for short statements made while a unit of work holds a connection of
    `engine`'s pool (the member's session, read in the middle of storing their message).

    On PostgreSQL a pool of its own, of `SIDE_POOL_SIZE`: with one shared bounded pool, units
    of work that each hold a connection and wait for a second one can take every connection
    at once, and then wait for each other until the pool's timeout (seen at 256 turns at
    once: messages failed mid-send). A connection of this pool is never held while waiting for
    anything else, so it always comes free. On SQLite, whose pool has no bound, `engine`.
    """
    if engine.dialect.name == "sqlite":
        return engine
    return create_engine(url, schema=schema, pool_size=SIDE_POOL_SIZE, max_overflow=0)


def reading_engine(engine: AsyncEngine) -> AsyncEngine:
    """The engine, sharing its pool, with connections set up for read-only units of work.

    On PostgreSQL they run in autocommit: no BEGIN before the first statement and no ROLLBACK
    after the last, so a read that one statement answers (what most authenticated GETs are)
    makes one round trip instead of three. Switching is free: only attributes of the driver's
    connection change, no statement is sent, and the pool restores the default when it takes
    the connection back. On SQLite a plain BEGIN instead of BEGIN IMMEDIATE: reads do not queue
    for the single write lock.
    """
    if engine.dialect.name == "sqlite":
        return engine.execution_options(**{BEGIN_MODE_OPTION: "deferred"})
    return engine.execution_options(isolation_level="AUTOCOMMIT")


def long_reads_engine(engine: AsyncEngine) -> AsyncEngine:
    """The engine for reads that take long (a dashboard's aggregates over a year of messages).

    On SQLite, connections of their own, each running on a thread of its own (aiosqlite's way),
    opened for each read and closed after it: SQLite works on the calling thread, and the
    engine's connections run on the event loop's (`_SqliteOnTheLoop`), where a read of a second
    would hold up every other request for that second. Python's sqlite3 lets go of the GIL
    while SQLite works, so the loop goes on meanwhile; WAL lets writers go on too. On
    PostgreSQL the server does the work: the engine itself, sharing its pool.
    """
    if engine.dialect.name != "sqlite":
        return engine
    threaded = create_async_engine(
        engine.url,
        json_serializer=_json_dumps,
        json_deserializer=msgspec.json.decode,
        poolclass=NullPool,
    )
    _configure_sqlite(threaded)
    return threaded


def _ping_idle_connections(engine: AsyncEngine) -> None:
    """Test a pooled connection before use only if it sat idle in the pool for a while.

    Hosted databases and what stands in front of them (Supabase's Supavisor, PgBouncer, NAT
    gateways and load balancers) drop connections that stay idle. `pool_pre_ping` would notice
    with a round trip on every checkout: an authenticated read checks out twice and runs two
    statements, so half of its round trips would be pings. Instead: TCP keepalives stop idle
    connections from looking idle on the way and let the kernel notice a peer that is gone;
    connections are renewed every few minutes; and a connection that sat unused for more than
    `_PING_IDLE_AFTER_SECONDS` is pinged before use. Under load none is, so the ping costs
    nothing there. A connection cut while busy or just returned (a pooler restarting) fails
    its next statement once; SQLAlchemy then discards every pooled connection older than the
    failure, so the requests after it reconnect.
    """
    dialect = engine.dialect

    @event.listens_for(engine.sync_engine, "checkin")
    def _on_checkin(dbapi_connection: Any, record: Any) -> None:
        if dbapi_connection is not None:
            record.info[_RETURNED_AT] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        returned_at = record.info.pop(_RETURNED_AT, None)
        if returned_at is None or time.monotonic() - returned_at < _PING_IDLE_AFTER_SECONDS:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            # The pool reconnects this one and retries the checkout; the others idled as long,
            # so they are discarded too rather than each failing its own ping.
            raise exc.InvalidatePoolError("An idle pooled connection was dropped.") from error


def _json_dumps(value: Any) -> str:
    return msgspec.json.encode(value).decode()


def _in_memory(url: URL) -> bool:
    """An in-memory SQLite database: one connection, kept by SQLAlchemy's own pool."""
    database = url.database or ""
    return database in ("", ":memory:") or "mode=memory" in str(url)


def _create_parent_directory(url: URL) -> None:
    database = url.database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # The driver's own transaction handling would skip BEGIN for reads; ours is below.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            for pragma in SQLITE_PRAGMAS:
                cursor.execute(pragma)
        finally:
            cursor.close()

    # SQLite has one writer. Writers of this process queue here, in order, and each is woken the
    # moment the one before it ends; queued in SQLite instead, each would sleep in its busy
    # handler (up to 100 ms a try) while the lock sat free. Other processes (the CLI) still
    # meet the busy timeout, and SQLite's own lock stays what keeps writers apart.
    writers = _WriterQueue()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        if connection.get_execution_options().get(BEGIN_MODE_OPTION) == "deferred":
            connection.exec_driver_sql("BEGIN")
            return
        if in_greenlet():
            await_only(writers.enter(connection, connection.connection.dbapi_connection))
        try:
            _begin_immediate(connection)
        except BaseException:
            writers.leave(connection)
            raise

    @event.listens_for(engine.sync_engine, "commit")
    def _on_commit(connection: Connection) -> None:
        writers.leave(connection)

    @event.listens_for(engine.sync_engine, "rollback")
    def _on_rollback(connection: Connection) -> None:
        writers.leave(connection)

    # A connection given back to the pool, invalidated or closed while it still held the queue
    # never said commit or rollback: the pool's reset or the close ended its transaction, so the
    # queue goes on at once instead of waiting for `_WriterQueue`'s last resort.
    @event.listens_for(engine.sync_engine, "checkin")
    def _on_checkin(dbapi_connection: Any, _record: Any) -> None:
        writers.dropped(dbapi_connection)

    @event.listens_for(engine.sync_engine, "invalidate")
    def _on_invalidate(dbapi_connection: Any, _record: Any, _error: Any) -> None:
        writers.dropped(dbapi_connection)

    @event.listens_for(engine.sync_engine, "close")
    def _on_close(dbapi_connection: Any, _record: Any) -> None:
        writers.dropped(dbapi_connection)


# How long a writer may hold this process's queue before it is taken for lost. Far more than a
# write transaction takes (well under a millisecond of work, plus up to
# `SQLITE_BUSY_PATIENCE_SECONDS` waiting for another process's lock); the pool's events catch
# the usual ways a holder gets lost at once (see `_configure_sqlite`), this is the last resort.
SQLITE_LOST_WRITER_SECONDS = 60.0
# A write transaction holding the queue this long is logged: it holds up every other writer of
# the process (an await of something slow, a model or an HTTP call, inside a transaction).
SQLITE_SLOW_WRITER_SECONDS = 2.0


class _WriterQueue:
    """The order in which one process's SQLite writers take the write lock: one at a time.

    A writer waits for as long as the writers ahead of it take. Under load that is seconds:
    hundreds of turns in flight queue here, and each hand-over waits for the event loop to wake
    the next writer, so a long wait says the queue is busy, not that it is stuck. What would
    stop it is a holder that never leaves (a connection lost without a commit or a rollback):
    the pool's events report the usual ways (`dropped`); failing those, a holder that has held
    the queue for `lost_after_seconds` is given up on and the next writer goes. Only then can
    two of this process's writers overlap, and SQLite's own lock still keeps them apart.

    A writer that finds the lock free takes it at once, even with writers waiting: the first of
    them has been woken but runs only on the loop's next turn, and a transaction that takes it
    meanwhile (most run start to end without letting the loop go) is over by then. Handing the
    lock strictly in order would instead make every writer wait a turn of the loop once a queue
    formed, a queue that would then never clear under load (a lock convoy). The woken writer
    that finds the lock taken again waits first in line.
    """

    def __init__(
        self,
        lost_after_seconds: float | None = None,
        slow_after_seconds: float | None = None,
    ) -> None:
        self._lost_after = lost_after_seconds
        self._slow_after = slow_after_seconds
        self._holder: Connection | None = None
        self._holder_driver: Any = None
        self._since = 0.0
        self._lost_timer: asyncio.TimerHandle | None = None
        self._waiting: deque[tuple[Connection, Any, asyncio.Future[None]]] = deque()

    async def enter(self, connection: Connection, driver_connection: Any = None) -> None:
        loop = asyncio.get_running_loop()
        if self._holder is None:
            self._hold(loop, connection, driver_connection)
            return
        turn = loop.create_future()
        self._waiting.append((connection, driver_connection, turn))
        while True:
            try:
                await turn
            except BaseException:
                if turn.done() and not turn.cancelled():
                    # Woken, then cancelled before taking the lock: wake the next one instead.
                    self._wake_next()
                else:
                    turn.cancel()  # the wake-up skips it
                raise
            if self._holder is None:
                self._hold(loop, connection, driver_connection)
                return
            turn = loop.create_future()
            self._waiting.appendleft((connection, driver_connection, turn))

    def leave(self, connection: Connection) -> None:
        # Identity, not connection.info: an invalidated connection refuses to show its info. A
        # connection that does not hold the queue (a deferred reader, or a holder given up on
        # as lost that ends at last) leaves nothing.
        if connection is not self._holder:
            return
        held = time.monotonic() - self._since
        if held > (self._slow_after or SQLITE_SLOW_WRITER_SECONDS):
            log.warning("SQLite write transaction held the write lock for %.1f s", held)
        self._release()

    def dropped(self, driver_connection: Any) -> None:
        """The driver's connection was given back, invalidated or closed: if it held the queue,
        its transaction is over."""
        if self._holder is not None and driver_connection is self._holder_driver:
            self._release()

    def _hold(
        self, loop: asyncio.AbstractEventLoop, connection: Connection, driver_connection: Any
    ) -> None:
        self._holder, self._holder_driver = connection, driver_connection
        self._since = time.monotonic()
        lost_after = self._lost_after or SQLITE_LOST_WRITER_SECONDS
        self._lost_timer = loop.call_later(lost_after, self._lost, connection)

    def _lost(self, connection: Connection) -> None:
        if connection is self._holder:
            log.warning(
                "A SQLite writer held the write lock for %.0f s without a commit or a rollback; "
                "taking it for lost and letting the next writer go",
                time.monotonic() - self._since,
            )
            self._release()

    def _release(self) -> None:
        if self._lost_timer is not None:
            self._lost_timer.cancel()
        self._holder = self._holder_driver = self._lost_timer = None
        self._wake_next()

    def _wake_next(self) -> None:
        while self._waiting:
            _, _, turn = self._waiting.popleft()
            if not turn.done():
                turn.set_result(None)
                return


def _begin_immediate(connection: Connection) -> None:
    """BEGIN IMMEDIATE; while another process holds the write lock, try again a little later,
    letting the event loop run meanwhile, for up to `SQLITE_BUSY_PATIENCE_SECONDS`."""
    deadline = time.monotonic() + SQLITE_BUSY_PATIENCE_SECONDS
    pause = 0.001
    while True:
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
            return
        except exc.OperationalError as error:
            busy = getattr(error.orig, "sqlite_errorcode", None) == sqlite3.SQLITE_BUSY
            if not busy or not in_greenlet() or time.monotonic() + pause > deadline:
                raise
        await_only(asyncio.sleep(pause))
        pause = min(pause * 2, 0.05)


# What a request refused for a busy database is told to wait before trying again.
BUSY_RETRY_AFTER_SECONDS = 5


def database_busy(error: BaseException) -> bool:
    """Whether `error` says the database had no room for the work in time, rather than that
    the work is wrong: SQLite's write lock held by another process past our patience, or no
    pooled connection free in time. Worth trying again shortly; nothing was written."""
    if isinstance(error, exc.TimeoutError):
        return True
    if isinstance(error, exc.OperationalError):
        code = getattr(error.orig, "sqlite_errorcode", None)
        return code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    return False


class _RunAtOnce:
    """Stands in for the queue through which aiosqlite hands each call to its worker thread:
    runs the call at once, on the calling thread, and settles its future."""

    def put_nowait(self, item: tuple[asyncio.Future[Any] | None, Callable[[], Any]]) -> None:
        future, call = item
        try:
            result = call()
        except Exception as error:
            if future is not None and not future.done():
                future.set_exception(error)
            return
        if future is not None and not future.done():
            future.set_result(result)


class _SqliteOnTheLoop(aiosqlite.Connection):
    """aiosqlite's connection, running each call on the event loop's thread.

    aiosqlite gives every connection a thread and hands it each call: a cursor, an execute, a
    fetch and a close per statement, each a hop to that thread and back. SQLite itself answers
    our statements in tens of microseconds (WAL, no fsync per commit), so the hops were the
    cost: under a steady 20 turns/s a write transaction held the write lock about 8 ms, nearly
    all of it spent waiting for the event loop or the GIL between hops, and the embedded set-up
    could not answer more than about 13 messages a second. On the loop's thread a transaction
    takes well under a millisecond. What could block, waiting for another process's write
    lock, waits in `_begin_immediate` instead (SQLite's busy timeout is 0).
    """

    def __init__(self, connector: Callable[[], sqlite3.Connection]) -> None:
        super().__init__(connector, iter_chunk_size=64)
        self._tx = _RunAtOnce()  # type: ignore[assignment]

    def __await__(self) -> Generator[Any, None, aiosqlite.Connection]:
        # No worker thread to start.
        return self._connect().__await__()
