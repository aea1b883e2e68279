"""How fast is a workspace's dashboard over a million messages, on PostgreSQL and on SQLite?

Seeds one workspace with `--messages` messages (1,000,000) over the 90 days before 1 December
2026, and another workspace with `--other-messages` (100,000) in the same days, which the
dashboard must leave out: members writing on the web and on WhatsApp, the assistant answering
(three models, tokens and times of their own; WhatsApp answers naming the message they answer),
some conversations handed to the team (most taken after a wait, some given back, some still
waiting, people of the team writing by hand), and every WhatsApp message out with its delivery
(3% failed, for four reasons). The same rows, drawn from a fixed seed, go into a fresh
PostgreSQL database (COPY; on the server at IGNACIO_BENCH_POSTGRES_URL, dropped afterwards) and a
temporary SQLite file (executemany), both at migration 0019, before the dashboard's indexes.

Then, for the last 7, 30 and 90 days: `SqlWorkspaceStatistics.activity` (every figure of the
dashboard, as `GET /workspaces/{w}/dashboard` reads them), `--runs` times, next to a plain
`SELECT count(*)` of the workspace's messages in the same days through the same engine, in
turn, as the baseline. Once before migration 0020 and once after it (the time it takes on the
filled tables is printed too). On SQLite, the longest the event loop went without running
while the dashboard was read. The two databases' dashboards are compared: they must agree.
Numbers only, no pass/fail.

    .venv/bin/python bench/dashboard.py [--messages 1000000] [--runs 5] [--only sqlite]

`--messages` defaults to IGNACIO_BENCH_MESSAGES, as `make bench` sets it for a quick run.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import heapq
import os
import random
import secrets
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from ignacio.adapters.sql import (
    DEFAULT_SCHEMA,
    create_engine,
    normalise_url,
    search_path_option,
    upgrade_database,
)
from ignacio.adapters.sql.engine import BEGIN_MODE_OPTION
from ignacio.adapters.sql.statistics import SqlWorkspaceStatistics
from ignacio.application.ports.statistics import WorkspaceActivity
from ignacio.domain.statistics import Period

IGNACIO_SCHEMA = search_path_option(DEFAULT_SCHEMA)
SERVER_URL = os.environ.get(
    "IGNACIO_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
SEED = 20261207
END = datetime(2026, 12, 1, tzinfo=UTC)
DAYS = 90
BEFORE_INDEXES = "0019"
WORKSPACE = uuid.UUID("da5b0a4d-0000-4000-8000-000000000001")
OTHER = uuid.UUID("da5b0a4d-0000-4000-8000-000000000002")
MODELS = (("gpt-4o-mini", 0.72), ("gpt-4.1", 0.2), ("o4-mini", 0.03), (None, 0.05))
FAILURES = (
    ((131047, "Re-engagement message"), 0.5),
    ((131026, "Message undeliverable"), 0.3),
    ((130429, "Rate limit hit"), 0.15),
    ((None, "Timed out waiting for the provider"), 0.05),
)
QUESTIONS = (
    "Hola, ¿a qué hora abrís mañana?",
    "I'd like to book an appointment for next week, is Thursday possible?",
    "¿Cuánto cuesta la revisión anual?",
    "Can you send me the address again, please?",
    "Necesito cambiar mi cita del martes.",
)
ANSWER = (
    "We open from nine to two and from four to eight. If you want, I can book you in: tell "
    "me the day and the time that suit you best and I'll check what is free."
)

USER_COLUMNS = (
    "id",
    "phone_number_encrypted",
    "phone_lookup",
    "name",
    "is_admin",
    "is_active",
    "created_at",
    "updated_at",
)
CONVERSATION_COLUMNS = (
    "id",
    "workspace_id",
    "user_id",
    "title",
    "channel",
    "created_at",
    "updated_at",
)
MESSAGE_COLUMNS = (
    "id",
    "workspace_id",
    "conversation_id",
    "user_id",
    "author",
    "content",
    "message_type",
    "channel",
    "delivery_status",
    "created_at",
    "reply_to_id",
    "ai_model_used",
    "input_tokens",
    "output_tokens",
    "latency_ms",
    "sent_by",
)
CHANGE_COLUMNS = (
    "id",
    "workspace_id",
    "conversation_id",
    "transition",
    "from_state",
    "to_state",
    "actor",
    "actor_id",
    "assignee_id",
    "created_at",
)
DELIVERY_COLUMNS = (
    "id",
    "workspace_id",
    "message_id",
    "part",
    "content",
    "status",
    "attempts",
    "error_code",
    "error_title",
    "created_at",
    "updated_at",
)

Row = tuple[Any, ...]


def weighted(rng: random.Random, choices: tuple[tuple[Any, float], ...]) -> Any:
    return rng.choices([value for value, _ in choices], [weight for _, weight in choices])[0]


def lognormal_seconds(rng: random.Random, median: float, sigma: float) -> float:
    return median * rng.lognormvariate(0, sigma)


@dataclass
class Workspace:
    """One workspace's rows, drawn from a fixed seed: the same every time they are drawn."""

    id: uuid.UUID
    slug: str
    messages: int
    seed: int
    members: list[uuid.UUID] = field(default_factory=list)
    agents: list[uuid.UUID] = field(default_factory=list)
    plans: list[tuple[uuid.UUID, int, str, datetime, int]] = field(default_factory=list)
    """Conversations: id, member's index, channel, start, turns."""

    def __post_init__(self) -> None:
        rng = random.Random(self.seed)
        people = max(10, self.messages // 50)
        self.members = [uuid.UUID(int=rng.getrandbits(128), version=4) for _ in range(people)]
        self.agents = [uuid.UUID(int=rng.getrandbits(128), version=4) for _ in range(5)]
        planned = 0
        start = END - timedelta(days=DAYS)
        while planned < self.messages:
            turns = rng.randint(2, 18)
            channel = "whatsapp" if rng.random() < 0.6 else "web"
            began = start + timedelta(seconds=rng.uniform(0, DAYS * 86_400 - 3_600))
            self.plans.append(
                (
                    uuid.UUID(int=rng.getrandbits(128), version=4),
                    rng.randrange(len(self.members)),
                    channel,
                    began,
                    turns,
                )
            )
            planned += 2 * turns

    def users(self) -> Iterator[Row]:
        for person in (*self.members, *self.agents):
            yield (person, b"sealed", person.hex, None, False, True, END, END)

    def conversations(self) -> Iterator[Row]:
        for conversation_id, member, channel, began, turns in self.plans:
            yield (
                conversation_id,
                self.id,
                self.members[member],
                QUESTIONS[turns % len(QUESTIONS)][:60],
                channel,
                began,
                began + timedelta(minutes=3 * turns),
            )

    def activity(self) -> Iterator[tuple[str, Row]]:
        """("message" | "change" | "delivery", row) in the order they happened, as a live
        database stores them (its tables then lie in time order, as they do in production)."""
        merged = heapq.merge(
            *(self._conversation(index) for index in range(len(self.plans))),
            key=lambda event: event[0],
        )
        for _, kind, row in merged:
            yield kind, row

    def _conversation(self, index: int) -> Iterator[tuple[datetime, str, Row]]:
        conversation_id, member, channel, began, turns = self.plans[index]
        rng = random.Random(self.seed * 1_000_003 + index)
        member_id = self.members[member]
        whatsapp = channel == "whatsapp"
        at = began
        handoff_turn = rng.randrange(turns) if rng.random() < 0.06 else None
        for turn in range(turns):
            if at >= END:
                return
            question_id = uuid.UUID(int=rng.getrandbits(128), version=4)
            yield (
                at,
                "message",
                (
                    question_id,
                    self.id,
                    conversation_id,
                    member_id,
                    "member",
                    QUESTIONS[rng.randrange(len(QUESTIONS))],
                    "text",
                    channel,
                    "received",
                    at,
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                ),
            )
            model = weighted(rng, MODELS)
            latency = lognormal_seconds(rng, 1.8, 0.5)
            # On WhatsApp the member also waits for the queue, and now and then a retry.
            queued = lognormal_seconds(rng, 0.6, 0.7) + (
                rng.uniform(20, 60) if rng.random() < 0.02 else 0
            )
            answered = at + timedelta(seconds=latency + (queued if whatsapp else 0))
            if answered >= END:
                return
            answer_id = uuid.UUID(int=rng.getrandbits(128), version=4)
            yield (
                answered,
                "message",
                (
                    answer_id,
                    self.id,
                    conversation_id,
                    member_id,
                    "assistant",
                    ANSWER,
                    "text",
                    channel,
                    "read" if whatsapp else "delivered",
                    answered,
                    question_id if whatsapp else None,
                    model,
                    rng.randint(600, 4_000) if model else None,
                    rng.randint(30, 500) if model else None,
                    round(latency * 1000) if model else None,
                    None,
                ),
            )
            if whatsapp:
                yield answered, "delivery", self._delivery(rng, answer_id, answered)
            at = answered + timedelta(seconds=lognormal_seconds(rng, 90, 1.0))
            if turn == handoff_turn:
                yield from self._handoff(rng, conversation_id, member_id, channel, at)
                return

    def _delivery(self, rng: random.Random, message_id: uuid.UUID, at: datetime) -> Row:
        roll = rng.random()
        status = (
            "read"
            if roll < 0.85
            else "delivered"
            if roll < 0.95
            else "sent"
            if roll < 0.97
            else "failed"
        )
        code, title = weighted(rng, FAILURES) if status == "failed" else (None, None)
        return (
            uuid.UUID(int=rng.getrandbits(128), version=4),
            self.id,
            message_id,
            0,
            ANSWER,
            status,
            1,
            code,
            title,
            at,
            at + timedelta(seconds=rng.uniform(1, 30)),
        )

    def _handoff(
        self,
        rng: random.Random,
        conversation_id: uuid.UUID,
        member_id: uuid.UUID,
        channel: str,
        at: datetime,
    ) -> Iterator[tuple[datetime, str, Row]]:
        def change(
            transition: str, from_: str, to: str, when: datetime, by: uuid.UUID | None
        ) -> Row:
            actor = "assistant" if transition == "handoff" else "team"
            assignee = by if transition == "take" else None
            return (
                uuid.UUID(int=rng.getrandbits(128), version=4),
                self.id,
                conversation_id,
                transition,
                from_,
                to,
                actor,
                by,
                assignee,
                when,
            )

        if at >= END:
            return
        yield at, "change", change("handoff", "assistant", "waiting", at, None)
        outcome = rng.random()
        waited = at + timedelta(seconds=lognormal_seconds(rng, 480, 1.2))
        agent = self.agents[rng.randrange(len(self.agents))]
        if outcome < 0.1 or waited >= END:  # nobody has taken it yet
            return
        if outcome < 0.2:
            yield waited, "change", change("close", "waiting", "closed", waited, agent)
            return
        yield waited, "change", change("take", "waiting", "human", waited, agent)
        when = waited
        for _ in range(rng.randint(1, 3)):
            when += timedelta(seconds=lognormal_seconds(rng, 60, 0.8))
            if when >= END:
                return
            staff_id = uuid.UUID(int=rng.getrandbits(128), version=4)
            yield (
                when,
                "message",
                (
                    staff_id,
                    self.id,
                    conversation_id,
                    member_id,
                    "staff",
                    "Hi, this is Marta from the front desk: I'll sort it out for you.",
                    "text",
                    channel,
                    "read" if channel == "whatsapp" else "delivered",
                    when,
                    None,
                    None,
                    None,
                    None,
                    None,
                    agent,
                ),
            )
            if channel == "whatsapp":
                yield when, "delivery", self._delivery(rng, staff_id, when)
        back = when + timedelta(minutes=5)
        if back < END:
            yield back, "change", change("hand_back", "human", "assistant", back, agent)


def workspaces(messages: int, other: int) -> list[Workspace]:
    return [
        Workspace(WORKSPACE, "dashboard", messages, SEED),
        Workspace(OTHER, "elsewhere", other, SEED + 1),
    ]


# --- loading ---------------------------------------------------------------------------


def messages_of(space: Workspace, later: dict[str, list[Row]]) -> Iterator[Row]:
    """The workspace's messages, in order; its changes and deliveries kept in `later`, to be
    loaded after the messages they refer to."""
    for kind, row in space.activity():
        if kind == "message":
            yield row
        else:
            later[kind].append(row)


def libpq(url: str) -> str:
    return (
        make_url(normalise_url(url))
        .set(drivername="postgresql")
        .render_as_string(hide_password=False)
    )


def seed_postgres(url: str, spaces: list[Workspace]) -> float:
    started = time.perf_counter()
    with psycopg.connect(libpq(url), options=IGNACIO_SCHEMA) as connection:
        cursor = connection.cursor()
        for space in spaces:
            cursor.execute(
                "INSERT INTO workspaces (id, slug, name, assistant, created_at, updated_at) "
                "VALUES (%s, %s, %s, '{}'::jsonb, %s, %s)",
                (space.id, space.slug, space.slug.title(), END, END),
            )

        def copy(table: str, columns: tuple[str, ...], rows: Iterator[Row]) -> None:
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as writer:
                for row in rows:
                    writer.write_row(row)

        for space in spaces:
            copy("users", USER_COLUMNS, space.users())
            copy("conversations", CONVERSATION_COLUMNS, space.conversations())
            later: dict[str, list[Row]] = {"change": [], "delivery": []}
            copy("messages", MESSAGE_COLUMNS, messages_of(space, later))
            copy("conversation_state_changes", CHANGE_COLUMNS, iter(later["change"]))
            copy("message_deliveries", DELIVERY_COLUMNS, iter(later["delivery"]))
        connection.commit()
        connection.autocommit = True
        # The steady state autovacuum reaches: statistics gathered, visibility map set.
        connection.execute("VACUUM ANALYZE")
    return time.perf_counter() - started


def _sqlite_value(value: Any) -> Any:
    """As SQLAlchemy stores it on SQLite: UUIDs as 32 hex digits, times as naive UTC text."""
    if isinstance(value, uuid.UUID):
        return value.hex
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


def seed_sqlite(path: Path, spaces: list[Workspace]) -> float:
    started = time.perf_counter()
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA journal_mode=WAL")

        def insert(table: str, columns: tuple[str, ...], rows: Iterator[Row]) -> None:
            statement = (
                f"INSERT INTO {table} ({', '.join(columns)}) "
                f"VALUES ({', '.join('?' * len(columns))})"
            )
            batch: list[Row] = []
            for row in rows:
                batch.append(tuple(_sqlite_value(value) for value in row))
                if len(batch) == 10_000:
                    connection.executemany(statement, batch)
                    batch.clear()
            connection.executemany(statement, batch)

        with connection:
            for space in spaces:
                connection.execute(
                    "INSERT INTO workspaces (id, slug, name, assistant, created_at, updated_at) "
                    "VALUES (?, ?, ?, '{}', ?, ?)",
                    (
                        space.id.hex,
                        space.slug,
                        space.slug.title(),
                        _sqlite_value(END),
                        _sqlite_value(END),
                    ),
                )
                insert("users", USER_COLUMNS, space.users())
                insert("conversations", CONVERSATION_COLUMNS, space.conversations())
                later: dict[str, list[Row]] = {"change": [], "delivery": []}
                insert("messages", MESSAGE_COLUMNS, messages_of(space, later))
                insert("conversation_state_changes", CHANGE_COLUMNS, iter(later["change"]))
                insert("message_deliveries", DELIVERY_COLUMNS, iter(later["delivery"]))
        connection.execute("ANALYZE")
    finally:
        connection.close()
    return time.perf_counter() - started


# --- measuring -------------------------------------------------------------------------


@dataclass
class Measured:
    database: str
    schema: str
    days: int
    messages: int
    dashboard_ms: list[float]
    count_ms: list[float]
    stall_ms: float | None


async def count_messages(engine: AsyncEngine, period: Period) -> int:
    """The baseline: the workspace's messages in the period, counted, through the same engine."""
    async with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            await connection.execution_options(**{BEGIN_MODE_OPTION: "deferred"})
        found = await connection.execute(
            text(
                "SELECT count(*) FROM messages WHERE workspace_id = :w "
                "AND created_at >= :since AND created_at < :until"
            ),
            {
                "w": WORKSPACE.hex if engine.dialect.name == "sqlite" else WORKSPACE,
                "since": _sqlite_value(period.starts)
                if engine.dialect.name == "sqlite"
                else period.starts,
                "until": _sqlite_value(period.ends)
                if engine.dialect.name == "sqlite"
                else period.ends,
            },
        )
        return int(found.scalar_one())


async def longest_stall(work: Callable[[], Any]) -> tuple[Any, float]:
    """Run `work`; how long, at most, the event loop went without running meanwhile (ms)."""
    stalls = [0.0]
    done = asyncio.Event()

    async def tick() -> None:
        while not done.is_set():
            began = time.perf_counter()
            await asyncio.sleep(0.001)
            stalls.append((time.perf_counter() - began) * 1000 - 1)

    ticker = asyncio.create_task(tick())
    try:
        result = await work()
    finally:
        done.set()
        await ticker
    return result, max(stalls)


async def measure(
    database: str, url: str, schema: str, lengths: list[int], runs: int
) -> tuple[list[Measured], dict[int, WorkspaceActivity]]:
    engine = create_engine(url)
    dashboards: dict[int, WorkspaceActivity] = {}
    rows: list[Measured] = []
    try:
        reading = SqlWorkspaceStatistics(engine)
        for days in lengths:
            period = Period(since=END.date() - timedelta(days=days), until=END.date())
            counted = await count_messages(engine, period)
            dashboards[days] = await reading.activity(WORKSPACE, period)  # warm-up
            dashboard_ms: list[float] = []
            count_ms: list[float] = []
            stall = 0.0
            for _ in range(runs):
                began = time.perf_counter()
                _, stalled = await longest_stall(
                    functools.partial(reading.activity, WORKSPACE, period)
                )
                dashboard_ms.append((time.perf_counter() - began) * 1000)
                stall = max(stall, stalled)
                began = time.perf_counter()
                await count_messages(engine, period)
                count_ms.append((time.perf_counter() - began) * 1000)
            rows.append(
                Measured(
                    database,
                    schema,
                    days,
                    counted,
                    dashboard_ms,
                    count_ms,
                    stall if engine.dialect.name == "sqlite" else None,
                )
            )
            print(
                f"  {database}, {schema}, {days} days ({counted:,} messages): dashboard p50 "
                f"{statistics.median(dashboard_ms):.0f} ms, count(*) p50 "
                f"{statistics.median(count_ms):.1f} ms",
                flush=True,
            )
    finally:
        await engine.dispose()
    return rows, dashboards


def compare(left: WorkspaceActivity, right: WorkspaceActivity) -> list[str]:
    """Where two dashboards of the same data differ (percentiles to a microsecond)."""
    differences = [
        name
        for name in ("channels", "models", "failures")
        if getattr(left, name) != getattr(right, name)
    ]
    for name, a, b in (
        ("handoffs", left.handoffs.waits, right.handoffs.waits),
        ("model time", left.answers.model, right.answers.model),
        ("member's wait", left.answers.member_wait, right.answers.member_wait),
    ):
        for x, y in zip([*a.per_day, a.overall], [*b.per_day, b.overall], strict=True):
            if x.count != y.count or any(
                (p is None) != (q is None)
                or (p is not None and q is not None and abs(p - q) > 1e-6)
                for p, q in ((x.p50, y.p50), (x.p95, y.p95))
            ):
                differences.append(name)
                break
    return differences


def report(rows: list[Measured], runs: int) -> str:
    lines = [
        "| database | indexes | days | messages in the period | dashboard p50 ms | min | max "
        "| count(*) p50 ms | dashboard / count(*) | longest event-loop stall ms |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        p50 = statistics.median(row.dashboard_ms)
        baseline = statistics.median(row.count_ms)
        stall = "" if row.stall_ms is None else f"{row.stall_ms:.1f}"
        lines.append(
            f"| {row.database} | {row.schema} | {row.days} | {row.messages:,} | {p50:.0f} "
            f"| {min(row.dashboard_ms):.0f} | {max(row.dashboard_ms):.0f} | {baseline:.1f} "
            f"| {p50 / baseline:.1f} | {stall} |"
        )
    return "\n".join(lines) + f"\n\n(p50 of {runs} runs each, the dashboard and count(*) in turn)\n"


async def run(arguments: argparse.Namespace) -> str:
    spaces = workspaces(arguments.messages, arguments.other_messages)
    lengths = [7, 30, 90]
    rows: list[Measured] = []
    results: dict[str, dict[int, WorkspaceActivity]] = {}
    notes: list[str] = []
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    notes.append(f"load average at the start: {load}")

    if arguments.only in (None, "postgres"):
        name = f"ignacio_bench_dashboard_{secrets.token_hex(4)}"
        with psycopg.connect(libpq(SERVER_URL), autocommit=True) as connection:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        url = (
            make_url(normalise_url(SERVER_URL))
            .set(database=name)
            .render_as_string(hide_password=False)
        )
        try:
            await asyncio.to_thread(upgrade_database, url, BEFORE_INDEXES)
            seconds = await asyncio.to_thread(seed_postgres, url, spaces)
            notes.append(f"PostgreSQL: seeded in {seconds:.0f} s (COPY, then VACUUM ANALYZE)")
            print(notes[-1], flush=True)
            found, _ = await measure("PostgreSQL", url, "before 0020", lengths, arguments.runs)
            rows += found
            began = time.perf_counter()
            await asyncio.to_thread(upgrade_database, url)
            notes.append(
                f"PostgreSQL: migration 0020 on the filled tables: {time.perf_counter() - began:.1f} s"
            )
            print(notes[-1], flush=True)
            with psycopg.connect(libpq(url), autocommit=True, options=IGNACIO_SCHEMA) as connection:
                connection.execute("VACUUM ANALYZE")
            found, results["PostgreSQL"] = await measure(
                "PostgreSQL", url, "after 0020", lengths, arguments.runs
            )
            rows += found
        finally:
            with psycopg.connect(libpq(SERVER_URL), autocommit=True) as connection:
                connection.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )

    if arguments.only in (None, "sqlite"):
        with tempfile.TemporaryDirectory(prefix="ignacio-bench-dashboard-") as directory:
            path = Path(directory) / "ignacio.db"
            url = f"sqlite+aiosqlite:///{path}"
            await asyncio.to_thread(upgrade_database, url, BEFORE_INDEXES)
            seconds = await asyncio.to_thread(seed_sqlite, path, spaces)
            size = path.stat().st_size / 1024 / 1024
            notes.append(
                f"SQLite: seeded in {seconds:.0f} s (executemany, then ANALYZE), {size:.0f} MB"
            )
            print(notes[-1], flush=True)
            found, _ = await measure("SQLite", url, "before 0020", lengths, arguments.runs)
            rows += found
            began = time.perf_counter()
            await asyncio.to_thread(upgrade_database, url)
            notes.append(
                f"SQLite: migration 0020 on the filled tables: {time.perf_counter() - began:.1f} s"
            )
            print(notes[-1], flush=True)
            found, results["SQLite"] = await measure(
                "SQLite", url, "after 0020", lengths, arguments.runs
            )
            rows += found

    if len(results) == 2:
        for days in lengths:
            differences = compare(results["PostgreSQL"][days], results["SQLite"][days])
            notes.append(
                f"{days} days: PostgreSQL and SQLite "
                + (
                    "agree on every figure"
                    if not differences
                    else f"DIFFER on {', '.join(differences)}"
                )
            )
    last = results.get("PostgreSQL", results.get("SQLite", {})).get(90)
    if last is not None:
        handoffs = last.handoffs
        notes.append(
            f"90 days: {sum(handoffs.per_day):,} handoffs ({handoffs.taken:,} taken, "
            f"{handoffs.still_waiting:,} still waiting, {handoffs.dismissed:,} closed untaken), "
            f"{last.answers.model.overall.count:,} answers with a model time, "
            f"{last.answers.member_wait.overall.count:,} WhatsApp answers, "
            f"{sum(last.failures.per_day):,} failed deliveries, {len(last.models)} models"
        )
    table = report(rows, arguments.runs)
    text_ = "\n".join(f"- {note}" for note in notes) + "\n\n" + table
    print("\n" + text_)
    return text_


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--messages", type=int, default=int(os.environ.get("IGNACIO_BENCH_MESSAGES", "1000000"))
    )
    parser.add_argument("--other-messages", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", choices=("postgres", "sqlite"))
    parser.add_argument("--output", help="also write the report (Markdown) to this file")
    arguments = parser.parse_args()
    report_text = asyncio.run(run(arguments))
    if arguments.output:
        Path(arguments.output).write_text(
            "## Dashboard over a million messages (PostgreSQL, SQLite)\n\n"
            f"- Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; `bench/dashboard.py "
            f"--messages {arguments.messages} --runs {arguments.runs}`\n" + report_text
        )


if __name__ == "__main__":
    main()
