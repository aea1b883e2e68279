"""On Supabase, no Ignacio table is reachable through its auto-generated API.

Supabase's PostgREST runs every request as `anon` (the public anon key) or `authenticated` (a
signed-in user of the project), and its default privileges grant both roles everything on new
tables in `public`. These tests give a local database those roles and those defaults, run the
real migrations, and then try, as each role, to read and write every table Ignacio has.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import psycopg
import pytest
from psycopg import errors, sql

from ignacio.adapters.procrastinate_queue import SCHEMA as QUEUE_SCHEMA
from ignacio.adapters.sql import (
    DEFAULT_SCHEMA,
    head_revision,
    metadata,
    search_path_option,
    upgrade_database,
)
from ignacio.adapters.sql.schema import API_ROLES, VERSION_TABLE
from ignacio.entrypoints.cli import main
from tests.support.databases import drop_postgres_database, libpq_url, postgres_database_or_skip

pytestmark = pytest.mark.postgres

IGNACIO_TABLES = sorted([table.name for table in metadata.sorted_tables] + [VERSION_TABLE])

# What a Supabase project's database grants its API roles (supabase/postgres's init scripts),
# both per schema for `public` and, harder still, for everything the migrating role creates.
SUPABASE_DEFAULT_PRIVILEGES = (
    "GRANT USAGE ON SCHEMA public TO anon, authenticated",
    "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON TABLES TO anon, authenticated",
    "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON SEQUENCES TO anon, authenticated",
    "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON FUNCTIONS TO anon, authenticated",
    "ALTER DEFAULT PRIVILEGES GRANT ALL ON TABLES TO anon, authenticated",
    "ALTER DEFAULT PRIVILEGES GRANT ALL ON SEQUENCES TO anon, authenticated",
    "ALTER DEFAULT PRIVILEGES GRANT USAGE ON SCHEMAS TO anon, authenticated",
)


def _connect(url: str, schema: str = DEFAULT_SCHEMA) -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(libpq_url(url), autocommit=True, options=search_path_option(schema))


def _create_api_roles(url: str) -> None:
    with _connect(url) as connection:
        for role in API_ROLES:
            # Roles belong to the server, not the database: an earlier run may have made them.
            with contextlib.suppress(errors.DuplicateObject):
                connection.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(role)))


@pytest.fixture
def supabase_like_database() -> Iterator[str]:
    """An empty database with Supabase's API roles and their default privileges."""
    url = postgres_database_or_skip(revision=None)
    try:
        _create_api_roles(url)
        with _connect(url, "public") as connection:
            for statement in SUPABASE_DEFAULT_PRIVILEGES:
                connection.execute(statement)
        yield url
    finally:
        drop_postgres_database(url)


def _tables_in(url: str, schema: str) -> set[str]:
    with _connect(url) as connection:
        rows = connection.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = %s", (schema,)
        ).fetchall()
    return {str(row[0]) for row in rows}


def _attempts(table: str, schema: str = DEFAULT_SCHEMA) -> dict[str, sql.Composed]:
    """A read and each kind of write on `table`, as PostgREST would send them."""
    name = sql.Identifier(schema, table)
    return {
        "select": sql.SQL("SELECT * FROM {} LIMIT 1").format(name),
        "insert": sql.SQL("INSERT INTO {} DEFAULT VALUES").format(name),
        "update": sql.SQL("UPDATE {} SET ctid = ctid WHERE false").format(name),
        "delete": sql.SQL("DELETE FROM {}").format(name),
        "truncate": sql.SQL("TRUNCATE {}").format(name),
    }


def _refused_attempts(
    url: str, role: str, schema: str = DEFAULT_SCHEMA
) -> dict[tuple[str, str], str]:
    """Every attempt `role` makes, with the error that refused it ("" when it went through)."""
    outcomes: dict[tuple[str, str], str] = {}
    tables = IGNACIO_TABLES if schema == DEFAULT_SCHEMA else sorted(_tables_in(url, schema))
    with _connect(url) as connection:
        connection.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(role)))
        for table in tables:
            for kind, statement in _attempts(table, schema).items():
                try:
                    connection.execute(statement)
                except errors.InsufficientPrivilege as error:
                    outcomes[(table, kind)] = str(error).splitlines()[0]
                else:
                    outcomes[(table, kind)] = ""
    return outcomes


def test_migrate_keeps_every_table_out_of_public(supabase_like_database: str) -> None:
    upgrade_database(supabase_like_database)

    assert _tables_in(supabase_like_database, "public") == set()
    assert _tables_in(supabase_like_database, DEFAULT_SCHEMA) == set(IGNACIO_TABLES)


@pytest.mark.parametrize("role", API_ROLES)
def test_supabase_api_roles_can_neither_read_nor_write_any_table(
    supabase_like_database: str, role: str
) -> None:
    upgrade_database(supabase_like_database)

    outcomes = _refused_attempts(supabase_like_database, role)

    assert len(outcomes) == len(IGNACIO_TABLES) * 5
    allowed = sorted(attempt for attempt, refusal in outcomes.items() if not refusal)
    assert allowed == []
    assert {refusal for refusal in outcomes.values()} == {
        f"permission denied for schema {DEFAULT_SCHEMA}"
    }


def test_every_table_has_row_level_security(supabase_like_database: str) -> None:
    upgrade_database(supabase_like_database)

    with _connect(supabase_like_database) as connection:
        rows = connection.execute(
            "SELECT relname, relrowsecurity FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind = 'r'",
            (DEFAULT_SCHEMA,),
        ).fetchall()
    assert {str(name): bool(secured) for name, secured in rows} == dict.fromkeys(
        IGNACIO_TABLES, True
    )


