"""How fast is the records list (`GET /records`) over 100,000 records, on PostgreSQL and SQLite?

Seeds one workspace with `--records` records (100,000) of 1,000 members, of both built-in types
and every status, over 90 days, and another workspace with a tenth as many, which the list must
leave out; then reads the first page (50) through `SqlRecordRepository.list`, as the API does,
`--runs` times for each filter a page of the inbox uses (none, a status, a type and a status, one
member's, and a page deep in the list by its cursor), and prints p50 and p99 in milliseconds next
to a plain `SELECT count(*)` of the workspace's records as the baseline. Numbers only, no
pass/fail.

    .venv/bin/python bench/records_list.py [--records 100000] [--runs 200] [--only sqlite]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from sqlalchemy import func, insert, select
from sqlalchemy.engine import make_url

from ignacio.adapters.sql import (
    SqlUnitOfWorkFactory,
    create_engine,
    normalise_url,
    upgrade_database,
)
from ignacio.adapters.sql.records import _FIELDS
from ignacio.adapters.sql.tables import records, users, workspaces
from ignacio.application.ports import RecordFilter
from ignacio.domain.pagination import PageRequest
from ignacio.domain.records import PROPOSAL, REPORT, Record, RecordSource, RecordStatus

SERVER_URL = os.environ.get(
    "IGNACIO_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
SEED = 20261206
END = datetime(2026, 12, 1, tzinfo=UTC)
HOME = uuid.UUID("5ec0bd00-0000-4000-8000-000000000001")
OTHER = uuid.UUID("5ec0bd00-0000-4000-8000-000000000002")
MEMBERS = 1_000


class _NoCipher:
    """The members seeded have no phone number: nothing is ever encrypted."""

    def encrypt(self, phone: Any) -> bytes:
        raise AssertionError

    def decrypt(self, ciphertext: bytes) -> Any:
        raise AssertionError

    def lookup_key(self, phone: Any) -> str:
        raise AssertionError


def libpq(url: str) -> str:
    return make_url(normalise_url(url)).set(drivername="postgresql").render_as_string(False)


def rows(count: int, workspace: uuid.UUID, members: list[uuid.UUID]) -> list[dict[str, Any]]:
    rng = random.Random(SEED + count)
    statuses = list(RecordStatus)
    report = {
        "title": "The printer is broken",
        "body": "On floor 2, since Monday.",
        "category": "problem",
    }
    proposal = {
        "summary": "Login page and user dashboard",
        "items": [
            {
                "type": "feature",
                "title": "Login page",
                "estimatedHours": 3,
                "dueDate": "2026-12-04",
            },
            {"type": "feature", "title": "User dashboard", "estimatedHours": 5},
        ],
        "totalEstimatedHours": 8,
        "confidence": 0.7,
    }
    made = []
    for _ in range(count):
        kind, values = (REPORT, report) if rng.random() < 0.6 else (PROPOSAL, proposal)
        at = END - timedelta(seconds=rng.randrange(90 * 86_400))
        record = Record.drafted(
            id=uuid.UUID(int=rng.getrandbits(128), version=4),
            workspace_id=workspace,
            user_id=rng.choice(members),
            kind=kind,
            values=values,
            source=RecordSource.ASSISTANT,
            at=at,
        )
        made.append(
            _FIELDS.insert_values(
                Record(
                    **{
                        **{f: getattr(record, f) for f in Record.__struct_fields__},
                        "status": rng.choice(statuses),
                    }
                )
            )
        )
    return made


async def seed(url: str, count: int) -> tuple[list[uuid.UUID], float]:
    engine = create_engine(url)
    started = time.perf_counter()
    members = [uuid.UUID(int=SEED * 10_000 + n, version=4) for n in range(MEMBERS)]
    async with engine.begin() as connection:
        for workspace, slug in ((HOME, "bench-home"), (OTHER, "bench-other")):
            await connection.execute(
                insert(workspaces).values(
                    id=workspace, slug=slug, name=slug, assistant={}, created_at=END, updated_at=END
                )
            )
        await connection.execute(
            insert(users),
            [
                {
                    "id": m,
                    "name": f"Member {n}",
                    "is_admin": False,
                    "is_active": True,
                    "created_at": END,
                    "updated_at": END,
                }
                for n, m in enumerate(members)
            ],
        )
        for workspace, many in ((HOME, count), (OTHER, count // 10)):
            made = rows(many, workspace, members)
            for start in range(0, len(made), 5_000):
                await connection.execute(insert(records), made[start : start + 5_000])
    await engine.dispose()
    return members, time.perf_counter() - started


async def timed(runs: int, read: Callable[[], Awaitable[object]]) -> tuple[float, float]:
    await read()  # warm
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        await read()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.99))]


async def measure(name: str, url: str, count: int, runs: int) -> None:
    members, seconds = await seed(url, count)
    print(
        f"\n### {name}: {count:,} records (and {count // 10:,} in another workspace), seeded in {seconds:.1f} s"
    )
    engine = create_engine(url)
    factory = SqlUnitOfWorkFactory(engine, _NoCipher())
    first = PageRequest(limit=50)
    async with factory(read_only=True) as uow:
        page = await uow.records.list(HOME, RecordFilter(), first)
        for _ in range(20):  # twenty pages in, by cursor
            page = await uow.records.list(
                HOME, RecordFilter(), PageRequest(limit=50, after=page.next)
            )
    deep = PageRequest(limit=50, after=page.next)
    cases: list[tuple[str, RecordFilter, PageRequest]] = [
        ("all, first page", RecordFilter(), first),
        ("open", RecordFilter(status=RecordStatus.OPEN), first),
        (
            "proposals in review",
            RecordFilter(type_name="proposal", status=RecordStatus.IN_REVIEW),
            first,
        ),
        ("one member's", RecordFilter(user_id=members[7]), first),
        ("all, page 21", RecordFilter(), deep),
    ]
    print("\n| read | p50 ms | p99 ms |\n|---|---|---|")
    for label, where, request in cases:

        async def read(where: RecordFilter = where, request: PageRequest = request) -> object:
            async with factory(read_only=True) as uow:
                return await uow.records.list(HOME, where, request)

        p50, p99 = await timed(runs, read)
        print(f"| {label} | {p50:.2f} | {p99:.2f} |")

    async def count_all() -> object:
        async with engine.connect() as connection:
            statement = (
                select(func.count()).select_from(records).where(records.c.workspace_id == HOME)
            )
            return (await connection.execute(statement)).scalar()

    p50, p99 = await timed(runs, count_all)
    print(f"| baseline: SELECT count(*) of the workspace's records | {p50:.2f} | {p99:.2f} |")
    await engine.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--records", type=int, default=int(os.environ.get("IGNACIO_BENCH_RECORDS", 100_000))
    )
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--only", choices=["postgres", "sqlite"])
    arguments = parser.parse_args()
    print("## Records list (GET /records)")
    if arguments.only in (None, "postgres"):
        name = f"ignacio_bench_records_{secrets.token_hex(4)}"
        with psycopg.connect(libpq(SERVER_URL), autocommit=True) as connection:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        url = make_url(normalise_url(SERVER_URL)).set(database=name).render_as_string(False)
        try:
            await asyncio.to_thread(upgrade_database, url)
            await measure("PostgreSQL", url, arguments.records, arguments.runs)
        finally:
            with psycopg.connect(libpq(SERVER_URL), autocommit=True) as connection:
                connection.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )
    if arguments.only in (None, "sqlite"):
        with tempfile.TemporaryDirectory(prefix="ignacio-bench-records-") as directory:
            url = f"sqlite+aiosqlite:///{Path(directory) / 'ignacio.db'}"
            await asyncio.to_thread(upgrade_database, url)
            await measure("SQLite", url, arguments.records, arguments.runs)


if __name__ == "__main__":
    asyncio.run(main())
