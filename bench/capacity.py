"""Answering capacity: how many WhatsApp messages a minute Ignacio answers with a model that
takes its time, and how long members wait (issue #20).

Each row offers signed webhooks (a new text each, from 500 senders in turn: at 20 msg/s each
sender writes every 25 s) at a fixed rate for `--duration` seconds, then waits up to `--drain`
seconds for the backlog to clear. The model is a fake OpenAI-compatible server
(bench/fake_model.py, own process) where every chat completion takes `--delay` seconds (2 s)
however many are in flight; the answers go to the local fake Graph API (tests/support/
fake_graph.py, in this process), which notes when each arrives. Each message carries a token
the fake model repeats in its answer, so every message is matched to the answer that covers it.

Per row: answers/s during the load (messages answered while it is offered) and after it
(during the drain); the member's wait p50/p99, webhook sent -> answer received at the fake
Graph API, counting every message: one still unanswered when the row ends counts with its wait
so far (a floor, marked with >=); peak completions in flight at the fake model; the backlog's
clear time (load end -> last answer); the serving processes' peak RSS (VmHWM) and their CPU
seconds per answered message (Ignacio's processes only, not PostgreSQL's).

Set-ups, each on a fresh database with a fresh server per row, warmed up by one message answered
before the load (the first turn's imports are a cost of starting, not of answering):
- `bare`: the baseline in the same run, bench/bare_answerer.py (check the signature, ask the
  model, send the answer; no database, no queue, no cap): what the fakes and the load generator
  allow on this machine;
- `sqlite`, `sqlite-64`: the embedded default (`ignacio serve`, SQLite, in-process queue), with
  the default `IGNACIO_WORKER_CONCURRENCY` and with 64;
- `sqlite-defaults`: as `sqlite` but with the product's defaults for grouping bursts and pacing
  sends (below); the other set-ups turn them off;
- `postgres`: one `ignacio serve` on PostgreSQL with the procrastinate queue and its in-process
  worker; `postgres-2`: the same plus one `ignacio worker` (two processes).

Every Ignacio set-up but `sqlite-defaults` runs with `IGNACIO_BURST_QUIET_SECONDS=0` (each
message answered on its own: capacity, not grouping), `IGNACIO_WHATSAPP_PAIR_INTERVAL_SECONDS=0`
and `IGNACIO_WHATSAPP_THROUGHPUT=1000` (Meta's pacing would hold answers the fake Graph API
never asks to hold); `sqlite-defaults` sets the defaults explicitly (2 s, 6 s, 80/s).
Numbers only, no pass/fail; on a shared machine they are indicative.

    .venv/bin/python bench/capacity.py [--quick] [--rates 5,20,50,100] [--setups bare,sqlite]
        [--duration 30] [--drain 60] [--delay 2] [--output section.md]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fake_model import KEY, fake_model, free_port, reset, stats  # noqa: E402
from settle import cpu_seconds  # noqa: E402
from tests.support.fake_graph import FakeGraph, inbound_text  # noqa: E402
from webhook_ingest import (  # noqa: E402
    APP_SECRET,
    drop_postgres_database,
    ignacio,
    percentile,
    postgres_database,
    server_variables,
    wait_healthy,
)

from ignacio.adapters.sql import upgrade_database  # noqa: E402
from ignacio.adapters.whatsapp_cloud import sign  # noqa: E402

SENDERS = 500
TOKEN = re.compile(r"Q\d+")
POSTGRES_NAME = "ignacio_bench_capacity"

CAPACITY = {
    "IGNACIO_BURST_QUIET_SECONDS": "0",
    "IGNACIO_WHATSAPP_PAIR_INTERVAL_SECONDS": "0",
    "IGNACIO_WHATSAPP_THROUGHPUT": "1000",
}
DEFAULTS = {
    "IGNACIO_BURST_QUIET_SECONDS": "2",
    "IGNACIO_WHATSAPP_PAIR_INTERVAL_SECONDS": "6",
    "IGNACIO_WHATSAPP_THROUGHPUT": "80",
}
PROCRASTINATE = {"IGNACIO_QUEUE": "procrastinate", "IGNACIO_AUTO_MIGRATE": "true"}


@dataclass(frozen=True)
class Setup:
    label: str
    database: str  # "sqlite", "postgres" or "" (bare)
    extra: dict[str, str]
    workers: int = 0  # `ignacio worker` processes besides `ignacio serve`


SETUPS = {
    "bare": Setup("bare answerer (baseline)", "", {}),
    "sqlite": Setup("embedded, SQLite, default concurrency", "sqlite", CAPACITY),
    "sqlite-64": Setup(
        "embedded, SQLite, IGNACIO_WORKER_CONCURRENCY=64",
        "sqlite",
        {**CAPACITY, "IGNACIO_WORKER_CONCURRENCY": "64"},
    ),
    "sqlite-defaults": Setup(
        "embedded, SQLite, default concurrency, default bursts and pacing", "sqlite", DEFAULTS
    ),
    "postgres": Setup(
        "PostgreSQL + procrastinate, serve (1 process)", "postgres", {**CAPACITY, **PROCRASTINATE}
    ),
    "postgres-2": Setup(
        "PostgreSQL + procrastinate, serve + 1 worker (2 processes)",
        "postgres",
        {**CAPACITY, **PROCRASTINATE},
        workers=1,
    ),
}


@dataclass(frozen=True)
class Row:
    setup: str
    rate: int
    sent: int
    refused: str  # how many webhooks were not acknowledged with a 200, and how they failed
    during: float
    after: float | None
    p50: float
    p99: float
    floor: bool  # some messages were still waiting: their wait is a floor
    waiting: int
    peak_in_flight: int
    clear: float | None
    rss_mb: float
    cpu_ms: float | None


def vm(pid: int, key: str) -> float:
    """A /proc/<pid>/status figure in MB (VmRSS, VmHWM: the peak)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def offer(
    url: str, rate: int, duration: float, serial: int
) -> tuple[dict[str, tuple[str, float]], Counter[str], float]:
    """Webhooks at `rate` a second for `duration` seconds, each posted when due (not after the
    previous one's acknowledgement); each message's (sender, time sent) by token, how many were
    refused, and when the load ended."""
    count = int(rate * duration)
    bodies = []
    for n in range(count):
        token = f"Q{serial + n:08d}"
        sender = f"1777{n % SENDERS:07d}"
        body = inbound_text(sender, f"Question {token}", message_id=f"wamid.CAP{token}")
        bodies.append((token, sender, body, sign(body, APP_SECRET)))
    sent: dict[str, tuple[str, float]] = {}
    refused: Counter[str] = Counter()
    limits = httpx.Limits(max_connections=64)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as client:

        async def post(token: str, sender: str, body: bytes, signature: str) -> None:
            headers = {"Content-Type": "application/json", "X-Hub-Signature-256": signature}
            sent[token] = (sender, time.monotonic())
            try:
                response = await client.post("/webhooks/whatsapp", content=body, headers=headers)
                if response.status_code != 200:
                    refused[str(response.status_code)] += 1
            except httpx.HTTPError as error:
                refused[type(error).__name__] += 1

        started = time.monotonic()
        tasks = []
        for n, message in enumerate(bodies):
            due = started + n / rate
            if (pause := due - time.monotonic()) > 0:
                await asyncio.sleep(pause)
            tasks.append(asyncio.create_task(post(*message)))
        await asyncio.gather(*tasks)
    return sent, refused, started + duration


