"""How many signed WhatsApp webhook deliveries does one `ignacio serve` acknowledge, how fast,
and how long from a webhook to the answer reaching WhatsApp?

Runs, on this machine, in one go (so the ratios compare like with like):
1. a bare Litestar + msgspec endpoint decoding the same bodies (the ceiling), and `GET /health`
   of the Ignacio process (its framework-and-database floor);
2. Ignacio's `POST /webhooks/whatsapp` with real signed Cloud API bodies, every one a new message
   (acknowledged once kept in the webhook inbox, then stored, de-duplicated, queued and answered
   through a local fake of the Graph API by the same process), at fixed rates and at saturation,
   on PostgreSQL and on SQLite, and how long the backlog a saturation run leaves takes to clear;
3. turn latency: webhook sent -> answer received by the fake Graph API, offline assistant;
4. the serving process's resident memory after the load.

Load comes from wrk (Debian's `wrk`), on loopback only. Prints a table and writes
bench/RESULTS.md.

    .venv/bin/python bench/webhook_ingest.py [--duration 10] [--rates 100,500,1000]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import platform
import re
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from settle import wait_until_idle  # noqa: E402
from tests.support.fake_graph import (  # noqa: E402
    DEFAULT_PHONE_NUMBER_ID,
    DEFAULT_TOKEN,
    FakeGraph,
    inbound_text,
)

from ignacio.adapters.sql import DEFAULT_SCHEMA, search_path_option, upgrade_database  # noqa: E402
from ignacio.adapters.whatsapp_cloud import sign  # noqa: E402

# Ignacio's tables are in their own schema; raw connections find them through this.
IGNACIO_SCHEMA = search_path_option(DEFAULT_SCHEMA)

ADMIN_URL = os.environ.get(
    "IGNACIO_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
APP_SECRET = "bench-app-secret"
JWT_SECRET = "bench-secret-key-that-is-long-enough-for-hs256"
PHONE_KEY = base64.b64encode(bytes(32)).decode()
CONNECTIONS = 32
THREADS = 2


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_healthy(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


def postgres_database(name: str, *, migrate: bool = True) -> str:
    """A new database `name` (dropped first if it exists), at this checkout's schema head unless
    `migrate` is false (another checkout's server migrates it to its own)."""
    with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    base = ADMIN_URL.rsplit("/", 1)[0].split("://", 1)[1]
    url = f"postgresql+psycopg://{base}/{name}"
    if migrate:
        upgrade_database(url)
    return url


def drop_postgres_database(name: str) -> None:
    with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def server_variables(database_url: str, graph_url: str, data_dir: Path) -> dict[str, str]:
    """The configuration every benchmarked server gets (the deployment's number is the fake
    Graph API's default one)."""
    return {
        "IGNACIO_DATABASE_URL": database_url,
        "IGNACIO_DATA_DIR": str(data_dir),
        "IGNACIO_LOG_LEVEL": "WARNING",
        "IGNACIO_API_RATE_LIMIT": "0",  # the load comes from one address
        "IGNACIO_CHANNEL": "whatsapp_cloud",
        "WHATSAPP_API_BASE_URL": graph_url,
        "WHATSAPP_ACCESS_TOKEN": DEFAULT_TOKEN,
        "WHATSAPP_PHONE_NUMBER_ID": DEFAULT_PHONE_NUMBER_ID,
        "WHATSAPP_APP_SECRET": APP_SECRET,
        "JWT_SECRET_KEY": JWT_SECRET,
        "IGNACIO_PHONE_KEY": PHONE_KEY,
        # Each message answered as it comes: these benchmarks time Ignacio's own work per
        # message, which a burst's quiet period would hide (bench/bursts.py measures that).
        "IGNACIO_BURST_QUIET_SECONDS": "0",
    }


@contextmanager
def ignacio(
    database_url: str,
    graph_url: str,
    data_dir: Path,
    extra: dict[str, str] | None = None,
    *,
    python: str = sys.executable,
) -> Iterator[tuple[str, int]]:
    """One `ignacio serve` on `database_url`, once started and idle; `python` is the interpreter
    (another checkout's `.venv/bin/python` serves that checkout's code)."""
    port = free_port()
    environment = {
        **os.environ,
        **server_variables(database_url, graph_url, data_dir),
        "IGNACIO_PORT": str(port),
        **(extra or {}),
    }
    process = subprocess.Popen(
        [python, "-m", "ignacio.entrypoints", "serve"], env=environment, cwd=data_dir
    )
    try:
        wait_healthy(f"http://127.0.0.1:{port}/health", process)
        wait_until_idle(process.pid)
        yield f"http://127.0.0.1:{port}", process.pid
    finally:
        process.terminate()
        process.wait(timeout=30)


@contextmanager
def bare() -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen([sys.executable, str(ROOT / "bench" / "bare_app.py"), str(port)])
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.post(f"http://127.0.0.1:{port}/webhooks/whatsapp", content=b"{}", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


class Bodies:
    """Signed deliveries, each from a different sender with a different message id."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.serial = 0

    def write(
        self,
        count: int,
        path: str = "/webhooks/whatsapp",
        numbers: Sequence[str] = (DEFAULT_PHONE_NUMBER_ID,),
    ) -> Path:
        """`numbers`: the business numbers (Meta's phone_number_id) the deliveries are to, in
        turn, a pair of deliveries each (so each of wrk's 2 threads sends to every number)."""
        lines = ["return {"]
        for _ in range(count):
            self.serial += 1
            sender = f"1555{self.serial:07d}"
            body = inbound_text(
                sender,
                f"Question number {self.serial}",
                message_id=f"wamid.BENCH{self.serial:09d}",
                phone_number_id=numbers[(self.serial // 2) % len(numbers)],
            )
            lines.append(
                f"{{{_lua(path)}, {_lua(body.decode())}, {_lua(sign(body, APP_SECRET))}}},"
            )
        lines.append("}")
        target = self.directory / f"bodies-{self.serial}.lua"
        target.write_text("\n".join(lines))
        return target

    def health(self) -> Path:
        target = self.directory / "health.lua"
        target.write_text('return { {"/health", "", ""} }')
        return target


def _lua(text: str) -> str:
    return "[==[" + text + "]==]"


def wrk(
    url: str,
    bodies: Path,
    duration: int,
    rate: int,
    *,
    connections: int = CONNECTIONS,
    threads: int = THREADS,
) -> dict[str, float]:
    environment = {
        **os.environ,
        "BODIES": str(bodies),
        "RATE": str(rate),
        "CONNECTIONS": str(connections),
        "THREADS": str(threads),
    }
    completed = subprocess.run(
        [
            "wrk",
            "-t",
            str(threads),
            "-c",
            str(connections),
            "-d",
            f"{duration}s",
            "--timeout",
            "10s",
            "-s",
            str(ROOT / "bench" / "paced.lua"),
            url,
        ],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    match = re.search(r"RESULT (\d+) (\d+) ([\d.]+) ([\d.]+) ([\d.]+) (\d+)", completed.stdout)
    if match is None:
        raise RuntimeError(completed.stdout + completed.stderr)
    requests, micros, p50, p99, worst, errors = match.groups()
    return {
        "rps": int(requests) / (int(micros) / 1e6),
        "p50": float(p50),
        "p99": float(p99),
        "max": float(worst),
        "errors": int(errors),
        "requests": int(requests),
    }


def backlog(database_url: str) -> tuple[int, int]:
    """Deliveries kept in the webhook inbox and not yet stored, and inbound messages not yet
    answered."""
    query = (
        "SELECT (SELECT count(*) FROM webhook_inbox),"
        " (SELECT count(*) FROM messages WHERE processing = 'pending')"
    )
    if database_url.startswith("sqlite"):
        with sqlite3.connect(database_url.split(":///", 1)[1]) as connection:
            waiting, unanswered = connection.execute(query).fetchone()
    else:
        conninfo = database_url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(conninfo, options=IGNACIO_SCHEMA) as connection:
            row = connection.execute(query).fetchone()
            assert row is not None
            waiting, unanswered = row
    return int(waiting), int(unanswered)


def backlog_row(database: str, database_url: str, graph: FakeGraph, within: float) -> str:
    """How fast the serving process stores and answers what a saturation run left it: waits
    until nothing is left, or `within` seconds."""
    waiting, unanswered = backlog(database_url)
    answered_before = len([m for m in graph.messages if m.type == "text"])
    started = time.monotonic()
    while backlog(database_url) != (0, 0) and time.monotonic() - started < within:
        time.sleep(0.5)
    elapsed = time.monotonic() - started
    waiting_after, unanswered_after = backlog(database_url)
    answered = len([m for m in graph.messages if m.type == "text"]) - answered_before
    stored = waiting - waiting_after
    left = (
        "cleared"
        if (waiting_after, unanswered_after) == (0, 0)
        else f"{waiting_after} deliveries and {unanswered_after} answers still to go"
    )
    return (
        f"| backlog after the saturation run ({database}): {waiting} deliveries kept, "
        f"{unanswered} messages to answer; then for {elapsed:.0f} s ({left}) | | "
        f"{stored / elapsed:.0f} deliveries stored/s | {answered / elapsed:.0f} answers sent/s |"
    )


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def turn_latency(url: str, graph: FakeGraph, count: int, bodies: Bodies) -> list[float]:
    """Webhook sent -> answer accepted by the fake Graph API, one message at a time, in ms."""
    sent: dict[str, float] = {}
    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        for _ in range(count):
            bodies.serial += 1
            sender = f"1666{bodies.serial:07d}"
            body = inbound_text(
                sender, "How long does an answer take?", message_id=f"wamid.TURN{bodies.serial:09d}"
            )
            sent[sender] = time.monotonic()
            response = await client.post(
                "/webhooks/whatsapp",
                content=body,
                headers={
                    "Content-Type": "application/json",
                    "X-Hub-Signature-256": sign(body, APP_SECRET),
                },
            )
            response.raise_for_status()
            deadline = time.monotonic() + 10
            while not graph.texts_to(sender):
                if time.monotonic() > deadline:
                    raise RuntimeError("an answer never reached the fake Graph API")
                await asyncio.sleep(0.0005)
    arrived = {m.to: m.at for m in graph.messages if m.type == "text"}
    return [(arrived[sender] - started) * 1000 for sender, started in sent.items()]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--rates", default="100,500,1000")
    parser.add_argument("--turns", type=int, default=200)
    parser.add_argument(
        "--output", type=Path, default=ROOT / "bench" / "RESULTS.md", help="where the report goes"
    )
    arguments = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk")
    rates = [int(rate) for rate in arguments.rates.split(",")]
    rows: list[tuple[str, str, dict[str, float]]] = []
    extra: list[str] = []
    work = Path(tempfile.mkdtemp(prefix="ignacio-bench-"))
    bodies = Bodies(work)
    graph = FakeGraph()

    try:
        run(arguments, rates, rows, extra, bodies, graph, work)
    finally:
        drop_postgres_database("ignacio_bench_ingest")
        shutil.rmtree(work, ignore_errors=True)
    write_report(arguments, rows, extra)


def run(
    arguments: argparse.Namespace,
    rates: list[int],
    rows: list[tuple[str, str, dict[str, float]]],
    extra: list[str],
    bodies: Bodies,
    graph: FakeGraph,
    work: Path,
) -> None:
    with graph.serve() as graph_url, bare() as bare_url:
        saturation_bodies = bodies.write(60_000)
        rows.append(
            (
                "bare Litestar + msgspec",
                "saturation",
                wrk(bare_url + "/webhooks/whatsapp", saturation_bodies, arguments.duration, 0),
            )
        )
        for database in ("postgres", "sqlite"):
            data_dir = work / database
            data_dir.mkdir()
            url = (
                postgres_database("ignacio_bench_ingest")
                if database == "postgres"
                else f"sqlite+aiosqlite:///{data_dir / 'ignacio.db'}"
            )
            if database == "sqlite":
                upgrade_database(url)
            graph.reset()
            with ignacio(url, graph_url, data_dir) as (base, pid):
                rows.append(
                    (
                        f"ignacio GET /health ({database})",
                        "saturation",
                        wrk(base + "/health", bodies.health(), arguments.duration, 0),
                    )
                )
                # Before the load, on a quiet server: afterwards a backlog may still be draining.
                latencies = asyncio.run(turn_latency(base, graph, arguments.turns, bodies))
                extra.append(
                    f"| turn latency ({database}), webhook -> answer at the fake Graph API, offline assistant, before the load | "
                    f"{len(latencies)} | {statistics.median(latencies):.1f} | {percentile(latencies, 0.99):.1f} |"
                )
                graph.reset()
                for rate in rates:
                    rows.append(
                        (
                            f"ignacio webhook ({database})",
                            f"{rate}/s",
                            wrk(
                                base + "/webhooks/whatsapp",
                                bodies.write(rate * arguments.duration + 1000),
                                arguments.duration,
                                rate,
                            ),
                        )
                    )
                saturation = wrk(
                    base + "/webhooks/whatsapp", bodies.write(40_000), arguments.duration, 0
                )
                rows.append((f"ignacio webhook ({database})", "saturation", saturation))
                peak_rss = rss_mb(pid)
                # The 200 comes once a delivery is kept; storing and answering follow, so the
                # backlog a saturation run leaves shows the sustained rates (bounded wait).
                extra.append(backlog_row(database, url, graph, within=120))
                extra.append(
                    f"| serving process RSS after the load ({database}) | | {peak_rss:.0f} MB | |"
                )

        # The acknowledgement alone: no worker runs (IGNACIO_RUN_WORKER=false, the PostgreSQL
        # queue), so the serving process does nothing but verify, parse and keep deliveries.
        data_dir = work / "postgres-ack-only"
        data_dir.mkdir()
        url = postgres_database("ignacio_bench_ingest")
        ack_only = {
            "IGNACIO_QUEUE": "procrastinate",
            "IGNACIO_RUN_WORKER": "false",
            "IGNACIO_AUTO_MIGRATE": "true",
        }
        with ignacio(url, graph_url, data_dir, ack_only) as (base, _):
            name = "ignacio webhook (postgres, acknowledgement only, no worker)"
            for rate in [rate for rate in rates if rate >= 500]:
                rows.append(
                    (
                        name,
                        f"{rate}/s",
                        wrk(
                            base + "/webhooks/whatsapp",
                            bodies.write(rate * arguments.duration + 1000),
                            arguments.duration,
                            rate,
                        ),
                    )
                )
            rows.append(
                (
                    name,
                    "saturation",
                    wrk(base + "/webhooks/whatsapp", bodies.write(40_000), arguments.duration, 0),
                )
            )


def write_report(
    arguments: argparse.Namespace,
    rows: list[tuple[str, str, dict[str, float]]],
    extra: list[str],
) -> None:
    ceiling = rows[0][2]["rps"]
    lines = [
        f"# Ignacio benchmarks — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Linux {platform.release()}; Python {platform.python_version()}; "
        f"wrk {THREADS} threads, {CONNECTIONS} connections, {arguments.duration} s per row, loopback. One `ignacio serve` process "
        "(uvicorn, one worker) with the in-process queue answering every message through a local fake of the Graph API "
        "while it ingests; every delivery is a new, signed message.",
        "",
        "| endpoint | load | req/s | p50 ms | p99 ms | max ms | errors | share of bare |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, load, result in rows:
        lines.append(
            f"| {name} | {load} | {result['rps']:.0f} | {result['p50']:.2f} | {result['p99']:.2f} | {result['max']:.1f} | "
            f"{int(result['errors'])} | {result['rps'] / ceiling:.0%} |"
        )
    lines += ["", "| measure | count | p50 | p99 |", "|---|---|---|---|", *extra, ""]
    report = "\n".join(lines)
    print(report)
    arguments.output.write_text(report)


if __name__ == "__main__":
    main()
