"""`ignacio serve` with every SQL statement counted, for bench/cpu_per_answer.py.

Counts each statement the process sends (psycopg cursors on PostgreSQL, which also carry
procrastinate's; SQLAlchemy's cursor events on SQLite), by its text's first 160 characters.
SIGUSR2 starts the count afresh (after the warm-up); SIGUSR1 writes it, as JSON, to the file in
`IGNACIO_BENCH_STATEMENTS`; with IGNACIO_BENCH_WHERE=1 each statement is counted apart by the
lines of Ignacio's it comes from (slower: for the list, not for timing).

    IGNACIO_BENCH_STATEMENTS=/tmp/s.json python bench/counted_serve.py serve
"""

from __future__ import annotations

import json
import os
import re
import signal
import sys
import traceback
from collections import Counter
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import event
from sqlalchemy.engine import Engine

counts: Counter[str] = Counter()
SPACES = re.compile(r"\s+")


def note(statement: object) -> None:
    text = statement.as_string(None) if hasattr(statement, "as_string") else str(statement)
    text = SPACES.sub(" ", text).strip()[:160]
    if not text:
        # Say who sends an empty statement (what for is not in its text).
        callers = [
            f"{frame.name}({Path(frame.filename).name}:{frame.lineno})"
            for frame in traceback.extract_stack()[-14:-2]
        ]
        text = f"<empty {type(statement).__name__}> " + " < ".join(reversed(callers))
    if WHERE:
        text += " @ " + _where()
    counts[text] += 1


WHERE = os.environ.get("IGNACIO_BENCH_WHERE") == "1"


def _where() -> str:
    """The use case and repository lines a statement comes from (IGNACIO_BENCH_WHERE=1)."""
    frames = [
        f"{Path(frame.filename).stem}:{frame.lineno}"
        for frame in traceback.extract_stack()[:-3]
        if "/ignacio/" in frame.filename
        and ("/application/" in frame.filename or "/adapters/" in frame.filename)
    ]
    return " < ".join(reversed(frames[-4:]))


def _counting(method: Any) -> Any:
    async def counted(self: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            note(query)
        except Exception:  # counting must never break a statement
            counts["<unprintable>"] += 1
        return await method(self, query, *args, **kwargs)

    return counted


psycopg.AsyncCursor.execute = _counting(psycopg.AsyncCursor.execute)  # type: ignore[method-assign]
psycopg.AsyncCursor.executemany = _counting(psycopg.AsyncCursor.executemany)  # type: ignore[method-assign]


@event.listens_for(Engine, "before_cursor_execute")
def _sqlite(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, *_: Any) -> None:
    if conn.dialect.name == "sqlite":
        note(statement)
    if WHERE and context is not None and context.cache_hit.name != "CACHE_HIT":
        # SQLAlchemy compiled it afresh: a statement it cannot cache (no key) is compiled anew on
        # every execution.
        kind = context._get_cache_stats().split(" ")[0].strip("[")
        counts[f"<compiled: {kind}> {SPACES.sub(' ', statement)[:100]}"] += 1


def _reset(*_: Any) -> None:
    counts.clear()


def _dump(*_: Any) -> None:
    path = os.environ["IGNACIO_BENCH_STATEMENTS"]
    with open(path, "w") as output:
        json.dump(dict(counts), output)


if __name__ == "__main__":
    # Guarded: the text extractor's fork server imports this module again (as __mp_main__),
    # where serving a second time would fail on the port taken and break the extractor.
    signal.signal(signal.SIGUSR2, _reset)
    signal.signal(signal.SIGUSR1, _dump)

    from ignacio.entrypoints.cli import main

    sys.exit(main(sys.argv[1:]))