def warm_up(url: str, graph: FakeGraph) -> None:
    """One message answered before the row: the first turn imports and builds what later
    turns reuse (seconds of CPU), a cost of starting, not of answering."""
    body = inbound_text("17779999999", "Question Q99999999", message_id="wamid.CAPWARMUP")
    headers = {"Content-Type": "application/json", "X-Hub-Signature-256": sign(body, APP_SECRET)}
    httpx.post(url + "/webhooks/whatsapp", content=body, headers=headers).raise_for_status()
    deadline = time.monotonic() + 60
    while "Q99999999" not in answered_at(graph):
        if time.monotonic() > deadline:
            raise RuntimeError("the warm-up message was never answered")
        time.sleep(0.1)


def answered_at(graph: FakeGraph) -> dict[str, float]:
    """When the first answer naming each token reached the fake Graph API."""
    first: dict[str, float] = {}
    for message in list(graph.messages):
        if message.type == "text" and message.text:
            for token in TOKEN.findall(message.text):
                first.setdefault(token, message.at)
    return first


def measure(
    label: str,
    url: str,
    pids: list[int],
    graph: FakeGraph,
    model_url: str,
    rate: int,
    duration: float,
    drain: float,
    serial: int,
) -> Row:
    warm_up(url, graph)
    graph.reset()
    reset(model_url)
    cpu_before = sum(cpu_seconds(pid) for pid in pids)
    sent, refused, load_end = asyncio.run(offer(url, rate, duration, serial))
    deadline = load_end + drain
    while time.monotonic() < deadline and len(answered_at(graph).keys() & sent.keys()) < len(sent):
        time.sleep(0.25)
    row_end = min(time.monotonic(), deadline)
    cpu = sum(cpu_seconds(pid) for pid in pids) - cpu_before
    answers = {token: at for token, at in answered_at(graph).items() if token in sent}
    waits = [answers.get(token, row_end) - at for token, (_, at) in sent.items()]
    waiting = len(sent) - len(answers)
    during = sum(1 for at in answers.values() if at <= load_end)
    after_seconds = (max(answers.values()) if answers else row_end) - load_end
    after = (len(answers) - during) / after_seconds if after_seconds > 0.5 else None
    return Row(
        setup=label,
        rate=rate,
        sent=len(sent),
        refused=", ".join(f"{count} {kind}" for kind, count in refused.most_common()) or "0",
        during=during / duration,
        after=after,
        p50=percentile(waits, 0.5),
        p99=percentile(waits, 0.99),
        floor=waiting > 0,
        waiting=waiting,
        peak_in_flight=stats(model_url)["peak"],
        clear=max(0.0, max(answers.values()) - load_end) if not waiting else None,
        rss_mb=sum(vm(pid, "VmHWM") for pid in pids),
        cpu_ms=1000 * cpu / len(answers) if answers else None,
    )


