"""What scoping reads by workspace costs: this checkout against one from before it, A B B A.

Seeds one database with bench/seed_scale.py (two workspaces, a membership per member), copies it
(`CREATE DATABASE ... TEMPLATE`, the same rows in the same pages and the same statistics) and
takes the copy down to the other checkout's schema head, so both servers read the same data.
Then, round after round, starts one `ignacio serve` per side in turn (this checkout's, and the
other's with its own `.venv/bin/python`), waits until it is idle, and loads it with wrk exactly
as bench/scale_reads.py does (bench/paced.lua, 1,000 connections, each request with one of the
members' access tokens in turn): `GET /conversations?limit=20`, the newest page of messages, and
the page before a cursor in the middle of the conversation, each at a fixed rate and at
saturation. The order of the two sides flips every round (A B, B A, ...), so that a drift of
the machine's load falls on both. Prints every row, with the serving process's CPU time per
request (what contention for the cores changes least), then the medians per side with the ratio
(scoped / before). Numbers only, no pass/fail. Both databases are dropped at the end.

    .venv/bin/python bench/scope_cost.py --baseline /work/wt-prescope [--members 10000]
        [--messages 1000000] [--rounds 4] [--duration 15] [--rates 50] [--connections 1000]

The baseline checkout needs its own environment (`scripts/bootstrap` there), e.g. for the commit
before reads were scoped: `git worktree add ../wt-prescope 5116ea7`.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import psycopg
from alembic import command
from scale_reads import THREADS, check, raise_open_files, scenarios, settle
from seed_scale import (
    ADMIN_URL,
    DEFAULT_MEMBERS,
    DEFAULT_MESSAGES,
    create_database,
    database_urls,
    drop_database,
    seed,
    server_environment,
)
from settle import cpu_seconds
from webhook_ingest import ignacio, wrk

from ignacio.adapters.sql.migrate import alembic_config

SIDES = ("before", "scoped")


def baseline_head(python: str) -> str:
    """The schema head the baseline checkout's code expects."""
    completed = subprocess.run(
        [
            python,
            "-c",
            "from ignacio.adapters.sql.migrate import head_revision; print(head_revision())",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return completed.stdout.strip()


def copy_database(template: str, revision: str) -> str:
    """A copy of `template` at schema `revision` (a downgrade by this checkout's migrations)."""
    name = f"{template}_before"
    with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    command.downgrade(alembic_config(database_urls(name)[0]), revision)
    return name


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--baseline", type=Path, required=True, help="the other checkout")
    parser.add_argument("--members", type=int, default=DEFAULT_MEMBERS)
    parser.add_argument("--messages", type=int, default=DEFAULT_MESSAGES)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--duration", type=int, default=15, help="seconds per row")
    parser.add_argument("--rates", default="50", help="fixed rates (req/s), besides saturation")
    parser.add_argument("--connections", type=int, default=1000)
    arguments = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk")
    raise_open_files(2 * arguments.connections + 200)
    python = {
        "before": str(arguments.baseline.resolve() / ".venv" / "bin" / "python"),
        "scoped": sys.executable,
    }
    rates = [int(rate) for rate in arguments.rates.split(",") if rate] + [0]

    work = Path(tempfile.mkdtemp(prefix="ignacio-bench-scope-"))
    scoped = create_database()
    names = {"scoped": scoped}
    try:
        seeded = seed(scoped, arguments.members, arguments.messages)
        names["before"] = copy_database(scoped, baseline_head(python["before"]))
        print(
            f"seeded {arguments.members:,} members in 2 workspaces, {arguments.messages:,} "
            f"messages in {seeded.seconds:.1f} s; the baseline's copy is {names['before']}",
            flush=True,
        )
        files = {
            name: scenario
            for name, scenario in scenarios(seeded, work).items()
            if name != "GET /health"
        }
        results: dict[tuple[str, str, int], list[dict[str, float]]] = {}
        for round_number in range(arguments.rounds):
            order = SIDES if round_number % 2 == 0 else SIDES[::-1]
            for side in order:
                data_dir = work / f"data-{side}-{round_number}"
                data_dir.mkdir()
                with ignacio(
                    database_urls(names[side])[0],
                    "http://127.0.0.1:9",
                    data_dir,
                    server_environment(),
                    python=python[side],
                ) as (base, pid):
                    for scenario, (path, sample) in files.items():
                        check(base, *sample)
                        for rate in rates:
                            settle(base)
                            used = cpu_seconds(pid)
                            result = wrk(
                                base + "/",
                                path,
                                arguments.duration,
                                rate,
                                connections=arguments.connections,
                                threads=THREADS,
                            )
                            # CPU per request: what contention for the cores changes least.
                            result["cpu"] = (
                                (cpu_seconds(pid) - used) * 1000 / max(result["requests"], 1)
                            )
                            results.setdefault((scenario, side, rate), []).append(result)
                            print(
                                f"round {round_number + 1} {side:6} | {scenario} | "
                                f"{f'{rate}/s' if rate else 'saturation'} | "
                                f"{result['rps']:.0f} req/s | p50 {result['p50']:.1f} | "
                                f"p99 {result['p99']:.1f} | errors {int(result['errors'])} | "
                                f"{result['cpu']:.2f} CPU ms/request",
                                flush=True,
                            )
    finally:
        for name in names.values():
            drop_database(name)
        shutil.rmtree(work, ignore_errors=True)

    def median(scenario: str, side: str, rate: int, key: str) -> float:
        return statistics.median(r[key] for r in results[(scenario, side, rate)])

    lines = [
        "| request | load | req/s before | req/s scoped | ratio | p50 ms before | p50 ms scoped "
        "| ratio | p99 ms before | p99 ms scoped | ratio | CPU ms/req before | CPU ms/req scoped "
        "| ratio | errors before | errors scoped |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for scenario in files:
        for rate in rates:
            cells = [scenario, f"{rate}/s" if rate else "saturation"]
            for key, digits in (("rps", 0), ("p50", 1), ("p99", 1), ("cpu", 2)):
                before = median(scenario, "before", rate, key)
                after = median(scenario, "scoped", rate, key)
                cells += [f"{before:.{digits}f}", f"{after:.{digits}f}", f"{after / before:.2f}"]
            cells += [
                f"{median(scenario, side, rate, 'errors'):.0f}" for side in ("before", "scoped")
            ]
            lines.append("| " + " | ".join(cells) + " |")
    print(f"\nmedians of {arguments.rounds} rounds, {arguments.duration} s per row")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
