"""Reads at scale: `GET /conversations` and message pages with 1,000 concurrent connections.

Seeds a fresh PostgreSQL database with bench/seed_scale.py (10,000 members in two workspaces,
a membership each, and 1,000,000 messages by default, by COPY), starts one `ignacio serve` on
it (IGNACIO_API_RATE_LIMIT=0, IGNACIO_LOG_LEVEL=WARNING) and loads it with wrk
(bench/paced.lua, -c1000), each request made with one of the members' access tokens, all of
them in turn:

- `GET /health` at saturation (the process's floor);
- `GET /conversations?limit=20`, the member's list;
- `GET /conversations/{id}/messages?limit=50`, the newest page, and the page before a cursor in
  the middle of the conversation;

each at a fixed rate spread over the 1,000 connections and at saturation. The serving process's
resident memory (VmRSS, VmHWM from /proc) is read before the load and sampled during it. The
database is dropped at the end. Numbers only, no pass/fail.

    .venv/bin/python bench/scale_reads.py [--members 10000] [--messages 1000000]
        [--connections 1000] [--rates 50] [--duration 20] [--output section.md]
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import httpx
from seed_scale import (
    DEFAULT_MEMBERS,
    DEFAULT_MESSAGES,
    Seeded,
    create_database,
    drop_database,
    seed,
    server_environment,
)
from webhook_ingest import ignacio, wrk

THREADS = 2


def raise_open_files(needed: int) -> None:
    """Let this process and its children (wrk, the server) hold `needed` sockets."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < needed:
        sys.exit(f"ulimit -n allows {hard} files at most; {needed} are needed")
    if soft == resource.RLIM_INFINITY or soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def memory_mb(pid: int, field: str) -> float:
    """VmRSS or VmHWM of a process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


@contextmanager
def sampled_rss(pid: int, every: float = 0.1) -> Iterator[list[float]]:
    """The process's VmRSS every `every` seconds while the block runs."""
    samples: list[float] = []
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(every):
            samples.append(memory_mb(pid, "VmRSS"))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield samples
    finally:
        stop.set()
        sampler.join()


def settle(base: str) -> None:
    """Wait until the server has worked through what the last run left queued (wrk closes its
    connections at the end, but requests already read are still answered): until /health
    answers in under 20 ms three times running."""
    deadline = time.monotonic() + 120
    quick = 0
    with httpx.Client(base_url=base, timeout=30) as client:
        while quick < 3 and time.monotonic() < deadline:
            started = time.perf_counter()
            with suppress(httpx.TransportError):
                client.get("/health")
            quick = quick + 1 if time.perf_counter() - started < 0.02 else 0
            time.sleep(0.1)