@contextmanager
def bare(model_url: str, graph_url: str) -> Iterator[tuple[str, int]]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "bare_answerer.py"), str(port), model_url, graph_url],
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "src")])},
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.post(base + "/webhooks/whatsapp", content=b"{}", timeout=1)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the bare answerer did not start") from None
                time.sleep(0.1)
        yield base, process.pid
    finally:
        process.terminate()
        process.wait(timeout=30)


@contextmanager
def served(
    setup: Setup, model_url: str, graph_url: str, work: Path
) -> Iterator[tuple[str, list[int]]]:
    """`ignacio serve` (and its workers) on a fresh database, started and idle."""
    data_dir = Path(tempfile.mkdtemp(prefix="capacity-", dir=work))
    if setup.database == "postgres":
        url = postgres_database(POSTGRES_NAME)
    else:
        url = f"sqlite+aiosqlite:///{data_dir / 'ignacio.db'}"
        upgrade_database(url)
    extra = {
        **setup.extra,
        "OPENAI_API_KEY": KEY,
        "IGNACIO_AI_BASE_URL": model_url,
        "IGNACIO_AI_API": "chat_completions",
    }
    with ignacio(url, graph_url, data_dir, extra) as (base, pid):
        workers = []
        try:
            for _ in range(setup.workers):
                environment = {
                    **os.environ,
                    **server_variables(url, graph_url, data_dir),
                    **extra,
                }
                worker = subprocess.Popen(
                    [sys.executable, "-m", "ignacio.entrypoints", "worker"],
                    env=environment,
                    cwd=data_dir,
                )
                workers.append(worker)
            if workers:
                wait_healthy(base + "/health", workers[0])
                time.sleep(5)  # the worker's start-up, before it is measured
            yield base, [pid, *(worker.pid for worker in workers)]
        finally:
            for worker in workers:
                worker.terminate()
                worker.wait(timeout=30)


def cell(value: float | None, form: str, missing: str = "—") -> str:
    return missing if value is None else format(value, form)


