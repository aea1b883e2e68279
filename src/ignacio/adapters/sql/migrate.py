"""Schema migrations, run from code: no alembic.ini is needed at run time.

`upgrade_database` is synchronous, for the command line. The migration environment runs on the
async engine in its own event loop; when the caller already runs a loop (a test, an app's
startup hook), the migration runs in a worker thread so the two loops never meet.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection
from sqlalchemy.pool import NullPool

from ignacio.adapters.sql.engine import create_engine

MIGRATIONS_DIRECTORY = Path(__file__).with_name("migrations")

T = TypeVar("T")


def alembic_config(url: str) -> Config:
    """An Alembic configuration for this database, pointing at the packaged migrations."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIRECTORY))
    # Through attributes, not the ini option: a password with `%` would break interpolation.
    config.attributes["database_url"] = url
    return config


def upgrade_database(url: str, revision: str = "head") -> None:
    """Bring the database's schema to `revision` (the latest by default); safe to run again."""
    _outside_any_loop(lambda: command.upgrade(alembic_config(url), revision))


def current_revision(url: str) -> str | None:
    """The revision the database is at, or None for a database never migrated."""
    return _outside_any_loop(lambda: asyncio.run(_current_revision(url)))


def head_revision() -> str | None:
    """The latest revision this version of Ignacio ships."""
    return ScriptDirectory.from_config(alembic_config("")).get_current_head()


async def _current_revision(url: str) -> str | None:
    engine = create_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(_revision_of)
    finally:
        await engine.dispose()


def _revision_of(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _outside_any_loop(work: Callable[[], T]) -> T:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return work()
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as executor:
        return executor.submit(work).result()
