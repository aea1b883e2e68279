"""Schema migrations, run from code: no alembic.ini is needed at run time.

On PostgreSQL the tables live in their own schema, locked against Supabase's API roles; see
`schema.py` for why and how. `upgrade_database` is synchronous, for the command line. The migration environment runs on the
async engine in its own event loop; when the caller already runs a loop (a test, an app's
startup hook), the migration runs in a worker thread so the two loops never meet.

Alembic is imported only when there is something to migrate: it takes ~10 MB of memory, and a
server migrating on start would otherwise carry it for its whole life to learn that nothing was
to be done.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy import Connection, String, column, select, table
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from ignacio.adapters.sql.engine import DEFAULT_SCHEMA, create_engine, is_postgres_url
from ignacio.adapters.sql.schema import VERSION_TABLE, lock_down, prepare_schema
from ignacio.adapters.sql.tables import metadata

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

MIGRATIONS_DIRECTORY = Path(__file__).with_name("migrations")
VERSIONS_DIRECTORY = MIGRATIONS_DIRECTORY / "versions"

T = TypeVar("T")


def alembic_config(url: str, schema: str = DEFAULT_SCHEMA) -> Config:
    """An Alembic configuration for this database, pointing at the packaged migrations."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIRECTORY))
    # Through attributes, not the ini option: a password with `%` would break interpolation.
    config.attributes["database_url"] = url
    config.attributes["schema"] = schema
    return config


def upgrade_database(url: str, revision: str = "head", *, schema: str = DEFAULT_SCHEMA) -> None:
    """Bring the database's schema to `revision` (the latest by default); safe to run again.

    On PostgreSQL the tables are created in `schema` (moved there first from `public` when an
    earlier release left them there) and locked against Supabase's API roles afterwards.
    """
    _outside_any_loop(lambda: _upgrade(url, revision, schema))


def _upgrade(url: str, revision: str, schema: str) -> None:
    postgres = is_postgres_url(url)
    if revision != "head" or asyncio.run(_stored_revisions(url, schema)) != [shipped_head()]:
        from alembic import command

        if postgres:
            revisions = [script.revision for script in _scripts().walk_revisions()]
            tables = [table.name for table in metadata.sorted_tables]
            asyncio.run(prepare_schema(url, schema, tables, revisions))
        command.upgrade(alembic_config(url, schema), revision)
    if postgres:
        asyncio.run(lock_down(url, [schema]))


def shipped_head() -> str:
    """The latest revision this version of Ignacio ships, read off the scripts' names (revision
    0031 is `0031_records.py`), to tell an up-to-date database without importing Alembic."""
    return max(path.name[:4] for path in VERSIONS_DIRECTORY.glob("[0-9][0-9][0-9][0-9]_*.py"))


async def _stored_revisions(url: str, schema: str) -> list[str]:
    """The revisions Alembic's table holds (none for a database never migrated)."""
    engine = create_engine(url, schema=schema, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            stored = select(column("version_num", String)).select_from(table(VERSION_TABLE))
            return list((await connection.execute(stored)).scalars())
    except DBAPIError:
        # No such table yet (or no such schema): Alembic creates it.
        return []
    finally:
        await engine.dispose()


def lock_down_schemas(url: str, schemas: list[str]) -> None:
    """`schema.lock_down` for the command line: for schemas migrated by other tools (the queue's)."""
    _outside_any_loop(lambda: asyncio.run(lock_down(url, schemas)))


def current_revision(url: str, *, schema: str = DEFAULT_SCHEMA) -> str | None:
    """The revision the database is at, or None for a database never migrated."""
    return _outside_any_loop(lambda: asyncio.run(_current_revision(url, schema)))


def head_revision() -> str | None:
    """The latest revision this version of Ignacio ships."""
    return _scripts().get_current_head()


def _scripts() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(""))


async def _current_revision(url: str, schema: str) -> str | None:
    engine = create_engine(url, schema=schema, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(_revision_of)
    finally:
        await engine.dispose()


def _revision_of(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def _outside_any_loop(work: Callable[[], T]) -> T:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return work()
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as executor:
        return executor.submit(work).result()