def table(rows: list[Row], drain: float) -> list[str]:
    lines = [
        "| set-up | offered | sent (not acknowledged) | answered/s during | answered/s after | "
        "wait p50 s | wait p99 s | still waiting | peak in flight at the model | backlog clear s "
        "| peak RSS MB | CPU ms per answer |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        floor = ">= " if row.floor else ""
        clear = cell(row.clear, ".1f", f"> {drain:g}")
        lines.append(
            f"| {row.setup} | {row.rate}/s | {row.sent} ({row.refused}) | {row.during:.1f} | "
            f"{cell(row.after, '.1f')} | {row.p50:.2f} | {floor}{row.p99:.2f} | {row.waiting} | "
            f"{row.peak_in_flight} | {clear} | {row.rss_mb:.0f} | {cell(row.cpu_ms, '.0f')} |"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="10 s rows at 5 and 20 msg/s")
    parser.add_argument("--rates", help="offered msg/s, comma-separated (5,20,50,100)")
    parser.add_argument("--setups", help=f"comma-separated, of {', '.join(SETUPS)}")
    parser.add_argument("--duration", type=float, help="seconds of load per row (30)")
    parser.add_argument("--drain", type=float, help="seconds to wait for a backlog to clear (60)")
    parser.add_argument("--delay", type=float, default=2.0, help="the model's seconds per answer")
    parser.add_argument("--output", type=Path, help="also write the section (Markdown) here")
    arguments = parser.parse_args()
    quick = arguments.quick
    rates = [int(r) for r in (arguments.rates or ("5,20" if quick else "5,20,50,100")).split(",")]
    default_setups = (
        "bare,sqlite,sqlite-64" if quick else "bare,sqlite,sqlite-64,postgres,postgres-2"
    )
    chosen = (arguments.setups or default_setups).split(",")
    duration = arguments.duration or (10.0 if quick else 30.0)
    drain = arguments.drain or (30.0 if quick else 60.0)
    unknown = set(chosen) - SETUPS.keys()
    if unknown:
        sys.exit(f"unknown set-ups {', '.join(sorted(unknown))}: choose from {', '.join(SETUPS)}")

    plan = [(name, rate) for name in chosen for rate in rates]
    if not arguments.setups and not quick:
        plan.append(("sqlite-defaults", 20))  # one row with the product's defaults
    rows: list[Row] = []
    work = Path(tempfile.mkdtemp(prefix="ignacio-bench-capacity-"))
    graph = FakeGraph()
    serial = 0
    try:
        with graph.serve() as graph_url, fake_model(arguments.delay) as model_url:
            for name, rate in plan:
                setup = SETUPS[name]
                if setup.database:
                    server = served(setup, model_url, graph_url, work)
                else:
                    server = _bare_as_list(model_url, graph_url)
                with server as (base, pids):
                    row = measure(
                        setup.label, base, pids, graph, model_url, rate, duration, drain, serial
                    )
                serial += row.sent
                rows.append(row)
                print(table([row], drain)[-1], flush=True)
    finally:
        if any(SETUPS[name].database == "postgres" for name, _ in plan):
            drop_postgres_database(POSTGRES_NAME)
        shutil.rmtree(work, ignore_errors=True)
    section = "\n".join(
        [
            "## Answering capacity (a model taking its time)",
            "",
            f"Signed webhooks from {SENDERS} senders in turn, each a new text, at the offered "
            f"rate for {duration:g} s, then up to {drain:g} s for the backlog to clear; a fake "
            f"OpenAI-compatible model taking {arguments.delay:g} s per completion however many "
            "are in flight (bench/fake_model.py); answers received by the local fake Graph API. "
            "A fresh server and database per row. Wait: webhook sent -> answer received, every "
            "message counted (those still waiting at the row's end with their wait so far: "
            "`>=`). Answered/s after: during the drain. Peak RSS and CPU: the serving "
            "processes', summed (not PostgreSQL's). Bursts and pacing off "
            "(`IGNACIO_BURST_QUIET_SECONDS=0`, `IGNACIO_WHATSAPP_PAIR_INTERVAL_SECONDS=0`, "
            "`IGNACIO_WHATSAPP_THROUGHPUT=1000`) except in the row saying default bursts and "
            "pacing (2 s, 6 s, 80/s). Baseline: bench/bare_answerer.py, the same HTTP "
            "exchanges and nothing else.",
            "",
            *table(rows, drain),
            "",
        ]
    )
    print(section)
    if arguments.output:
        arguments.output.write_text(section)


@contextmanager
def _bare_as_list(model_url: str, graph_url: str) -> Iterator[tuple[str, list[int]]]:
    with bare(model_url, graph_url) as (base, pid):
        yield base, [pid]


if __name__ == "__main__":
    main()
