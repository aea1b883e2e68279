"""What wakes the live streams when events are committed: within the process where one process
owns the database (SQLite, memory), PostgreSQL's LISTEN/NOTIFY where several share it."""

from ignacio.adapters.live.inprocess import InProcessEventSignal
from ignacio.adapters.live.postgres import PostgresEventSignal

__all__ = ["InProcessEventSignal", "PostgresEventSignal"]
