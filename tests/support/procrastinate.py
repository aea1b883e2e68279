"""The procrastinate job queue's schema in the test database, emptied before each test."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import sql

from ignacio.adapters.procrastinate_queue import SCHEMA, apply_schema, conninfo_from_url

JOB_TABLES = (
    "procrastinate_events",
    "procrastinate_periodic_defers",
    "procrastinate_jobs",
    "procrastinate_workers",
)


def empty_job_queue(url: str) -> None:
    with psycopg.connect(conninfo_from_url(url), autocommit=True) as connection:
        tables = sql.SQL(", ").join(sql.Identifier(SCHEMA, table) for table in JOB_TABLES)
        connection.execute(sql.SQL("TRUNCATE {} RESTART IDENTITY CASCADE").format(tables))


@pytest.fixture
def procrastinate_url(postgres_url: str) -> str:
    """The session's PostgreSQL database with procrastinate's schema, all emptied for this test."""
    apply_schema(conninfo_from_url(postgres_url))
    empty_job_queue(postgres_url)
    return postgres_url
