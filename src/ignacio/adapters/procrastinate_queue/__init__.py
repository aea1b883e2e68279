"""A PostgreSQL-backed job queue on procrastinate, so that several processes share the work."""

from ignacio.adapters.procrastinate_queue.queue import (
    QUEUE,
    TASK_NAME,
    Handler,
    ProcrastinateJobQueue,
)
from ignacio.adapters.procrastinate_queue.schema import (
    MIGRATIONS_TABLE,
    SCHEMA,
    NotPostgres,
    applied_migrations,
    apply_schema,
    conninfo_from_url,
    shipped_migrations,
)

__all__ = [
    "MIGRATIONS_TABLE",
    "QUEUE",
    "SCHEMA",
    "TASK_NAME",
    "Handler",
    "NotPostgres",
    "ProcrastinateJobQueue",
    "applied_migrations",
    "apply_schema",
    "conninfo_from_url",
    "shipped_migrations",
]
