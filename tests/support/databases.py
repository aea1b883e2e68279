"""Migrated databases for tests: a SQLite file per test, one PostgreSQL database per session.

SQLite: the schema is migrated once into a template file, which each test copies (a copy takes a
millisecond, a migration much longer). PostgreSQL: a fresh database `ignacio_test_<random>` on the
server named by IGNACIO_TEST_POSTGRES_URL, migrated once, emptied before each test that asks for
it and dropped at the end. Without a server the PostgreSQL tests are skipped, except under CI
(the `CI` variable is set), where they fail: CI must never pass by skipping.
"""

from __future__ import annotations

import asyncio
import atexit
import os
import secrets
import shutil
import sqlite3
import tempfile
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

import psycopg
import pytest
from psycopg import sql
from psycopg.types.json import Jsonb
from sqlalchemy.engine import make_url

from ignacio.adapters.sql import DEFAULT_SCHEMA, metadata, normalise_url, upgrade_database
from ignacio.domain.workspaces import first_workspace

POSTGRES_URL_VARIABLE = "IGNACIO_TEST_POSTGRES_URL"
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
TABLES = tuple(table.name for table in metadata.sorted_tables)

_template_lock = threading.Lock()
_template: Path | None = None


def _sqlite_template() -> Path:
    global _template
    with _template_lock:
        if _template is None:
            directory = Path(tempfile.mkdtemp(prefix="ignacio-template-"))
            atexit.register(shutil.rmtree, directory, True)
            path = directory / "template.db"
            upgrade_database(f"sqlite:///{path}")
            # Everything in the main file, so that a plain file copy is the whole database.
            connection = sqlite3.connect(path)
            try:
                connection.execute("PRAGMA journal_mode=DELETE")
            finally:
                connection.close()
            _template = path
        return _template


def migrated_sqlite_file(directory: Path, name: str = "ignacio.db") -> str:
    """The URL of a new, migrated SQLite database in `directory`."""
    target = directory / name
    shutil.copyfile(_sqlite_template(), target)
    return f"sqlite+aiosqlite:///{target}"


async def migrated_sqlite(directory: Path, name: str = "ignacio.db") -> str:
    """`migrated_sqlite_file` for async code (the first call migrates, off the event loop)."""
    return await asyncio.to_thread(migrated_sqlite_file, directory, name)


def postgres_server_url() -> str:
    return os.environ.get(POSTGRES_URL_VARIABLE) or DEFAULT_POSTGRES_URL


def libpq_url(url: str) -> str:
    """The SQLAlchemy URL in the form psycopg itself accepts."""
    parsed = make_url(normalise_url(url)).set(drivername="postgresql")
    return parsed.render_as_string(hide_password=False)


def create_postgres_database(revision: str | None = "head") -> str:
    """A new database on the test server, migrated to `revision` (None: left empty); returns
    its SQLAlchemy URL."""
    server = postgres_server_url()
    name = f"ignacio_test_{secrets.token_hex(6)}"
    with psycopg.connect(libpq_url(server), autocommit=True, connect_timeout=5) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = make_url(normalise_url(server)).set(database=name).render_as_string(hide_password=False)
    try:
        if revision is not None:
            upgrade_database(url, revision)
    except BaseException:
        drop_postgres_database(url)
        raise
    return url


def drop_postgres_database(url: str) -> None:
    name = make_url(url).database
    assert name, url
    server = postgres_server_url()
    with psycopg.connect(libpq_url(server), autocommit=True, connect_timeout=5) as connection:
        statement = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
        connection.execute(statement.format(sql.Identifier(name)))


def empty_postgres_database(url: str) -> None:
    with psycopg.connect(libpq_url(url), autocommit=True) as connection:
        tables = sql.SQL(", ").join(sql.Identifier(DEFAULT_SCHEMA, table) for table in TABLES)
        # As a new database: sequences start again too (the live events' numbers are one).
        connection.execute(sql.SQL("TRUNCATE {} RESTART IDENTITY CASCADE").format(tables))
        # A new database holds the default workspace (migration 0011): so does an emptied one.
        default = first_workspace(uuid4(), datetime.now(UTC))
        connection.execute(
            sql.SQL(
                "INSERT INTO {} (id, slug, name, assistant, created_at, updated_at) "
                "VALUES (%s, %s, %s, %s, %s, %s)"
            ).format(sql.Identifier(DEFAULT_SCHEMA, "workspaces")),
            (
                default.id,
                default.slug,
                default.name,
                Jsonb({"instructions": default.assistant.instructions}),
                default.created_at,
                default.updated_at,
            ),
        )


def postgres_database_or_skip(revision: str | None = "head") -> str:
    """`create_postgres_database`, skipping the test (failing it under CI) without a server."""
    try:
        return create_postgres_database(revision)
    except psycopg.OperationalError as error:
        where = make_url(normalise_url(postgres_server_url())).render_as_string()
        reason = f"PostgreSQL is not reachable at {where} (set {POSTGRES_URL_VARIABLE}): {error}"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_database_url() -> Iterator[str]:
    """A migrated PostgreSQL database for the whole session (not emptied between tests)."""
    url = postgres_database_or_skip()
    yield url
    drop_postgres_database(url)


@pytest.fixture
def postgres_url(postgres_database_url: str) -> str:
    """The session's PostgreSQL database, emptied for this test."""
    empty_postgres_database(postgres_database_url)
    return postgres_database_url


@pytest.fixture
async def sqlite_url(tmp_path: Path) -> str:
    """A migrated SQLite database of this test's own."""
    return await migrated_sqlite(tmp_path)
