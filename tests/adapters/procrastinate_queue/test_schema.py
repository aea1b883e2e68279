"""Procrastinate's schema from `ignacio migrate`: created once, upgraded script by script, kept out
of Alembic's way; and the database URL in the form libpq reads."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from procrastinate.schema import SchemaManager
from psycopg import sql

from ignacio.adapters.procrastinate_queue import (
    MIGRATIONS_TABLE,
    SCHEMA,
    NotPostgres,
    applied_migrations,
    apply_schema,
    conninfo_from_url,
    shipped_migrations,
)
from ignacio.adapters.sql import DEFAULT_SCHEMA
from ignacio.entrypoints.cli import main
from tests.support.databases import libpq_url, postgres_server_url

# Everything a schema is made of, function bodies included, in a form two databases can compare.
CATALOG = """
SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || ' '
       || coalesce(column_default, '') || ' ' || is_nullable
  FROM information_schema.columns WHERE table_schema = %(schema)s
UNION ALL
SELECT 'function ' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ') '
       || md5(pg_get_functiondef(p.oid))
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = %(schema)s
UNION ALL
SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname = %(schema)s
UNION ALL
SELECT 'trigger ' || pg_get_triggerdef(t.oid)
  FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = %(schema)s AND NOT t.tgisinternal
UNION ALL
SELECT 'type ' || t.typname || ' ' || coalesce(
         (SELECT string_agg(enumlabel, ',' ORDER BY enumsortorder)
            FROM pg_enum e WHERE e.enumtypid = t.oid), '')
  FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
 WHERE n.nspname = %(schema)s AND t.typtype IN ('e', 'c')
UNION ALL
SELECT 'constraint ' || conrelid::regclass || ' ' || pg_get_constraintdef(c.oid)
  FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
 WHERE n.nspname = %(schema)s