def check(base: str, path: str, token: str) -> None:
    """One request of a scenario, so that a load of errors is not mistaken for a result."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = httpx.get(base + path, headers=headers, timeout=30)
    if response.status_code != 200:
        raise RuntimeError(f"{path}: {response.status_code} {response.text[:300]}")


Scenario = tuple[Path, tuple[str, str]]  # the Lua file, and one (path, token) of it


def items(directory: Path, name: str, requests: list[tuple[str, str]]) -> Scenario:
    """A Lua file for paced.lua: authenticated GETs (paths and tokens are URL- and Lua-safe)."""
    target = directory / f"{name}.lua"
    lines = ["return {"]
    lines += [
        f'{{"{path}", "", "", "{token}"}},' if token else f'{{"{path}", "", ""}},'
        for path, token in requests
    ]
    lines.append("}")
    target.write_text("\n".join(lines))
    return target, requests[len(requests) // 2]


def scenarios(seeded: Seeded, directory: Path) -> dict[str, Scenario]:
    members = seeded.members
    return {
        "GET /health": items(directory, "health", [("/health", "")]),
        "GET /conversations?limit=20": items(
            directory,
            "conversations",
            [("/conversations?limit=20", m.access_token) for m in members],
        ),
        "messages, newest page (limit=50)": items(
            directory,
            "first-page",
            [
                (f"/conversations/{c}/messages?limit=50", m.access_token)
                for m in members
                for c in m.conversations
            ],
        ),
        "messages, page before a cursor mid-history (limit=50)": items(
            directory,
            "deep-page",
            [
                (f"/conversations/{c}/messages?limit=50&cursor={cursor}", m.access_token)
                for m in members
                for c, cursor in zip(m.conversations, m.cursors, strict=False)
            ],
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--members", type=int, default=DEFAULT_MEMBERS)
    parser.add_argument("--messages", type=int, default=DEFAULT_MESSAGES)
    parser.add_argument("--conversations-per-member", type=int, default=2)
    parser.add_argument("--connections", type=int, default=1000)
    parser.add_argument("--rates", default="50", help="fixed rates (req/s), besides saturation")
    parser.add_argument("--duration", type=int, default=20, help="seconds per row")
    parser.add_argument("--keep", action="store_true", help="leave the database in place")
    parser.add_argument("--output", type=Path, help="also write the section (Markdown) here")
    arguments = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk")
    raise_open_files(2 * arguments.connections + 200)
    rates = [int(rate) for rate in arguments.rates.split(",") if rate] + [0]

    work = Path(tempfile.mkdtemp(prefix="ignacio-bench-scale-"))
    name = create_database()
    try:
        seeded = seed(
            name, arguments.members, arguments.messages, arguments.conversations_per_member
        )
        print(
            f"seeded {arguments.members:,} members, {arguments.messages:,} messages by COPY "
            f"in {seeded.seconds:.1f} s",
            flush=True,
        )
        files = scenarios(seeded, work)
        data_dir = work / "data"
        data_dir.mkdir()
        rows: list[str] = []
        # The Graph API is never called here (no webhooks); a closed loopback port stands in.
        with ignacio(seeded.url, "http://127.0.0.1:9", data_dir, server_environment()) as (
            base,
            pid,
        ):
            idle = memory_mb(pid, "VmRSS")
            for scenario, (path, sample) in files.items():
                check(base, *sample)
                for rate in [0] if scenario == "GET /health" else rates:
                    settle(base)
                    with sampled_rss(pid) as samples:
                        result = wrk(
                            base + "/",
                            path,
                            arguments.duration,
                            rate,
                            connections=arguments.connections,
                            threads=THREADS,
                        )
                    peak = max(samples, default=float("nan"))
                    row = (
                        f"| {scenario} | {f'{rate}/s' if rate else 'saturation'} "
                        f"| {result['rps']:.0f} | {result['p50']:.1f} | {result['p99']:.1f} "
                        f"| {result['max']:.0f} | {int(result['errors'])} | {peak:.0f} |"
                    )
                    rows.append(row)
                    print(row, flush=True)
            high_water = memory_mb(pid, "VmHWM")
    finally:
        if not arguments.keep:
            drop_database(name)
        shutil.rmtree(work, ignore_errors=True)

    section = "\n".join(
        [
            "## Reads at scale (PostgreSQL)",
            "",
            f"{arguments.members:,} members in two workspaces (a membership each), "
            f"{arguments.conversations_per_member} conversations each, {arguments.messages:,} messages spread evenly over them (seeded by COPY in "
            f"{seeded.seconds:.0f} s); one `ignacio serve` process; wrk with {THREADS} threads and "
            f"{arguments.connections:,} connections, {arguments.duration} s per row, each request "
            f"with the access token of one of {len(seeded.members):,} members in turn. A fixed "
            "rate is spread over all the connections (each waits 0.5-1.5x its share, 0-1x before "
            "its first request); wrk measures from the moment it sends, so queueing behind a "
            "slow response is not counted in "
            "paced rows (no coordinated-omission correction). Errors: non-2xx/3xx, timeouts "
            "(10 s) and socket errors.",
            "",
            "| request | load | req/s | p50 ms | p99 ms | max ms | errors | peak RSS MB |",
            "|---|---|---|---|---|---|---|---|",
            *rows,
            "",
            f"Serving process memory: {idle:.0f} MB resident before the load, "
            f"{high_water:.0f} MB at its highest (VmHWM).",
            "",
        ]
    )
    print(section)
    if arguments.output:
        arguments.output.write_text(section)


if __name__ == "__main__":
    main()
