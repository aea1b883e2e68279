"""Alembic environment: migrations run on the same engine setup the application uses."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import Connection
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


def _run_on(connection: Connection) -> None:
    _configure(connection)
    with context.begin_transaction():
        context.run_migrations()


async def _run_online() -> None:
    schema = config.attributes.get("schema", DEFAULT_SCHEMA)
    engine = create_engine(_database_url(), schema=schema, poolclass=NullPool)
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
