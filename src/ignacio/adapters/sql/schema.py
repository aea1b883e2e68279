"""Where Ignacio's tables live on PostgreSQL, and who else may touch them: nobody.

Supabase serves the `public` schema through PostgREST to anyone holding the project's *public*
anon key, and its default privileges grant the `anon` and `authenticated` roles everything on
new tables there. Tables in `public` would be readable and writable from any browser: members
made admins with one UPDATE, unsigned rows put in the webhook inbox. So, three locks, each
enough on its own:

1. The tables live in a schema of their own (`ignacio` unless `IGNACIO_DATABASE_SCHEMA` says
   otherwise), which PostgREST does not serve; connections reach it through their `search_path`
   (`engine.search_path_option`).
2. Every table there has row-level security enabled with no policy: a role other than the
   owner sees no row and can write none, even if an operator adds the schema to PostgREST's
   exposed list and grants it access. Ignacio connects as the owner (the role that ran the
   migrations), which row-level security does not restrict.
3. `anon` and `authenticated`, where they exist, hold no privilege on the schema or anything in
   it: revoked after every migration, so a table a later release adds is covered as well.

A database migrated before the tables moved keeps them in `public`: `prepare_schema` moves them
(with their rows, indexes, sequences and constraints: `ALTER TABLE ... SET SCHEMA` only renames
the namespace) before the migrations run.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.pool import NullPool

from ignacio.adapters.sql.engine import create_engine, search_path_option

log = logging.getLogger(__name__)

# The roles Supabase's API (PostgREST) runs requests as: the anon key's and a signed-in user's.
API_ROLES = ("anon", "authenticated")
VERSION_TABLE = "alembic_version"
LEGACY_SCHEMA = "public"
# pg_advisory_xact_lock's key for "preparing Ignacio's schema": instances migrating at once
# take turns, so a move is never half-seen by another.
_PREPARE_LOCK = 0x49474E53434D


async def prepare_schema(
    url: str, schema: str, tables: Iterable[str], revisions: Iterable[str]
) -> list[str]:
    """Create `schema`, and move Ignacio's tables there from `public` if an earlier release
    left them there; returns the tables moved.

    Tables move only when `public` holds Alembic's version table at one of Ignacio's own
    `revisions` and `schema` holds none yet: another application's tables in `public` are
    never touched, and running this again moves nothing.
    """
    search_path_option(schema)  # refuses a name that could not be used
    if schema == LEGACY_SCHEMA:
        return []
    engine = create_engine(url, schema=schema, poolclass=NullPool)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PREPARE_LOCK}
            )
            await connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
            if not await _legacy_tables_to_move(connection, schema, revisions):
                return []
            present = await _tables_in(connection, LEGACY_SCHEMA)
            moving = [name for name in (*tables, VERSION_TABLE) if name in present]
            for name in moving:
                await connection.execute(text(f'ALTER TABLE public."{name}" SET SCHEMA "{schema}"'))
            log.warning(
                "moved Ignacio's tables out of the public schema",
                extra={"schema": schema, "tables": len(moving)},
            )
            return moving
    finally:
        await engine.dispose()


async def lock_down(url: str, schemas: Iterable[str]) -> None:
    """Enable row-level security on every table of `schemas`, and take every privilege on
    them from Supabase's API roles (where those roles exist). Safe to run again."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        async with engine.begin() as connection:
            roles = [
                role
                for role in API_ROLES
                if (
                    await connection.execute(
                        text("SELECT 1 FROM pg_roles WHERE rolname = :role"), {"role": role}
                    )
                ).first()
            ]
            for schema in schemas:
                search_path_option(schema)
                for name in sorted(await _tables_in(connection, schema)):
                    await connection.execute(
                        text(f'ALTER TABLE "{schema}"."{name}" ENABLE ROW LEVEL SECURITY')
                    )
                for role in roles:
                    # `public` is shared with the project's own API: only its tables are ours.
                    on_schema = (
                        ()
                        if schema == LEGACY_SCHEMA
                        else (f'REVOKE ALL ON SCHEMA "{schema}" FROM "{role}"',)
                    )
                    for statement in (
                        *on_schema,
                        f'REVOKE ALL ON ALL TABLES IN SCHEMA "{schema}" FROM "{role}"',
                        f'REVOKE ALL ON ALL SEQUENCES IN SCHEMA "{schema}" FROM "{role}"',
                        f'REVOKE ALL ON ALL FUNCTIONS IN SCHEMA "{schema}" FROM "{role}"',
                    ):
                        await connection.execute(text(statement))
    finally:
        await engine.dispose()


async def _legacy_tables_to_move(
    connection: AsyncConnection, schema: str, revisions: Iterable[str]
) -> bool:
    if VERSION_TABLE in await _tables_in(connection, schema):
        return False
    if VERSION_TABLE not in await _tables_in(connection, LEGACY_SCHEMA):
        return False
    versions = await connection.execute(text('SELECT version_num FROM public."alembic_version"'))
    found = {str(row[0]) for row in versions}
    return bool(found) and found <= set(revisions)


async def _tables_in(connection: AsyncConnection, schema: str) -> set[str]:
    rows = await connection.execute(
        text(
            "SELECT c.relname FROM pg_catalog.pg_class c "
            "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = :schema AND c.relkind IN ('r', 'p')"
        ),
        {"schema": schema},
    )
    return {str(row[0]) for row in rows}
