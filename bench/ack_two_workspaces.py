"""What workspaces cost a webhook's acknowledgement: this checkout with two workspaces, each
owning a WhatsApp number, against a checkout from before workspaces, A B B A.

The workspaces issue's measure: "the p99 of a webhook acknowledgement with two workspaces next to
today's (scoping must not cost more than 10%)". Both sides acknowledge only, as the last section
of bench/webhook_ingest.py does (PostgreSQL queue, IGNACIO_RUN_WORKER=false: the serving process
verifies the signature, counts the items, keeps the delivery in the webhook inbox and asks for a
drain; nothing is stored or answered), each one `ignacio serve` with its own checkout's
`.venv/bin/python`, on a new database per side and round.

- now (this checkout): the default workspace owns the deployment's number
  (WHATSAPP_PHONE_NUMBER_ID); a second workspace is created and given another Cloud API number
  through ConnectChannel, as its admin's `POST /workspaces/{ref}/channels` does: the provider
  (a second local fake of the Graph API, which only that number's token opens) accepts the
  credentials, and they are sealed with the deployment's IGNACIO_PHONE_KEY. The deliveries go
  half to each number (Meta's `entry[].changes[].value.metadata.phone_number_id`).
- before (`--baseline`, e.g. ffecd89, the last commit without workspaces): the same deliveries,
  all to its one number.

Before measuring, one delivery to each number goes through this checkout's full pipeline (worker
on) and must be answered from the number it was sent to: the second number really routes to the
second workspace. PostgreSQL's own log (`--postgres-log`, skipped if unreadable) then gives the
statements per acknowledgement for each number, on each side. Then, round after round, the sides in turn (A B, B A, ...): a fixed rate for
p50/p99 and saturation for req/s, each after the 1-minute load average is under 1.0 (polled
every 10 s, at most 20 minutes, then measured anyway and flagged), with the serving process's CPU
per request and PostgreSQL transactions per request (`pg_stat_database`). Prints every row, then
medians and ratios (now / before). Numbers only, no pass/fail.

    .venv/bin/python bench/ack_two_workspaces.py --baseline /work/wt-ack-before
        [--rounds 4] [--duration 20] [--rate 500]

The baseline checkout needs its own environment (`scripts/bootstrap` there).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # for tests.support

from settle import cpu_seconds  # noqa: E402
from tests.support.fake_graph import DEFAULT_PHONE_NUMBER_ID, FakeGraph, inbound_text  # noqa: E402
from tests.support.served import serve_in_thread  # noqa: E402
from webhook_ingest import (  # noqa: E402
    ADMIN_URL,
    APP_SECRET,
    CONNECTIONS,
    THREADS,
    Bodies,
    drop_postgres_database,
    ignacio,
    postgres_database,
    server_variables,
    wrk,
)

from ignacio.adapters.whatsapp_cloud import sign  # noqa: E402
from ignacio.application.use_cases.create_user import CreateUserCommand  # noqa: E402
from ignacio.application.use_cases.manage_workspaces import CreateWorkspaceCommand  # noqa: E402
from ignacio.application.use_cases.workspace_channels import ConnectChannelCommand  # noqa: E402
from ignacio.domain.channels import CloudApiCredentials  # noqa: E402
from ignacio.entrypoints.config import Settings  # noqa: E402
from ignacio.entrypoints.runtime import command_container  # noqa: E402

SIDES = ("before", "now")
SECOND_NUMBER_ID = "2233445566778"  # as long as the default one: the bodies weigh the same
SECOND_TOKEN = "bench-second-workspace-token"
ACK_ONLY = {
    "IGNACIO_QUEUE": "procrastinate",
    "IGNACIO_RUN_WORKER": "false",
    "IGNACIO_AUTO_MIGRATE": "true",
}
QUIET_POLL_SECONDS = 10
QUIET_LIMIT_SECONDS = 20 * 60
STATS_FLUSH_SECONDS = 11  # an idle backend reports its counts within 10 s (PostgreSQL 15)


@contextmanager
def graph_api(graphs: list[FakeGraph]) -> Iterator[str]:
    """One local Graph API for several fakes: a request goes to the fake whose access token it
    carries (the first one's otherwise), as Meta answers each token for its own numbers."""
    by_token = {graph.access_token.encode(): graph.app for graph in graphs}

    async def app(scope: Any, receive: Any, send: Any) -> None:
        token = dict(scope.get("headers", ())).get(b"authorization", b"").partition(b" ")[2]
        await by_token.get(token, graphs[0].app)(scope, receive, send)

    with serve_in_thread(app, "the fake Graph API server") as base_url:
        yield base_url


async def give_second_workspace_a_number(variables: Mapping[str, str]) -> None:
    """A platform admin creates workspace `second` and connects SECOND_NUMBER_ID to it."""
    async with command_container(Settings.from_variables(variables)) as container:
        admin = await container.create_user()(
            None, CreateUserCommand(phone="+34600000001", name="Bench admin", is_admin=True)
        )
        await container.create_workspace()(
            None, CreateWorkspaceCommand(name="Second clinic", slug="second")
        )
        await container.connect_channel()(
            admin,
            "second",
            ConnectChannelCommand(
                credentials=CloudApiCredentials(
                    phone_number_id=SECOND_NUMBER_ID, access_token=SECOND_TOKEN
                ),
                label="bench",
            ),
        )


def now_database(name: str, graph_url: str, data_dir: Path) -> str:
    url = postgres_database(name)
    asyncio.run(give_second_workspace_a_number(server_variables(url, graph_url, data_dir)))
    return url


def deliver(base: str, sender: str, number: str) -> None:
    """One signed delivery of a new text from `sender` to the business number `number`."""
    body = inbound_text(sender, "Which workspace am I in?", phone_number_id=number)
    httpx.post(
        base + "/webhooks/whatsapp",
        content=body,
        headers={"Content-Type": "application/json", "X-Hub-Signature-256": sign(body, APP_SECRET)},
    ).raise_for_status()


def statements(
    side: str, python: str, graph_url: str, work: Path, log: Path, count: int = 50
) -> dict[str, float]:
    """Statements per acknowledgement, by number, from PostgreSQL's own log: a database of its
    own with `log_statement = 'all'`, `count` deliveries one at a time to each of the side's
    numbers. Not timed (logging every statement slows them)."""
    name = f"ignacio_bench_ack_{side}_statements"
    data_dir = work / name
    data_dir.mkdir()
    url = (
        now_database(name, graph_url, data_dir)
        if side == "now"
        else postgres_database(name, migrate=False)
    )
    with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
        connection.execute(f"ALTER DATABASE \"{name}\" SET log_statement = 'all'")
    per_delivery = {}
    try:
        with ignacio(url, graph_url, data_dir, ACK_ONLY, python=python) as (base, _):
            numbers = [DEFAULT_PHONE_NUMBER_ID] + ([SECOND_NUMBER_ID] if side == "now" else [])
            for index, number in enumerate(numbers):
                time.sleep(1)
                start = log.stat().st_size
                for serial in range(count):
                    deliver(base, f"1557{index}{serial:06d}", number)
                    time.sleep(0.05)  # past the drain asks' 20 ms throttle: one ask each
                time.sleep(1)
                with log.open("rb") as lines:
                    lines.seek(start)
                    logged = [
                        line
                        for line in lines.read().decode(errors="replace").splitlines()
                        if f"@{name} LOG:  " in line
                        and ("statement: " in line or "execute " in line)
                    ]
                per_delivery[number] = len(logged) / count
    finally:
        drop_postgres_database(name)
    return per_delivery


def check_routing(graph_url: str, home: FakeGraph, second: FakeGraph, work: Path) -> None:
    """One delivery to each number through this checkout's full pipeline: each must be answered
    from the number it was sent to."""
    data_dir = work / "routing"
    data_dir.mkdir()
    try:
        url = now_database("ignacio_bench_ack_routing", graph_url, data_dir)
        with ignacio(url, graph_url, data_dir) as (base, _):
            senders = {DEFAULT_PHONE_NUMBER_ID: "15559000001", SECOND_NUMBER_ID: "15559000002"}
            for number, sender in senders.items():
                deliver(base, sender, number)
            deadline = time.monotonic() + 30
            while not (
                home.texts_to(senders[DEFAULT_PHONE_NUMBER_ID])
                and second.texts_to(senders[SECOND_NUMBER_ID])
            ):
                if time.monotonic() > deadline:
                    raise RuntimeError("a delivery was not answered from the number it was sent to")
                time.sleep(0.1)
            assert not home.texts_to(senders[SECOND_NUMBER_ID])
            assert not second.texts_to(senders[DEFAULT_PHONE_NUMBER_ID])
        print("routing check: each number's delivery answered from that number", flush=True)
    finally:
        drop_postgres_database("ignacio_bench_ack_routing")


def wait_for_quiet(quiet_load: float) -> tuple[float, bool]:
    """Wait until the 1-minute load average is under `quiet_load`; returns it, and whether the
    wait gave up (measured anyway)."""
    deadline = time.monotonic() + QUIET_LIMIT_SECONDS
    while (load := os.getloadavg()[0]) >= quiet_load:
        if time.monotonic() > deadline:
            return load, True
        time.sleep(QUIET_POLL_SECONDS)
    return load, False


def transactions(name: str) -> int:
    with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
        row = connection.execute(
            "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = %s", (name,)
        ).fetchone()
    assert row is not None
    return int(row[0])


def measure(
    base: str, pid: int, name: str, bodies: Path, duration: int, rate: int, quiet_load: float
) -> dict[str, float]:
    load, forced = wait_for_quiet(quiet_load)
    used, committed = cpu_seconds(pid), transactions(name)
    result = wrk(base + "/webhooks/whatsapp", bodies, duration, rate)
    result["cpu"] = (cpu_seconds(pid) - used) * 1000 / max(result["requests"], 1)
    time.sleep(STATS_FLUSH_SECONDS)
    result["xacts"] = (transactions(name) - committed) / max(result["requests"], 1)
    result["load"] = load
    result["forced"] = float(forced)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--baseline", type=Path, required=True, help="the other checkout")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--duration", type=int, default=20, help="seconds per row")
    parser.add_argument("--rate", type=int, default=500, help="the fixed rate (req/s)")
    parser.add_argument(
        "--postgres-log",
        type=Path,
        default=Path("/var/log/postgresql/postgresql-15-main.log"),
        help="PostgreSQL's log, for counting statements (skipped if unreadable)",
    )
    parser.add_argument(
        "--quiet-load", type=float, default=1.0, help="1-minute load average to wait for"
    )
    arguments = parser.parse_args()
    # Stopped with SIGTERM (or SIGINT), it still stops its server and drops its databases.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk")
    python = {
        "before": str(arguments.baseline.resolve() / ".venv" / "bin" / "python"),
        "now": sys.executable,
    }
    loads = {"paced": arguments.rate, "saturation": 0}
    work = Path(tempfile.mkdtemp(prefix="ignacio-bench-ack-"))
    home = FakeGraph()
    second = FakeGraph(
        access_token=SECOND_TOKEN, phone_number_id=SECOND_NUMBER_ID, first_message_number=500_000
    )
    # The same deliveries for both sides, to both numbers (now) or to its one number (before).
    numbers = {
        "before": (DEFAULT_PHONE_NUMBER_ID,),
        "now": (DEFAULT_PHONE_NUMBER_ID, SECOND_NUMBER_ID),
    }
    files: dict[tuple[str, str], Path] = {}
    for side in SIDES:
        (work / side).mkdir()
        bodies = Bodies(work / side)
        files[side, "paced"] = bodies.write(
            arguments.rate * arguments.duration + 1000, numbers=numbers[side]
        )
        files[side, "saturation"] = bodies.write(3000 * arguments.duration, numbers=numbers[side])

    results: dict[tuple[str, str], list[dict[str, float]]] = {}
    try:
        with graph_api([home, second]) as graph_url:
            check_routing(graph_url, home, second, work)
            if os.access(arguments.postgres_log, os.R_OK):
                for side in SIDES:
                    for number, per in statements(
                        side, python[side], graph_url, work, arguments.postgres_log
                    ).items():
                        print(
                            f"{side:6} | delivery to {number} | {per:.2f} statements "
                            "per acknowledgement, one at a time",
                            flush=True,
                        )
            for round_number in range(arguments.rounds):
                order = SIDES if round_number % 2 == 0 else SIDES[::-1]
                for side in order:
                    name = f"ignacio_bench_ack_{side}"
                    data_dir = work / f"data-{side}-{round_number}"
                    data_dir.mkdir()
                    url = (
                        now_database(name, graph_url, data_dir)
                        if side == "now"
                        else postgres_database(name, migrate=False)
                    )
                    with ignacio(url, graph_url, data_dir, ACK_ONLY, python=python[side]) as (
                        base,
                        pid,
                    ):
                        for load, rate in loads.items():
                            result = measure(
                                base,
                                pid,
                                name,
                                files[side, load],
                                arguments.duration,
                                rate,
                                arguments.quiet_load,
                            )
                            results.setdefault((side, load), []).append(result)
                            print(
                                f"round {round_number + 1} {side:6} | {load:10} | "
                                f"{result['rps']:.0f} req/s | p50 {result['p50']:.2f} | "
                                f"p99 {result['p99']:.2f} | max {result['max']:.1f} | "
                                f"errors {int(result['errors'])} | "
                                f"{result['cpu']:.3f} CPU ms/req | "
                                f"{result['xacts']:.2f} xact/req | load {result['load']:.2f}"
                                + (
                                    f" (went ahead: never under {arguments.quiet_load})"
                                    if result["forced"]
                                    else ""
                                ),
                                flush=True,
                            )
                    drop_postgres_database(name)
    finally:
        for side in SIDES:
            drop_postgres_database(f"ignacio_bench_ack_{side}")
        shutil.rmtree(work, ignore_errors=True)

    def median(side: str, load: str, key: str) -> float:
        return statistics.median(r[key] for r in results[side, load])

    print(
        f"\nmedians of {arguments.rounds} rounds, {arguments.duration} s per row, wrk {THREADS} "
        f"threads, {CONNECTIONS} connections; ratio now / before"
    )
    print(
        "| load | req/s before | req/s now | ratio | p50 ms before | p50 ms now | ratio "
        "| p99 ms before | p99 ms now | ratio | CPU ms/req before | CPU ms/req now | ratio "
        "| xact/req before | xact/req now | errors before | errors now |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for load, rate in loads.items():
        cells = [f"{rate}/s" if rate else "saturation"]
        for key, digits in (("rps", 0), ("p50", 2), ("p99", 2), ("cpu", 3)):
            before, now = median("before", load, key), median("now", load, key)
            cells += [f"{before:.{digits}f}", f"{now:.{digits}f}", f"{now / before:.2f}"]
        cells += [f"{median(side, load, 'xacts'):.2f}" for side in SIDES]
        cells += [f"{median(side, load, 'errors'):.0f}" for side in SIDES]
        print("| " + " | ".join(cells) + " |")
    forced = sum(int(r["forced"]) for rows in results.values() for r in rows)
    every = [r["load"] for rows in results.values() for r in rows]
    print(
        f"1-minute load average when each row started: {min(every):.2f}-{max(every):.2f}"
        + (
            f"; {forced} rows measured after 20 minutes above {arguments.quiet_load}"
            if forced
            else ""
        )
    )


if __name__ == "__main__":
    main()
