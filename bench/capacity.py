"""Answering capacity: how many WhatsApp messages a second Ignacio answers with a model that
takes its time, what each answer costs in CPU (Ignacio's and PostgreSQL's), and how long
members wait (issue #20).

Three processes besides Ignacio's, so that none measures another: the load generator (this
process, on uvloop: every webhook built and signed before the row starts, each posted when due
on a connection of its own, bench/lean_http.py, not after the previous one's acknowledgement), the fake OpenAI-compatible
model (bench/fake_model.py: every completion takes `--delay` seconds however many are in
flight, or none; it can hold its completions) and the fake Graph API (bench/graph_receiver.py:
notes when each answer arrives). Each message carries a token the fake model repeats in its
answer, so every message is matched to the answer that covers it; the receiver and this
process both read CLOCK_MONOTONIC, one clock for every process on Linux.

Rows, each on a fresh database with a fresh server, warmed up by one message answered before
the row (the first turn's imports are a cost of starting, not of answering):
- rate rows: signed webhooks from 500 senders in turn (a new text each) at an offered rate for
  `--duration` seconds, a 2 s model, then up to `--drain` seconds for the backlog to clear;
- instant rows: the same at `--saturation` msg/s (more than one process answers) with a model
  answering at once: answers/s is the set-up's capacity, CPU ms per answer its cost;
- backlog: the model holds every completion while `--backlog` messages are accepted (at 100
  msg/s), then answers again (2 s each); clear time from the release to the last answer;
- rss: the model holds its completions while `--rss-turns` messages come (500, the goal's
  number; at 50 msg/s), with `IGNACIO_WORKER_CONCURRENCY=--rss-concurrency` so that hundreds
  of turns can wait at once;
  each process's RSS when the most completions were in flight, then the release.

Per row: answers/s during the load (answered while it is offered, over its duration) and after
it (during the drain); the member's wait p50/p99, webhook sent -> answer received, counting
every message: one still unanswered when the row ends counts with its wait so far (a floor,
marked >=); peak completions in flight at the model; clear time (load end, or release, -> last
answer); each process's RSS at the peak in flight and its peak (VmHWM); CPU ms per answered
message of Ignacio's processes (utime + stime of each and its children, /proc/<pid>/stat) and of
PostgreSQL's backends serving the benchmark's database (pg_stat_activity's pids for that
database, sampled every 0.5 s, their /proc/<pid>/stat; the server's shared background
processes, WAL writer and checkpointer, are not counted: other work on this machine uses them).

Set-ups:
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
never asks to hold); `sqlite-defaults` sets the defaults explicitly (2 s, 6 s, 80/s). Rows where
the model holds its completions set `IGNACIO_AI_TIMEOUT_SECONDS=300` (held turns must not time
out). `--profile [KINDS]` samples the serving process with py-spy (`record --nonblocking`, 50 Hz, idle
frames left out) during the load of each row of these kinds (`instant` unless named) and prints
its top frames by own and by total time.
`--checkout PATH` measures that tree's `src` (this checkout's by default; the benchmark's own
code stays this one). Numbers only, no pass/fail; on a shared machine they are indicative.

    .venv/bin/python bench/capacity.py [--quick] [--rows rate,instant,backlog,rss]
        [--rates 5,20,50,100] [--setups bare,sqlite,postgres] [--duration 30] [--drain 60]
        [--delay 2] [--saturation 150] [--backlog 3000] [--profile] [--checkout PATH]
        [--output section.md]

`--quick` (11 rows: 10 s rate rows, 20 s drains, 600-message instant rows, a backlog of 1,000)
took 22 minutes on this 2-core machine under a load average of 8-15 (mostly servers starting);
the full run (18 rows, 30 s, drains of 60-120 s, a backlog of 3,000) about an hour there.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg
import uvloop

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fake_model import KEY, configure, control, fake_model, free_port, reset, stats  # noqa: E402
from lean_http import Endpoint  # noqa: E402
from settle import cpu_seconds, wait_until_idle  # noqa: E402
from tests.support.fake_graph import DEFAULT_PHONE_NUMBER_ID, inbound_text  # noqa: E402
from webhook_ingest import (  # noqa: E402
    ADMIN_URL,
    APP_SECRET,
    drop_postgres_database,
    percentile,
    postgres_database,
    server_variables,
    wait_healthy,
)

from ignacio.adapters.whatsapp_cloud import sign  # noqa: E402

SENDERS = 500
# Its own database per run: other work on the machine may run this benchmark at the same time.
POSTGRES_NAME = f"ignacio_bench_capacity_{os.getpid()}"
TICKS = os.sysconf("SC_CLK_TCK")

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
HELD = {"IGNACIO_AI_TIMEOUT_SECONDS": "300"}


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
class Plan:
    """One row: what is offered, to which set-up, with which model."""

    kind: str  # "rate", "instant", "backlog" or "rss"
    setup: str
    rate: float
    count: int  # messages offered
    delay: float  # the model's seconds per completion
    hold: bool = False  # the model holds its completions until the load has been offered
    extra: dict[str, str] = field(default_factory=dict)
    drain: float = 60.0

    @property
    def label(self) -> str:
        setup = SETUPS[self.setup].label
        if self.kind == "instant":
            return f"{setup}, instant model"
        if self.kind == "backlog":
            return f"{setup}: backlog of {self.count} held, then released"
        if self.kind == "rss":
            concurrency = self.extra.get("IGNACIO_WORKER_CONCURRENCY", "default")
            return (
                f"embedded, SQLite, concurrency {concurrency}: {self.count} turns held at the model"
            )
        return setup

    @property
    def offered(self) -> str:
        if self.hold:
            return f"{self.count} at {self.rate:g}/s, held"
        return f"{self.rate:g}/s"


@dataclass(frozen=True)
class Row:
    plan: Plan
    sent: int
    refused: str  # how many webhooks were not acknowledged with a 200, and how they failed
    during: float | None
    after: float | None
    overall: float  # answered / (last answer, or the row's end while some wait, - load start)
    p50: float
    p99: float
    waiting: int
    peak_in_flight: int
    clear: float | None
    rss_at_peak: list[float]  # MB per process when the most completions were in flight
    rss_hwm: list[float]  # MB per process, VmHWM at the row's end
    cpu_ms: float | None  # Ignacio's processes, per answered message
    pg_cpu_ms: float | None  # PostgreSQL's backends, per answered message
    cores: float  # Ignacio's CPU seconds over the row's seconds: how much of the machine it got
    profile: list[str] = field(default_factory=list)


# The product.


class Product:
    """Where the measured code is: `src` of this checkout or of `--checkout PATH`. The servers
    run with it first on PYTHONPATH (the shared virtualenv's editable install points elsewhere),
    and migrate their databases with its migrations."""

    def __init__(self, checkout: Path) -> None:
        self.checkout = checkout.resolve()
        if not (self.checkout / "src" / "ignacio").is_dir():
            sys.exit(f"{self.checkout} has no src/ignacio: --checkout takes a clone of Ignacio")

    @property
    def environment(self) -> dict[str, str]:
        return {"PYTHONPATH": str(self.checkout / "src")}

    def commit(self) -> str:
        # The last commit to change the product's code: a checkout whose newer commits touch
        # only the benchmark measures the same code.
        completed = subprocess.run(
            ["git", "-C", str(self.checkout), "log", "-1", "--format=%h", "--", "src"],
            capture_output=True,
            text=True,
        )
        dirty = subprocess.run(
            ["git", "-C", str(self.checkout), "status", "--porcelain", "--", "src"],
            capture_output=True,
            text=True,
        ).stdout.strip()
        return completed.stdout.strip() + (" with uncommitted changes in src" if dirty else "")

    def migrate(self, url: str) -> None:
        subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys; from ignacio.adapters.sql import upgrade_database; "
                "upgrade_database(sys.argv[1])",
                url,
            ],
            env={**os.environ, **self.environment},
            check=True,
        )


# The fake Graph API.


class Receiver:
    """bench/graph_receiver.py in its own process."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Receiver:
        self.process = subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "bench" / "graph_receiver.py"),
                str(self.port),
                DEFAULT_PHONE_NUMBER_ID,
            ]
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                self.count()
                return self
            except httpx.TransportError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the fake Graph API did not start") from None
                time.sleep(0.1)

    def __exit__(self, *_: object) -> None:
        if self.process:
            stop(self.process)

    def count(self) -> int:
        answered: int = control().get(self.url + "/bench/count").json()["answered"]
        return answered

    def answers(self) -> dict[str, float]:
        result: dict[str, float] = control().get(self.url + "/bench/answers").json()
        return result

    def reset(self) -> None:
        control().post(self.url + "/bench/reset").raise_for_status()


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


