"""Procrastinate's tables: where they live, and how they are created and upgraded from code.

They live in their own PostgreSQL schema, `procrastinate`, beside Ignacio's (`ignacio`):
Alembic, which owns `ignacio`, neither sees them nor proposes to drop them, and the queue reaches
them through the connection's `search_path`.

How they are kept up to date follows procrastinate's own advice for applications that upgrade
(its "Migrate the Procrastinate schema" how-to): a new database gets the whole schema of the
installed version (`SchemaManager.get_schema()`, what `apply_schema_async()` runs); a database
that has it already gets, in order, each versioned migration script the installed procrastinate
ships (`{x.y.z}_{nn}_{pre|post}_....sql`) and that it has not had yet. Procrastinate leaves the
bookkeeping to the application: ours is the table `procrastinate.ignacio_schema_migrations`,
one row per script applied (a new database records every script shipped, since the full schema
already contains them). `ignacio migrate` runs this while the instances are stopped, so the `pre`
and `post` scripts of a release are applied together; a rolling upgrade across procrastinate
versions would apply them on each side of the deploy instead. Each script runs in a transaction
with its record, under an advisory lock, so two instances migrating at once do not collide and
running it again changes nothing.

Ignacio adds one index of its own to procrastinate's jobs (`OWN_INDEXES`), created when missing
each time the schema is applied: see there why.
"""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from procrastinate.schema import SchemaManager
from psycopg import sql

log = logging.getLogger(__name__)

SCHEMA = "procrastinate"
SEARCH_PATH_OPTION = f"-c search_path={SCHEMA}"
MIGRATIONS_TABLE = "ignacio_schema_migrations"
# procrastinate's fetch (`procrastinate_fetch_job_v2`) turns a job down while another job with
# the same `lock` runs or waits ahead of it; it looks for that other job with
# `other_jobs.lock = jobs.lock`, and procrastinate ships no index led by `lock` (its
# `(id, lock)` index is read whole for it: 40 pages, ~0.06 ms, per candidate). Ignacio gives
# every message's job a lock, so with a backlog the planner (from statistics of a smaller queue,
# cached in the function's plan) took every waiting job as a candidate and ran that lookup for
# each: ~38 ms of PostgreSQL per fetch with 3,000 jobs waiting, the backlog's bottleneck
# (upstream: procrastinate issue #1242). Led by `lock`, the lookup reads a page or two.
OWN_INDEXES = (
    "CREATE INDEX IF NOT EXISTS ignacio_jobs_lock_idx ON procrastinate_jobs (lock) "
    "WHERE status IN ('todo', 'doing')",
)
# Any constant shared by every instance: pg_advisory_lock's key for "migrating the queue".
_MIGRATION_LOCK = 0x49474E414349


class NotPostgres(ValueError):
    """The URL does not name a PostgreSQL database."""


def conninfo_from_url(url: str) -> str:
    """The libpq connection string for a PostgreSQL URL in SQLAlchemy's form.

    `postgresql+psycopg://`, `postgresql://` and `postgres://` all become `postgresql://`, with
    the rest of the URL (credentials, host, port, database, `?sslmode=...`) kept as written.
    """
    parts = urlsplit(url.strip())
    dialect = parts.scheme.split("+", 1)[0]
    if dialect not in ("postgresql", "postgres"):
        raise NotPostgres(f"not a PostgreSQL URL: {parts.scheme}://...")
    return urlunsplit(parts._replace(scheme="postgresql"))


def shipped_migrations() -> list[str]:
    """The migration scripts of the installed procrastinate, oldest first."""
    directory = Path(SchemaManager.get_migrations_path())
    return sorted(path.name for path in directory.glob("*.sql"))


def apply_schema(conninfo: str) -> list[str]:
    """Create procrastinate's schema, or bring it to the installed version; returns what was applied
    (`["schema.sql"]` for a new database, the migration scripts run otherwise, `[]` when current)."""
    with psycopg.connect(conninfo, autocommit=True, connect_timeout=10) as connection:
        connection.execute("SELECT pg_advisory_lock(%s)", (_MIGRATION_LOCK,))
        try:
            applied = _apply(connection)
            with connection.transaction():
                for statement in OWN_INDEXES:
                    _run_script(connection, statement)
            return applied
        finally:
            connection.execute("SELECT pg_advisory_unlock(%s)", (_MIGRATION_LOCK,))


def applied_migrations(conninfo: str) -> list[str]:
    """The migration scripts recorded as applied (none when the schema was never created)."""
    with psycopg.connect(conninfo, autocommit=True, connect_timeout=10) as connection:
        if not _exists(connection, MIGRATIONS_TABLE):
            return []
        return sorted(row[0] for row in connection.execute(_select_applied()))


def _apply(connection: psycopg.Connection[tuple[object, ...]]) -> list[str]:
    shipped = shipped_migrations()
    with connection.transaction():
        connection.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(SCHEMA)))
        connection.execute(
            sql.SQL(
                "CREATE TABLE IF NOT EXISTS {}.{} ("
                "name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
            ).format(sql.Identifier(SCHEMA), sql.Identifier(MIGRATIONS_TABLE))
        )
    applied = {str(row[0]) for row in connection.execute(_select_applied())}
    if not _exists(connection, "procrastinate_jobs"):
        with connection.transaction():
            _run_script(connection, SchemaManager.get_schema())
            _record(connection, shipped)
        log.info("job queue schema created", extra={"schema": SCHEMA})
        return ["schema.sql"]
    if not applied:
        # The tables were made by hand (`procrastinate schema --apply`), not by Ignacio: nothing
        # says which version they are at; take them to be the installed version's.
        _record(connection, shipped)
        log.warning(
            "job queue schema found without a record of its migrations; "
            "assuming it matches the installed procrastinate",
            extra={"schema": SCHEMA},
        )
        return []
    done = []
    directory = Path(SchemaManager.get_migrations_path())
    for name in shipped:
        if name in applied:
            continue
        with connection.transaction():
            _run_script(connection, (directory / name).read_text(encoding="utf-8"))
            _record(connection, [name])
        done.append(name)
        log.info("job queue migration applied", extra={"migration": name})
    return done


def _run_script(connection: psycopg.Connection[tuple[object, ...]], script: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql.SQL("SET LOCAL search_path TO {}").format(sql.Identifier(SCHEMA)))
        # Without parameters, psycopg sends the script as it is: several statements, `%` intact.
        cursor.execute(script.encode())


def _record(connection: psycopg.Connection[tuple[object, ...]], names: list[str]) -> None:
    with connection.cursor() as cursor:
        cursor.executemany(
            sql.SQL("INSERT INTO {}.{} (name) VALUES (%s) ON CONFLICT DO NOTHING").format(
                sql.Identifier(SCHEMA), sql.Identifier(MIGRATIONS_TABLE)
            ),
            [(name,) for name in names],
        )


def _select_applied() -> sql.Composed:
    return sql.SQL("SELECT name FROM {}.{}").format(
        sql.Identifier(SCHEMA), sql.Identifier(MIGRATIONS_TABLE)
    )


def _exists(connection: psycopg.Connection[tuple[object, ...]], table: str) -> bool:
    row = connection.execute(
        "SELECT to_regclass(%s) IS NOT NULL", (f"{SCHEMA}.{table}",)
    ).fetchone()
    return bool(row and row[0])