@pytest.mark.parametrize("role", API_ROLES)
def test_an_operator_who_exposes_the_schema_still_gets_no_row(
    supabase_like_database: str, role: str
) -> None:
    upgrade_database(supabase_like_database)
    with _connect(supabase_like_database) as owner:
        owner.execute(
            "INSERT INTO users (id, phone_number_encrypted, phone_lookup, is_admin) "
            "VALUES (gen_random_uuid(), 'x', 'lookup', false)"
        )
        # What Supabase's "Exposed schemas" setting asks the operator to run.
        for statement in (
            "GRANT USAGE ON SCHEMA {schema} TO {role}",
            "GRANT ALL ON ALL TABLES IN SCHEMA {schema} TO {role}",
            "GRANT ALL ON ALL SEQUENCES IN SCHEMA {schema} TO {role}",
        ):
            owner.execute(
                sql.SQL(statement).format(
                    schema=sql.Identifier(DEFAULT_SCHEMA), role=sql.Identifier(role)
                )
            )

    with _connect(supabase_like_database) as connection:
        connection.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(role)))
        assert connection.execute("SELECT count(*) FROM users").fetchone() == (0,)
        promoted = connection.execute("UPDATE users SET is_admin = true")
        assert promoted.rowcount == 0
        assert connection.execute("DELETE FROM users").rowcount == 0
        with pytest.raises(errors.InsufficientPrivilege, match="row-level security"):
            connection.execute(
                "INSERT INTO webhook_inbox (id, provider, body, received_at) "
                "VALUES (gen_random_uuid(), 'whatsapp_cloud', 'x', now())"
            )

    with _connect(supabase_like_database) as owner:
        assert owner.execute("SELECT count(*) FROM users WHERE NOT is_admin").fetchone() == (1,)
        assert owner.execute("SELECT count(*) FROM webhook_inbox").fetchone() == (0,)


def test_migrating_again_takes_back_what_was_granted_since(supabase_like_database: str) -> None:
    upgrade_database(supabase_like_database)
    with _connect(supabase_like_database) as owner:
        owner.execute(
            sql.SQL("GRANT USAGE ON SCHEMA {} TO anon").format(sql.Identifier(DEFAULT_SCHEMA))
        )
        owner.execute(
            sql.SQL("GRANT ALL ON ALL TABLES IN SCHEMA {} TO anon").format(
                sql.Identifier(DEFAULT_SCHEMA)
            )
        )

    upgrade_database(supabase_like_database)

    assert not any(
        outcome == "" for outcome in _refused_attempts(supabase_like_database, "anon").values()
    )


def test_tables_an_earlier_release_left_in_public_move_with_their_rows(
    supabase_like_database: str,
) -> None:
    # Releases before the move migrated into `public` (their search_path's first schema).
    upgrade_database(supabase_like_database, "0007", schema="public")
    with _connect(supabase_like_database, "public") as old:
        old.execute(
            "INSERT INTO users (id, phone_number_encrypted, phone_lookup, name) "
            "SELECT gen_random_uuid(), 'x', 'lookup-' || n, 'member ' || n "
            "FROM generate_series(1, 25) AS n"
        )
        old.execute(
            "INSERT INTO audit_log (id, action, target_type, details) "
            "VALUES (gen_random_uuid(), 'user.created', 'user', '{}')"
        )
    before = _tables_in(supabase_like_database, "public")

    upgrade_database(supabase_like_database)

    assert _tables_in(supabase_like_database, "public") == set()
    assert before <= _tables_in(supabase_like_database, DEFAULT_SCHEMA)
    with _connect(supabase_like_database) as connection:
        assert connection.execute("SELECT count(*) FROM users").fetchone() == (25,)
        assert connection.execute("SELECT count(*) FROM audit_log").fetchone() == (1,)
        assert connection.execute("SELECT version_num FROM alembic_version").fetchall() == [
            (head_revision(),)
        ]
        # A new member still gets the next row: sequences and defaults moved with the tables.
        connection.execute(
            "INSERT INTO users (id, phone_number_encrypted, phone_lookup) "
            "VALUES (gen_random_uuid(), 'x', 'lookup-new')"
        )
    assert not any(
        outcome == "" for outcome in _refused_attempts(supabase_like_database, "anon").values()
    )


def test_another_applications_tables_in_public_are_left_alone(
    supabase_like_database: str,
) -> None:
    with _connect(supabase_like_database, "public") as other:
        other.execute("CREATE TABLE users (id int PRIMARY KEY)")
        other.execute("CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY)")
        other.execute("INSERT INTO alembic_version VALUES ('ae1027a6acf')")

    upgrade_database(supabase_like_database)

    assert _tables_in(supabase_like_database, "public") == {"users", "alembic_version"}
    assert _tables_in(supabase_like_database, DEFAULT_SCHEMA) == set(IGNACIO_TABLES)


@pytest.mark.parametrize("role", API_ROLES)
def test_ignacio_migrate_locks_the_job_queue_schema_too(
    supabase_like_database: str, monkeypatch: pytest.MonkeyPatch, role: str
) -> None:
    monkeypatch.setenv("IGNACIO_DATABASE_URL", supabase_like_database)
    monkeypatch.setenv("IGNACIO_QUEUE", "procrastinate")

    assert main(["migrate"]) == 0

    queue_tables = _tables_in(supabase_like_database, QUEUE_SCHEMA)
    assert "procrastinate_jobs" in queue_tables
    outcomes = _refused_attempts(supabase_like_database, role, QUEUE_SCHEMA)
    assert len(outcomes) == len(queue_tables) * 5
    assert sorted(attempt for attempt, refusal in outcomes.items() if not refusal) == []
    assert not any(
        refusal == "" for refusal in _refused_attempts(supabase_like_database, role).values()
    )
