"""CPU and SQL statements per answered message, with an instant model (issue #20).

One `ignacio serve` (bench/counted_serve.py: the same server, its statements counted) on SQLite
or on PostgreSQL with procrastinate; a fake model answering at once (bench/fake_model.py); the
local fake Graph API. After one message answered as a warm-up, `--messages` signed webhooks from
`--senders` (100) are offered at `--rate` a second (above what one process answers, so it saturates)
and the run waits until every one is answered. Printed: answers/s, the serving process's CPU ms
per answered message (and PostgreSQL's backends' for this database), SQL statements per
answered message with the list, and with `--profile` py-spy's top frames over the load.

`--workers 1` adds an `ignacio worker`; `--busy 1` instead spins a process that does nothing but
burn CPU beside the one server: on a machine with few cores every process's work costs more CPU
when more processes than cores want to run (caches and cores shared), and that run shows how
much, apart from anything a second Ignacio process adds.

    .venv/bin/python bench/cpu_per_answer.py --database postgres [--messages 500] [--rate 80]
        [--workers 1 | --busy 1] [--profile] [--top 25]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx
import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import capacity  # noqa: E402
from capacity import CAPACITY, PROCRASTINATE, Receiver, bodies, offer, warm_up  # noqa: E402
from fake_model import KEY, fake_model, free_port  # noqa: E402
from settle import cpu_seconds, wait_until_idle  # noqa: E402
from webhook_ingest import (  # noqa: E402
    ADMIN_URL,
    drop_postgres_database,
    postgres_database,
    server_variables,
)

from ignacio.adapters.sql import upgrade_database  # noqa: E402

POSTGRES_NAME = f"ignacio_bench_cpu_{os.getpid()}"  # runs side by side do not share one


def backends_cpu(database: str) -> float:
    """CPU seconds of PostgreSQL's backends now connected to `database`."""
    with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
        pids = [
            row[0]
            for row in connection.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s", (database,)
            )
        ]
    return sum(cpu_seconds(pid) for pid in pids)