"""


@pytest.mark.parametrize(
    ("url", "conninfo"),
    [
        (
            "postgresql+psycopg://ignacio:p%40ss@db.example:5432/app?sslmode=require",
            "postgresql://ignacio:p%40ss@db.example:5432/app?sslmode=require",
        ),
        ("postgres://u@localhost/db", "postgresql://u@localhost/db"),
        ("postgresql://u@localhost:6543/db", "postgresql://u@localhost:6543/db"),
        (" postgresql+asyncpg://u@h/db ", "postgresql://u@h/db"),
    ],
)
def test_a_database_url_becomes_a_libpq_connection_string(url: str, conninfo: str) -> None:
    assert conninfo_from_url(url) == conninfo


@pytest.mark.parametrize("url", ["sqlite+aiosqlite:///var/ignacio.db", "memory://", "mysql://h/db"])
def test_only_postgresql_urls_are_accepted(url: str) -> None:
    with pytest.raises(NotPostgres):
        conninfo_from_url(url)


@contextmanager
def blank_database() -> Iterator[str]:
    """A new, empty database on the test server; its libpq URL."""
    name = f"ignacio_test_{secrets.token_hex(6)}"
    server = libpq_url(postgres_server_url())
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield server.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(server, autocommit=True) as connection:
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def catalog(conninfo: str) -> list[str]:
    with psycopg.connect(conninfo) as connection:
        return sorted(str(row[0]) for row in connection.execute(CATALOG, {"schema": SCHEMA}))


def tables(conninfo: str, schema: str) -> set[str]:
    with psycopg.connect(conninfo) as connection:
        rows = connection.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", (schema,)
        )
        return {str(row[0]) for row in rows}


@pytest.mark.postgres
def test_a_new_database_gets_the_whole_schema_in_its_own_namespace(
    postgres_database_url: str,
) -> None:
    with blank_database() as conninfo:
        assert apply_schema(conninfo) == ["schema.sql"]

        assert {"procrastinate_jobs", "procrastinate_workers", MIGRATIONS_TABLE} <= tables(
            conninfo, SCHEMA
        )
        assert not any(table.startswith("procrastinate") for table in tables(conninfo, "public"))
        assert applied_migrations(conninfo) == shipped_migrations()


@pytest.mark.postgres
def test_applying_it_again_changes_nothing(procrastinate_url: str) -> None:
    conninfo = conninfo_from_url(procrastinate_url)
    before = catalog(conninfo)

    assert apply_schema(conninfo) == []
    assert apply_schema(conninfo) == []

    assert catalog(conninfo) == before
    assert applied_migrations(conninfo) == shipped_migrations()


@pytest.mark.postgres
def test_a_database_of_an_older_procrastinate_is_upgraded_to_the_schema_of_a_new_one(
    postgres_database_url: str,
) -> None:
    directory = Path(SchemaManager.get_migrations_path())
    older = [name for name in shipped_migrations() if name < "03.01"]  # procrastinate 3.0
    newer = [name for name in shipped_migrations() if name not in older]
    assert older and newer
    with blank_database() as new, blank_database() as upgraded:
        apply_schema(new)
        # A database that Ignacio set up with procrastinate 3.0: its scripts, and their record.
        with psycopg.connect(upgraded, autocommit=True) as connection:
            apply_schema(upgraded)
            connection.execute(
                sql.SQL("DROP SCHEMA {} CASCADE; CREATE SCHEMA {}").format(
                    sql.Identifier(SCHEMA), sql.Identifier(SCHEMA)
                )
            )
            connection.execute(
                sql.SQL(
                    "SET search_path TO {}; CREATE TABLE {} "
                    "(name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
                ).format(sql.Identifier(SCHEMA), sql.Identifier(MIGRATIONS_TABLE))
            )
            for name in older:
                connection.execute((directory / name).read_bytes())
                connection.execute(
                    sql.SQL("INSERT INTO {} VALUES (%s)").format(sql.Identifier(MIGRATIONS_TABLE)),
                    (name,),
                )

        assert apply_schema(upgraded) == newer

        assert catalog(upgraded) == catalog(new)
        assert applied_migrations(upgraded) == shipped_migrations()


@pytest.mark.postgres
def test_a_schema_made_by_hand_is_taken_as_current_and_recorded(
    postgres_database_url: str,
) -> None:
    with blank_database() as conninfo:
        with psycopg.connect(conninfo, autocommit=True) as connection:
            connection.execute(
                sql.SQL("CREATE SCHEMA {}; SET search_path TO {}").format(
                    sql.Identifier(SCHEMA), sql.Identifier(SCHEMA)
                )
            )
            connection.execute(SchemaManager.get_schema().encode())

        assert apply_schema(conninfo) == []

        assert applied_migrations(conninfo) == shipped_migrations()


@pytest.mark.postgres
@pytest.mark.parametrize("queue", ["procrastinate", "inprocess"])
def test_ignacio_migrate_creates_the_queue_schema_only_for_the_shared_queue(
    postgres_database_url: str, monkeypatch: pytest.MonkeyPatch, queue: str
) -> None:
    with blank_database() as conninfo:
        monkeypatch.setenv("IGNACIO_DATABASE_URL", conninfo)
        monkeypatch.setenv("IGNACIO_QUEUE", queue)

        assert main(["migrate"]) == 0
        assert main(["migrate"]) == 0

        assert "messages" in tables(conninfo, DEFAULT_SCHEMA)
        assert "messages" not in tables(conninfo, "public")
        expected = shipped_migrations() if queue == "procrastinate" else []
        assert applied_migrations(conninfo) == expected


# procrastinate_fetch_job_v2's test for a job ahead with the same lock, as it runs per candidate.
_SAME_LOCK_AHEAD = """
EXPLAIN SELECT 1 FROM procrastinate_jobs AS other_jobs
 WHERE other_jobs.lock = %(lock)s
   AND (other_jobs.status = 'doing'
        OR (other_jobs.status = 'todo' AND (other_jobs.priority > 0
            OR (other_jobs.priority = 0 AND other_jobs.id < %(id)s))))
"""


@pytest.mark.postgres
def test_the_fetch_finds_a_job_ahead_with_the_same_lock_through_an_index_led_by_the_lock(
    postgres_database_url: str,
) -> None:
    # Without it, each candidate job read procrastinate's whole (id, lock) index: with a backlog
    # of thousands of jobs, tens of milliseconds of PostgreSQL per job fetched.
    with blank_database() as conninfo:
        apply_schema(conninfo)
        with psycopg.connect(conninfo, autocommit=True) as connection:
            connection.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(SCHEMA)))
            connection.execute(
                "INSERT INTO procrastinate_jobs (queue_name, task_name, lock, queueing_lock, args)"
                " SELECT 'inbound', 'ignacio.process_inbound', l, l, '{}'"
                " FROM (SELECT gen_random_uuid()::text AS l FROM generate_series(1, 3000)) s"
            )
            connection.execute("ANALYZE procrastinate_jobs")
            plan = "\n".join(
                str(row[0])
                for row in connection.execute(_SAME_LOCK_AHEAD, {"lock": "a-message", "id": 10})
            )

    assert "ignacio_jobs_lock_idx" in plan


@pytest.mark.postgres
def test_a_queue_migrated_before_the_lock_index_gets_it_and_nothing_else(
    postgres_database_url: str,
) -> None:
    with blank_database() as conninfo:
        apply_schema(conninfo)
        expected = catalog(conninfo)
        with psycopg.connect(conninfo, autocommit=True) as connection:
            connection.execute(
                sql.SQL("DROP INDEX {}.ignacio_jobs_lock_idx").format(sql.Identifier(SCHEMA))
            )

        assert apply_schema(conninfo) == []

        assert catalog(conninfo) == expected
        assert applied_migrations(conninfo) == shipped_migrations()
