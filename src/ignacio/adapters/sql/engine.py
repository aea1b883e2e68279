"""The async engine: one place that knows how to talk to SQLite and to PostgreSQL well.

SQLite gets WAL, enforced foreign keys and a busy timeout on every connection, and every
transaction starts with `BEGIN IMMEDIATE`: it takes the write lock up front, so two requests that
read and then write wait for each other instead of one failing with "database is locked" (a
deferred transaction that read a snapshot cannot be upgraded once another writer has committed).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec
from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=5000",
    "PRAGMA synchronous=NORMAL",
)

# A connection with this execution option set to "deferred" starts a plain BEGIN on SQLite:
# for reads that must not queue behind writers (the health probe).
BEGIN_MODE_OPTION = "ignacio_sqlite_begin"

# Supabase's transaction-mode pooler (Supavisor/PgBouncer) listens on 6543 and cannot keep
# server-side prepared statements across transactions.
_TRANSACTION_POOLER_PORT = 6543


def normalise_url(url: str) -> str:
    """The URL with the async driver we ship: what Supabase and docs give works as it is."""
    text = url.strip()
    for prefix in ("postgres://", "postgresql://"):
        if text.startswith(prefix):
            return "postgresql+psycopg://" + text[len(prefix) :]
    if text.startswith("sqlite://"):
        return "sqlite+aiosqlite://" + text[len("sqlite://") :]
    return text


def create_engine(url: str, **options: Any) -> AsyncEngine:
    """An async engine for a SQLite or PostgreSQL URL; `options` go to SQLAlchemy unchanged."""
    parsed = make_url(normalise_url(url))
    json_options: dict[str, Any] = {
        "json_serializer": _json_dumps,
        "json_deserializer": msgspec.json.decode,
    }
    if parsed.get_backend_name() == "sqlite":
        _create_parent_directory(parsed)
        engine = create_async_engine(parsed, **(json_options | options))
        _configure_sqlite(engine)
        return engine
    connect_args: dict[str, Any] = {"connect_timeout": 10}
    if parsed.port == _TRANSACTION_POOLER_PORT:
        connect_args["prepare_threshold"] = None
    settings: dict[str, Any] = {"connect_args": connect_args}
    if "poolclass" not in options:
        # Hosted databases drop idle connections: test each before use, renew them regularly.
        settings |= {
            "pool_pre_ping": True,
            "pool_recycle": 1800,
            "pool_size": 10,
            "max_overflow": 10,
        }
    return create_async_engine(parsed, **(json_options | settings | options))


def _json_dumps(value: Any) -> str:
    return msgspec.json.encode(value).decode()


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

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        if connection.get_execution_options().get(BEGIN_MODE_OPTION) == "deferred":
            connection.exec_driver_sql("BEGIN")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