def healthy(url: str, process: subprocess.Popen[bytes], limit: float = 300) -> None:
    """As webhook_ingest.wait_healthy, with room for a start-up on a busy machine."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} did not come up")


def transactions(database: str) -> int:
    with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
        connection.execute("SELECT pg_stat_clear_snapshot()")
        row = connection.execute(
            "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = %s",
            (database,),
        ).fetchone()
    return int(row[0]) if row else 0


def top_frames(collapsed: Path, top: int) -> list[str]:
    """The functions most often on the stack (inclusive) and at its top (self), in % of samples."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        count = int(count_text)
        total += count
        frames = stack.split(";")
        for frame in set(frames):
            inclusive[frame] += count
        own[frames[-1]] += count
    lines = [f"samples: {total}", "", "inclusive:"]
    lines += [f"  {100 * n / total:5.1f}%  {frame}" for frame, n in inclusive.most_common(top)]
    lines += ["", "self:"]
    lines += [f"  {100 * n / total:5.1f}%  {frame}" for frame, n in own.most_common(top)]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", choices=["postgres", "sqlite"], default="postgres")
    # At most 10 a minute from one sender are answered (InboundLimits.per_phone): past that,
    # messages are stored and never answered, and the run would wait for them until its deadline.
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--rate", type=int, default=80)
    parser.add_argument(
        "--senders", type=int, default=100, help="who writes, in turn (each writes again)"
    )
    parser.add_argument("--concurrency", default="256", help="IGNACIO_WORKER_CONCURRENCY")
    parser.add_argument(
        "--workers",
        type=int,
        default=0,
        help="`ignacio worker` processes beside serve (PostgreSQL): CPU and statements summed",
    )
    parser.add_argument(
        "--serve-answers",
        choices=["yes", "no"],
        default="yes",
        help="no: serve only takes webhooks (IGNACIO_RUN_WORKER=false), the workers answer",
    )
    parser.add_argument(
        "--busy",
        type=int,
        default=0,
        help="processes spinning on the CPU over the load, doing nothing else: what sharing the "
        "cores costs each answer, to tell it from what a second Ignacio process costs",
    )
    parser.add_argument("--profile", action="store_true", help="py-spy over the load")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument(
        "--where", action="store_true", help="count statements apart by the code they come from"
    )
    parser.add_argument("--output", type=Path, help="also write the collapsed profile here")
    parser.add_argument(
        "--src", type=Path, default=ROOT / "src", help="the ignacio sources to serve (a baseline)"
    )
    arguments = parser.parse_args()

    capacity.SENDERS = arguments.senders
    work = Path(tempfile.mkdtemp(prefix="ignacio-bench-cpu-"))
    statements_file = work / "statements.json"
    graph = Receiver()
    if arguments.database == "postgres":
        url = postgres_database(POSTGRES_NAME)
        extra = {**CAPACITY, **PROCRASTINATE}
    else:
        url = f"sqlite+aiosqlite:///{work / 'ignacio.db'}"
        upgrade_database(url)
        extra = dict(CAPACITY)
    try:
        with graph, fake_model(0.0) as model_url:
            graph_url = graph.url
            port = free_port()
            environment = {
                **os.environ,
                **server_variables(url, graph_url, work),
                **extra,
                "IGNACIO_PORT": str(port),
                "IGNACIO_WORKER_CONCURRENCY": arguments.concurrency,
                "OPENAI_API_KEY": KEY,
                "IGNACIO_AI_BASE_URL": model_url,
                "IGNACIO_AI_API": "chat_completions",
                "IGNACIO_BENCH_STATEMENTS": str(statements_file),
                "IGNACIO_BENCH_WHERE": "1" if arguments.where else "0",
                "IGNACIO_RUN_WORKER": "true" if arguments.serve_answers == "yes" else "false",
                "PYTHONPATH": str(arguments.src.resolve()),
            }
            process = subprocess.Popen(
                [sys.executable, str(ROOT / "bench" / "counted_serve.py"), "serve"],
                env=environment,
                cwd=work,
            )
            base = f"http://127.0.0.1:{port}"
            workers: list[subprocess.Popen[bytes]] = []
            try:
                healthy(base + "/health", process)
                for number in range(arguments.workers):
                    workers.append(
                        subprocess.Popen(
                            [sys.executable, str(ROOT / "bench" / "counted_serve.py"), "worker"],
                            env={
                                **environment,
                                "IGNACIO_BENCH_STATEMENTS": f"{statements_file}.{number}",
                            },
                            cwd=work,
                        )
                    )
                processes = [process, *workers]
                for each in processes:
                    wait_until_idle(each.pid)
                warm_up(base, graph)
                time.sleep(1)
                graph.reset()
                for each in processes:
                    os.kill(each.pid, signal.SIGUSR2)
                time.sleep(0.2)
                is_pg = arguments.database == "postgres"
                xacts_before = transactions(POSTGRES_NAME) if is_pg else 0
                pg_before = backends_cpu(POSTGRES_NAME) if is_pg else 0.0
                cpu_before = [cpu_seconds(each.pid) for each in processes]
                spy = None
                collapsed = work / "profile.txt"
                if arguments.profile:
                    spy = subprocess.Popen(
                        [
                            str(ROOT / ".venv" / "bin" / "py-spy"),
                            "record",
                            "--nonblocking",
                            "--format",
                            "raw",
                            "--rate",
                            "200",
                            "--output",
                            str(collapsed),
                            "--pid",
                            str(process.pid),
                        ],
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                    )
                busy = [
                    subprocess.Popen([sys.executable, "-c", "while True: pass"])
                    for _ in range(arguments.busy)
                ]
                started = time.monotonic()
                sent, refused, _, _ = asyncio.run(
                    offer(base, arguments.rate, bodies(arguments.messages, 0))
                )
                deadline = time.monotonic() + 300
                while len(graph.answers().keys() & sent.keys()) < len(sent):
                    if time.monotonic() > deadline:
                        break
                    time.sleep(0.05)
                elapsed = time.monotonic() - started
                answered = len(graph.answers().keys() & sent.keys())
                for spinner in busy:
                    spinner.kill()
                    spinner.wait()
                if spy is not None:
                    spy.send_signal(signal.SIGINT)
                    spy.wait(timeout=60)
                each_cpu = [
                    cpu_seconds(each.pid) - before
                    for each, before in zip(processes, cpu_before, strict=True)
                ]
                cpu = sum(each_cpu)
                pg_cpu = backends_cpu(POSTGRES_NAME) - pg_before if is_pg else 0.0
                for each in processes:
                    os.kill(each.pid, signal.SIGUSR1)
                time.sleep(0.5)
                xacts = transactions(POSTGRES_NAME) - xacts_before if is_pg else 0
            finally:
                for each in (process, *workers):
                    each.terminate()
                for each in (process, *workers):
                    each.wait(timeout=30)
    finally:
        if arguments.database == "postgres":
            drop_postgres_database(POSTGRES_NAME)
    statements: Counter[str] = Counter(json.loads(statements_file.read_text()))
    for number in range(arguments.workers):
        statements.update(json.loads(Path(f"{statements_file}.{number}").read_text()))
    total = sum(statements.values())
    print(f"database: {arguments.database}; offered {len(sent)} at {arguments.rate}/s")
    if arguments.busy:
        print(f"beside the load: {arguments.busy} process(es) spinning on the CPU")
    print(f"refused: {sum(refused.values())}; answered {answered} in {elapsed:.1f} s")
    print(f"answers/s: {answered / elapsed:.1f}")
    who = "serve" + " + worker" * arguments.workers
    print(f"{who} CPU ms per answered message: {1000 * cpu / max(answered, 1):.2f}")
    if arguments.workers:
        shares = " + ".join(f"{1000 * each / max(answered, 1):.2f}" for each in each_cpu)
        print(f"  of which, process by process: {shares}")
    if arguments.database == "postgres":
        print(f"PostgreSQL backends' CPU ms per answered message: {1000 * pg_cpu / answered:.2f}")
        print(f"transactions per answered message (pg_stat_database): {xacts / answered:.2f}")
    print(f"statements per answered message: {total / max(answered, 1):.2f}")
    for text, count in sorted(statements.items(), key=lambda item: -item[1]):
        print(
            f"  {count / max(answered, 1):6.2f}  {text[:100]}{text[160:] if arguments.where else ''}"
        )
    if arguments.profile:
        print()
        print("\n".join(top_frames(collapsed, arguments.top)))
        if arguments.output:
            arguments.output.write_text(collapsed.read_text())


if __name__ == "__main__":
    main()