# Measuring.


def vm(pid: int, key: str) -> float:
    """A /proc/<pid>/status figure in MB (VmRSS, VmHWM: the peak)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def own_cpu_seconds(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / TICKS


class Sampler:
    """Every 0.5 s: completions in flight at the model with each process's RSS (kept at the
    most in flight), and the CPU of PostgreSQL's backends serving `database` (each backend's
    CPU since it was first seen, or since the row began if it was there already)."""

    def __init__(self, model_url: str, pids: list[int], database: str | None) -> None:
        self.model_url = model_url
        self.pids = pids
        self.database = database
        self.peak = -1
        self.rss_at_peak = [vm(pid, "VmRSS") for pid in pids]
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def __enter__(self) -> Sampler:
        if self.database:
            self.backends(initial=True)
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stopping.set()
        self.thread.join()

    def backends(self, *, initial: bool = False) -> None:
        with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
            pids = [
                row[0]
                for row in connection.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = %s", (self.database,)
                )
            ]
        for pid in pids:
            used = own_cpu_seconds(pid)
            if used is None:
                continue
            if pid not in self.first:
                self.first[pid] = used if initial else 0.0
            self.last[pid] = used

    def postgres_cpu(self) -> float | None:
        if not self.database:
            return None
        return sum(self.last[pid] - self.first[pid] for pid in self.last)

    def run(self) -> None:
        while not self.stopping.wait(0.5):
            try:
                in_flight = stats(self.model_url)["in_flight"]
            except httpx.HTTPError:
                continue
            if in_flight > self.peak:
                self.peak = in_flight
                self.rss_at_peak = [vm(pid, "VmRSS") for pid in self.pids]
            if self.database:
                with suppress(psycopg.Error):
                    self.backends()


def bodies(count: int, serial: int) -> list[tuple[str, bytes, dict[str, str]]]:
    """Every webhook of a row, built and signed before it starts."""
    built = []
    for n in range(count):
        token = f"Q{serial + n:08d}"
        sender = f"1777{n % SENDERS:07d}"
        body = inbound_text(sender, f"Question {token}", message_id=f"wamid.CAP{token}")
        headers = {
            "Content-Type": "application/json",
            "X-Hub-Signature-256": sign(body, APP_SECRET),
        }
        built.append((token, body, headers))
    return built


async def offer(
    url: str, rate: float, messages: list[tuple[str, bytes, dict[str, str]]]
) -> tuple[dict[str, float], Counter[str], float, float]:
    """Each webhook posted when due at `rate` a second (on a connection of its own, see
    bench/lean_http.py), not after the previous one's acknowledgement: when each was sent by
    token, how many were refused (and how), when the load began and when the last was
    acknowledged."""
    sent: dict[str, float] = {}
    refused: Counter[str] = Counter()
    server = Endpoint(url)

    async def post(token: str, body: bytes, headers: dict[str, str]) -> None:
        sent[token] = time.monotonic()
        try:
            status, _ = await asyncio.wait_for(
                server.post("/webhooks/whatsapp", body, headers), timeout=60
            )
            if status != 200:
                refused[str(status)] += 1
        except (OSError, asyncio.IncompleteReadError, TimeoutError) as error:
            refused[type(error).__name__] += 1

    started = time.monotonic()
    tasks = []
    for n, message in enumerate(messages):
        due = started + n / rate
        if (pause := due - time.monotonic()) > 0:
            await asyncio.sleep(pause)
        tasks.append(asyncio.create_task(post(*message)))
    await asyncio.gather(*tasks)
    return sent, refused, started, time.monotonic()


def warm_up(url: str, receiver: Receiver) -> None:
    """One message answered before the row: the first turn imports and builds what later
    turns reuse (seconds of CPU), a cost of starting, not of answering."""
    receiver.reset()
    body = inbound_text("17779999999", "Question Q99999999", message_id="wamid.CAPWARMUP")
    headers = {"Content-Type": "application/json", "X-Hub-Signature-256": sign(body, APP_SECRET)}
    control().post(url + "/webhooks/whatsapp", content=body, headers=headers).raise_for_status()
    deadline = time.monotonic() + 60
    while receiver.count() < 1:
        if time.monotonic() > deadline:
            raise RuntimeError("the warm-up message was never answered")
        time.sleep(0.1)
    receiver.reset()


class Profile:
    """py-spy sampling one process from now until `table()` (the whole row: the load and the
    drain, when a saturated server does most of its answering), its stacks kept (raw,
    collapsed)."""

    def __init__(self, pid: int, work: Path) -> None:
        self.output = work / f"py-spy-{pid}-{time.monotonic_ns()}.txt"
        spy = Path(sys.executable).parent / "py-spy"
        self.process = subprocess.Popen(
            [
                str(spy if spy.exists() else "py-spy"),
                "record",
                "--pid",
                str(pid),
                "--rate",
                "50",
                "--nonblocking",
                "--format",
                "raw",
                "--output",
                str(self.output),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    def table(self, top: int = 15) -> list[str]:
        self.process.send_signal(signal.SIGINT)  # py-spy writes what it sampled and exits
        try:
            _, error = self.process.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return ["(py-spy did not finish)"]
        if not self.output.exists():
            return [f"(py-spy failed: {error.decode().strip()[-300:]})"]
        return frames(self.output.read_text(), top)


def frames(collapsed: str, top: int) -> list[str]:
    """The top frames of py-spy's raw output (`frame;frame;... count` a line, the leaf last):
    own samples (the frame itself running) and total (the frame anywhere on the stack), by
    function and file (not line), as two Markdown tables."""
    own: Counter[str] = Counter()
    total: Counter[str] = Counter()
    samples = 0
    for line in collapsed.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        samples += count
        names = [_frame_name(frame) for frame in stack.split(";")]
        own[names[-1]] += count
        for name in set(names):
            total[name] += count
    if not samples:
        return ["(py-spy took no samples)"]
    ranked = {
        "own": own,
        "total": Counter(
            {name: n for name, n in total.items() if name.split(" (")[0] not in ROOTS}
        ),
    }
    lines = []
    for title, counter in ranked.items():
        lines += [
            "",
            f"Top {top} frames by {title} time ({samples} samples at 50 Hz over the row, idle "
            "left out; total leaves out the frames at the root of every stack):",
            "",
            "| frame | own % | total % |",
            "|---|---|---|",
        ]
        for name, _ in counter.most_common(top):
            lines.append(
                f"| `{name}` | {100 * own[name] / samples:.1f} | {100 * total[name] / samples:.1f} |"
            )
    return lines


# Frames on every stack of their thread (start-up, the event loop): left out of the total table.
ROOTS = {
    "<module>",
    "_run_module_as_main",
    "_run_code",
    "main",
    "_serve",
    "_worker",
    "Runner.run",
    "asyncio_run",
    "run",
    "Server.run",
    "Server.serve",
    "Server._serve",
    "Thread._bootstrap",
    "Thread._bootstrap_inner",
    "Thread.run",
    "BaseEventLoop.run_forever",
    "BaseEventLoop.run_until_complete",
    "BaseEventLoop._run_once",
    "Handle._run",
}


def _frame_name(frame: str) -> str:
    """`function (path/to/file.py:123)` -> `function (to/file.py)`: a frame by function, not by
    line, with enough of its path to find it."""
    function, _, where = frame.partition(" (")
    path = where.rstrip(")").rsplit(":", 1)[0]
    for marker in ("site-packages/", "/src/", "/lib/python3"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{function} ({path})"


def measure(
    plan: Plan,
    url: str,
    pids: list[int],
    receiver: Receiver,
    model_url: str,
    serial: int,
    profile_work: Path | None,
) -> Row:
    messages = bodies(plan.count, serial)
    warm_up(url, receiver)
    reset(model_url)
    if plan.hold:
        configure(model_url, hold=True)
    database = POSTGRES_NAME if SETUPS[plan.setup].database == "postgres" else None
    cpu_before = sum(cpu_seconds(pid) for pid in pids)
    duration = plan.count / plan.rate
    profile = Profile(pids[0], profile_work) if profile_work else None
    runner = asyncio.Runner(loop_factory=uvloop.new_event_loop)
    with Sampler(model_url, pids, database) as sampler:
        with runner:
            sent, refused, started, acknowledged = runner.run(offer(url, plan.rate, messages))
        load_end = started + duration
        origin = load_end
        if plan.hold:
            # Wait for what was accepted to reach the model (or stop coming), then release.
            deadline = time.monotonic() + 30
            before, steady_since = -1, time.monotonic()
            while time.monotonic() < deadline and time.monotonic() - steady_since < 3:
                time.sleep(0.5)
                now = stats(model_url)["in_flight"]
                if now != before:
                    before, steady_since = now, time.monotonic()
            time.sleep(1)  # one more sample of RSS at the peak
            origin = time.monotonic()
            configure(model_url, hold=False)
        deadline = origin + plan.drain
        while time.monotonic() < deadline and receiver.count() < len(sent):
            time.sleep(0.25)
        row_end = min(time.monotonic(), deadline)
        cpu = sum(cpu_seconds(pid) for pid in pids) - cpu_before
        profiled = profile.table() if profile else []
    hwm = [vm(pid, "VmHWM") for pid in pids]
    answers = {token: at for token, at in receiver.answers().items() if token in sent}
    waits = [answers.get(token, row_end) - at for token, at in sent.items()]
    waiting = len(sent) - len(answers)
    during = sum(1 for at in answers.values() if at <= load_end)
    last = max(answers.values()) if answers else row_end
    after_from = origin if plan.hold else load_end
    after_seconds = (last if not waiting else row_end) - after_from
    after_count = len(answers) - (0 if plan.hold else during)
    pg_cpu = sampler.postgres_cpu()
    del acknowledged
    return Row(
        plan=plan,
        sent=len(sent),
        refused=", ".join(f"{count} {kind}" for kind, count in refused.most_common()) or "0",
        during=None if plan.hold else during / duration,
        after=after_count / after_seconds if after_seconds > 0.5 else None,
        overall=len(answers) / ((last if not waiting else row_end) - started),
        p50=percentile(waits, 0.5),
        p99=percentile(waits, 0.99),
        waiting=waiting,
        peak_in_flight=max(stats(model_url)["peak"], sampler.peak),
        clear=max(0.0, last - origin) if not waiting else None,
        rss_at_peak=sampler.rss_at_peak,
        rss_hwm=hwm,
        cpu_ms=1000 * cpu / len(answers) if answers else None,
        pg_cpu_ms=1000 * pg_cpu / len(answers) if answers and pg_cpu is not None else None,
        cores=cpu / (row_end - started),
        profile=profiled,
    )


# Serving.


@contextmanager
def bare(model_url: str, graph_url: str, product: Product) -> Iterator[tuple[str, list[int]]]:
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
                control().post(base + "/webhooks/whatsapp", content=b"{}", timeout=1)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the bare answerer did not start") from None
                time.sleep(0.1)
        yield base, [process.pid]
    finally:
        stop(process)


@contextmanager
def served(
    plan: Plan, model_url: str, graph_url: str, work: Path, product: Product
) -> Iterator[tuple[str, list[int]]]:
    """`ignacio serve` (and its workers) on a fresh database, started and idle."""
    setup = SETUPS[plan.setup]
    data_dir = Path(tempfile.mkdtemp(prefix="capacity-", dir=work))
    if setup.database == "postgres":
        url = postgres_database(POSTGRES_NAME, migrate=False)
    else:
        url = f"sqlite+aiosqlite:///{data_dir / 'ignacio.db'}"
    product.migrate(url)
    environment = {
        **os.environ,
        **server_variables(url, graph_url, data_dir),
        **setup.extra,
        **plan.extra,
        **product.environment,
        "OPENAI_API_KEY": KEY,
        "IGNACIO_AI_BASE_URL": model_url,
        "IGNACIO_AI_API": "chat_completions",
    }
    port = free_port()
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "ignacio.entrypoints", "serve"],
            env={**environment, "IGNACIO_PORT": str(port)},
            cwd=data_dir,
        )
    ]
    try:
        base = f"http://127.0.0.1:{port}"
        wait_healthy(base + "/health", processes[0])
        for _ in range(setup.workers):
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "ignacio.entrypoints", "worker"],
                    env=environment,
                    cwd=data_dir,
                )
            )
        for process in processes:
            wait_until_idle(process.pid)
        yield base, [process.pid for process in processes]
    finally:
        for process in reversed(processes):
            stop(process)


# Reporting.


def cell(value: float | None, form: str, missing: str = "—") -> str:
    return missing if value is None else format(value, form)


HEADER = [
    "| set-up | model | offered | sent (not acknowledged) | answered/s during | answered/s after "
    "| answered/s overall | wait p50 s | wait p99 s | still waiting | peak in flight at the model | clear s | "
    "RSS MB at peak in flight, per process | peak RSS MB, per process | CPU ms per answer: "
    "Ignacio | + PostgreSQL | = total | Ignacio's CPU, cores |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
]


def line(row: Row) -> str:
    plan = row.plan
    floor = ">= " if row.waiting else ""
    model = "instant" if plan.delay == 0 else f"{plan.delay:g} s"
    total = (
        (row.cpu_ms or 0) + (row.pg_cpu_ms or 0)
        if row.cpu_ms is not None and row.pg_cpu_ms is not None
        else None
    )
    return (
        f"| {plan.label} | {model} | {plan.offered} | {row.sent} ({row.refused}) | "
        f"{cell(row.during, '.1f')} | {cell(row.after, '.1f')} | {row.overall:.1f} | "
        f"{row.p50:.2f} | "
        f"{floor}{row.p99:.2f} | {row.waiting} | {row.peak_in_flight} | "
        f"{cell(row.clear, '.1f', f'> {plan.drain:g}')} | "
        f"{' + '.join(f'{mb:.0f}' for mb in row.rss_at_peak)} | "
        f"{' + '.join(f'{mb:.0f}' for mb in row.rss_hwm)} | {cell(row.cpu_ms, '.1f')} | "
        f"{cell(row.pg_cpu_ms, '.1f')} | {cell(total, '.1f')} | {row.cores:.2f} |"
    )


def plans(arguments: argparse.Namespace) -> list[Plan]:
    quick = arguments.quick
    duration = arguments.duration or (10.0 if quick else 30.0)
    drain = arguments.drain or (20.0 if quick else 60.0)
    rates = [float(r) for r in (arguments.rates or "5,20,50,100").split(",")]
    kinds = (arguments.rows or "rate,instant,backlog,rss").split(",")
    chosen = arguments.setups.split(",") if arguments.setups else None
    result: list[Plan] = []

    def wanted(setup: str) -> bool:
        return chosen is None or setup in chosen

    if "rate" in kinds:
        for setup in chosen or ["bare", "sqlite"]:
            # Quick: the embedded default at 20 and 100 msg/s only (its start-up costs more
            # than its row).
            for rate in (
                [20.0, 100.0] if quick and setup != "bare" and not arguments.rates else rates
            ):
                count = round(rate * duration)
                result.append(Plan("rate", setup, rate, count, arguments.delay, drain=drain))
        if chosen is None and not quick:  # the instant and backlog rows cover PostgreSQL
            for setup in ("postgres", "postgres-2"):
                for rate in [5.0, 20.0]:
                    count = round(rate * duration)
                    result.append(Plan("rate", setup, rate, count, arguments.delay, drain=drain))
            result.append(Plan("rate", "sqlite-defaults", 20, round(20 * duration), 2, False))
    if "instant" in kinds:
        for setup in ("sqlite", "postgres", "postgres-2"):
            if wanted(setup):
                count = arguments.instant or (600 if quick else 3000)
                result.append(
                    Plan(
                        "instant",
                        setup,
                        arguments.saturation,
                        count,
                        0,
                        drain=60 if quick else 120,
                    )
                )
    if "backlog" in kinds and wanted("postgres-2"):
        count = arguments.backlog or (1000 if quick else 3000)
        result.append(
            Plan("backlog", "postgres-2", 100, count, 2, True, HELD, drain=45 if quick else 90)
        )
    if "rss" in kinds and wanted("sqlite"):
        extra = {**HELD, "IGNACIO_WORKER_CONCURRENCY": str(arguments.rss_concurrency)}
        turns = arguments.rss_turns
        result.append(Plan("rss", "sqlite", 50, turns, 2, True, extra, drain=60 if quick else 90))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="10 s rows, 20 s drains")
    parser.add_argument("--rows", help="kinds of row, comma-separated: rate,instant,backlog,rss")
    parser.add_argument("--rates", help="offered msg/s of the rate rows (5,20,50,100)")
    parser.add_argument("--setups", help=f"comma-separated, of {', '.join(SETUPS)}")
    parser.add_argument("--duration", type=float, help="seconds of load per row (30)")
    parser.add_argument("--drain", type=float, help="seconds to wait for a backlog to clear (60)")
    parser.add_argument("--delay", type=float, default=2.0, help="the model's seconds per answer")
    parser.add_argument("--saturation", type=float, default=150, help="msg/s of instant rows")
    parser.add_argument("--instant", type=int, help="messages of the instant rows (3000)")
    parser.add_argument("--backlog", type=int, help="messages of the backlog row (3000)")
    parser.add_argument("--rss-concurrency", type=int, default=1000, help="of the rss row")
    parser.add_argument("--rss-turns", type=int, default=500, help="held in the rss row (500)")
    parser.add_argument(
        "--profile",
        nargs="?",
        const="instant",
        default="",
        help="py-spy's top frames of the serving process in these kinds of row (instant)",
    )
    parser.add_argument("--checkout", type=Path, default=ROOT, help="the Ignacio tree to measure")
    parser.add_argument("--output", type=Path, help="also write the section (Markdown) here")
    arguments = parser.parse_args()
    if arguments.setups and (unknown := set(arguments.setups.split(",")) - SETUPS.keys()):
        sys.exit(f"unknown set-ups {', '.join(sorted(unknown))}: choose from {', '.join(SETUPS)}")
    product = Product(arguments.checkout)
    plan = plans(arguments)
    began = time.monotonic()
    print(
        f"{len(plan)} rows, product code {product.checkout}/src at {product.commit()}",
        flush=True,
    )
    rows: list[Row] = []
    work = Path(tempfile.mkdtemp(prefix="ignacio-bench-capacity-"))
    serial = 0
    failed: list[str] = []
    print("\n".join(HEADER), flush=True)
    try:
        with Receiver() as receiver, fake_model(arguments.delay) as model_url:
            for row_plan in plan:
                configure(model_url, delay=row_plan.delay, hold=False)
                if SETUPS[row_plan.setup].database:
                    server = served(row_plan, model_url, receiver.url, work, product)
                else:
                    server = bare(model_url, receiver.url, product)
                try:
                    with server as (base, pids):
                        row = measure(
                            row_plan,
                            base,
                            pids,
                            receiver,
                            model_url,
                            serial,
                            work if row_plan.kind in arguments.profile.split(",") else None,
                        )
                except Exception as error:  # one failed row does not lose the others
                    print(f"| {row_plan.label} | failed: {error!r} |", flush=True)
                    failed.append(f"{row_plan.label}: failed, {error!r}")
                    serial += row_plan.count
                    continue
                finally:
                    configure(model_url, hold=False)
                serial += row.sent
                rows.append(row)
                print(line(row), flush=True)
                if row.profile:
                    print(f"\npy-spy, {row_plan.label}:", *row.profile, "", sep="\n", flush=True)
    finally:
        if any(SETUPS[p.setup].database == "postgres" for p in plan):
            drop_postgres_database(POSTGRES_NAME)
        shutil.rmtree(work, ignore_errors=True)
    took = time.monotonic() - began
    load = os.getloadavg()
    profiles = [
        text
        for row in rows
        if row.profile
        for text in ["", f"py-spy, {row.plan.label}:", *row.profile]
    ]
    section = "\n".join(
        [
            "## Answering capacity (a model taking its time)",
            "",
            f"Product code {product.commit()}; {len(rows)} rows in {took / 60:.1f} min; load "
            f"average at the end {load[0]:.1f}, {load[1]:.1f}, {load[2]:.1f} on "
            f"{os.cpu_count()} cores. Signed webhooks from {SENDERS} senders in turn, each a "
            "new text; a fake OpenAI-compatible model (bench/fake_model.py) and a fake Graph "
            "API (bench/graph_receiver.py), each in its own process. A fresh server and "
            "database per row. Wait: webhook sent -> answer received, every message counted "
            "(those still waiting at the row's end with their wait so far: `>=`). Answered/s "
            "after: during the drain (held rows: from the release). CPU: Ignacio's processes "
            "(with their children) and PostgreSQL's backends of the benchmark's database, per "
            "answered message, over the row. Bursts and pacing off except in the row saying "
            "default bursts and pacing. Baseline: bench/bare_answerer.py, the same HTTP "
            "exchanges and nothing else.",
            "",
            *HEADER,
            *(line(row) for row in rows),
            *(["", *(f"- {text}" for text in failed)] if failed else []),
            *profiles,
            "",
        ]
    )
    print(section)
    print(f"took {took / 60:.1f} min")
    if arguments.output:
        arguments.output.write_text(section)


if __name__ == "__main__":
    main()
