"""Alembic environment: migrations run on the same engine setup the application uses."""

from __future__ import annotations

import asyncio
from typing import Any

from alembic import context
from sqlalchemy import Connection, event
from sqlalchemy.pool import NullPool

from ignacio.adapters.sql.engine import DEFAULT_SCHEMA, create_engine, normalise_url
from ignacio.adapters.sql.tables import metadata

config = context.config


def _database_url() -> str:
    url = config.attributes.get("database_url") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("No database URL: use ignacio.adapters.sql.migrate.alembic_config(url).")
    return str(url)


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        compare_type=True,
        # SQLite alters a table by copying it; batch mode writes migrations that way.
        render_as_batch=connection.dialect.name == "sqlite",
    )


def _leave_foreign_keys_unenforced(dbapi_connection: Any, _record: Any) -> None:
    """SQLite changes most of a table only by rebuilding it (batch mode), which drops the old
    table: with foreign keys enforced, the drop would delete every row referring to it ON DELETE
    CASCADE. The pragma works only outside a transaction, so it is set as the connection opens,
    after the engine's own pragmas; a migration that rebuilds checks the keys itself once done
    (`PRAGMA foreign_key_check`)."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=OFF")
    finally:
        cursor.close()


def _run_on(connection: Connection) -> None:
    _configure(connection)
    with context.begin_transaction():
        context.run_migrations()


async def _run_online() -> None:
    schema = config.attributes.get("schema", DEFAULT_SCHEMA)
    engine = create_engine(_database_url(), schema=schema, poolclass=NullPool)
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _leave_foreign_keys_unenforced)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run_on)
    finally:
        await engine.dispose()


def _run_offline() -> None:
    context.configure(
        url=normalise_url(_database_url()),
        target_metadata=metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    _run_offline()
elif (given := config.attributes.get("connection")) is not None:
    _run_on(given)
else:
    asyncio.run(_run_online())
