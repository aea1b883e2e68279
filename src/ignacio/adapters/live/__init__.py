"""What wakes the live streams when events are committed: within the process where one process
owns the database (SQLite, memory), PostgreSQL's LISTEN/NOTIFY where several share it
(`ignacio.adapters.live.postgres`, not imported here: it loads psycopg, which a process on
SQLite never needs)."""

from ignacio.adapters.live.inprocess import InProcessEventSignal

__all__ = ["InProcessEventSignal"]
