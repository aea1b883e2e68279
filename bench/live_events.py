"""Live updates: how soon a member's WhatsApp message reaches an open inbox, and how many events
one process fans out to 200 open inboxes, next to a bare SSE endpoint in the same run.

(a) Latency. `ignacio serve` on a fresh PostgreSQL database (WhatsApp Cloud channel pointed at a
local fake of the Graph API, offline assistant); an admin's team stream
(`/workspaces/default/events`) is open; signed webhooks, each from a new member, are sent at a
fixed rate (open loop). A message's latency is from sending its POST to its `message` event
arriving on the stream (the member's conversation id ties the two: the inbox, read afterwards,
names each conversation's member). Three set-ups: one process (the in-process queue); two
processes on the same database (the procrastinate queue, both serving and working), the stream
on the process the webhooks go to; and the stream on the other process, which hears of the
message through PostgreSQL's NOTIFY.

(b) Fan-out. 200 team streams open on one `ignacio serve`; this script stores events into
`workspace_events` as a unit of work's commit does (the rows and their NOTIFY in one statement,
`SqlEventLog.flush`'s), one statement every 10 ms on a connection of its own, at a fixed rate,
for a few seconds (`synchronous_commit = off` on that database: the producer's disk is not what
is measured). Every client counts what it receives; the first one reads each event's
`messageId` (a counter) for its lag from the moment it was handed over (before the statement
that stores it; for the bare app, before the POST). Beside it, in the same run, a bare Litestar
app (this file, `--bare-server PORT`: no database, no authentication, a queue per client, each
push encoded once) is pushed the same events at the same rate over HTTP. Per rate: what the
producer managed, what each client received per second over the run, the lag, how many clients
got every event, how many were let go, and the server's CPU (its process and children, from
/proc) per 1,000 events fanned out to all the clients. Numbers only, no pass/fail.

    .venv/bin/python bench/live_events.py [--messages 300] [--rate 20] [--clients 200]
        [--rates 1000,2000,4000,8000] [--seconds 5] [--output section.md]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import msgspec
import psycopg
import uvicorn
from litestar import Litestar, get, post
from litestar.response import Stream

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from settle import cpu_seconds
from tests.support.fake_graph import FakeGraph, inbound_text
from webhook_ingest import (
    ADMIN_URL,
    APP_SECRET,
    IGNACIO_SCHEMA,
    ROOT,
    drop_postgres_database,
    free_port,
    ignacio,
    percentile,
    postgres_database,
    server_variables,
    wait_healthy,
)

from ignacio.adapters.procrastinate_queue import apply_schema, conninfo_from_url
from ignacio.adapters.whatsapp_cloud import sign

ADMIN = "+34600000001"
TEAM = "/workspaces/default/events"
MESSAGE_FRAME = b"\nevent: message\n"
IN_FLIGHT = 8


# (a) From a webhook to the inbox.


def create_admin(database_url: str, graph_url: str, data_dir: Path) -> None:
    environment = {**os.environ, **server_variables(database_url, graph_url, data_dir)}
    subprocess.run(
        [
            sys.executable,
            "-m",
            "ignacio.entrypoints",
            "users",
            "create",
            "--admin",
            "--phone",
            ADMIN,
        ],
        env=environment,
        cwd=data_dir,
        check=True,
        capture_output=True,
    )


async def log_in(base: str, graph: FakeGraph) -> dict[str, str]:
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        sent = len(graph.messages)
        (await client.post("/auth/request-otp", json={"phoneNumber": ADMIN})).raise_for_status()
        deadline = time.monotonic() + 30
        while len(graph.messages) <= sent:
            if time.monotonic() > deadline:
                raise RuntimeError("no login code")
            await asyncio.sleep(0.01)
        code = graph.messages[-1].parameters[0]
        tokens = await client.post("/auth/verify-otp", json={"phoneNumber": ADMIN, "code": code})
        tokens.raise_for_status()
        return {"Authorization": f"Bearer {tokens.json()['accessToken']}"}


async def member_messages(
    stream_base: str, headers: dict[str, str]
) -> AsyncIterator[tuple[str, float]]:
    """(conversation id, arrival time) of each member's `message` event on a team stream."""
    async with (
        httpx.AsyncClient(base_url=stream_base, timeout=httpx.Timeout(30, read=None)) as client,
        client.stream("GET", TEAM, headers=headers) as response,
    ):
        response.raise_for_status()
        kind = ""
        async for line in response.aiter_lines():
            if line.startswith("event: "):
                kind = line[7:]
            elif line.startswith("data: ") and kind == "message":
                data = json.loads(line[6:])
                if data["author"] == "member":
                    yield data["conversationId"], time.monotonic()
            elif line == "":
                if kind == "ready":
                    yield "", time.monotonic()
                kind = ""


async def webhook_latency(
    post_base: str,
    stream_bases: list[str],
    headers: dict[str, str],
    count: int,
    rate: float,
    prefix: str,
) -> list[dict[str, float]]:
    """Milliseconds from each webhook's POST to its message on each of the streams (one per
    base, all open at once: the same messages, measured on each), by conversation."""
    arrivals: list[dict[str, float]] = [{} for _ in stream_bases]
    opened = [asyncio.Event() for _ in stream_bases]

    async def listen(number: int) -> None:
        async for conversation, at in member_messages(stream_bases[number], headers):
            if not conversation:
                opened[number].set()
                continue
            arrivals[number][conversation] = at

    listeners = [asyncio.create_task(listen(number)) for number in range(len(stream_bases))]
    for event in opened:
        await asyncio.wait_for(event.wait(), 30)
    sent: dict[str, float] = {}
    async with httpx.AsyncClient(base_url=post_base, timeout=30) as client:

        async def one(index: int) -> None:
            sender = f"{prefix}{index:07d}"
            body = inbound_text(
                sender, "Is anyone there?", message_id=f"wamid.L{prefix}{index:09d}"
            )
            headers_ = {
                "Content-Type": "application/json",
                "X-Hub-Signature-256": sign(body, APP_SECRET),
            }
            sent["+" + sender] = time.monotonic()
            (
                await client.post("/webhooks/whatsapp", content=body, headers=headers_)
            ).raise_for_status()

        started = time.monotonic()
        tasks = []
        for index in range(count):
            await asyncio.sleep(max(0.0, started + index / rate - time.monotonic()))
            tasks.append(asyncio.create_task(one(index)))
        await asyncio.gather(*tasks)
        for _ in range(6000):  # a minute at most for the last ones
            if all(len(arrived) >= count for arrived in arrivals):
                break
            await asyncio.sleep(0.01)
        else:
            raise RuntimeError("some messages never reached a stream")
        for listener in listeners:
            listener.cancel()
        await asyncio.gather(*listeners, return_exceptions=True)
        members: dict[str, str] = {}
        cursor: str | None = None
        while True:
            params: dict[str, Any] = {"limit": 100} | ({"cursor": cursor} if cursor else {})
            page = (
                await client.get("/workspaces/default/inbox", params=params, headers=headers)
            ).json()
            for line in page["items"]:
                members[line["id"]] = line["member"]["phoneNumber"]
            cursor = page.get("nextCursor")
            if not cursor:
                break
    return [
        {
            conversation: (at - sent[members[conversation]]) * 1000
            for conversation, at in arrived.items()
        }
        for arrived in arrivals
    ]


def latency_rows(
    work: Path, graph: FakeGraph, graph_url: str, count: int, rate: float
) -> list[str]:
    rows = []

    def row(setup: str, latencies: list[float]) -> None:
        text = (
            f"| {setup} | {len(latencies)} | {rate:g}/s | {statistics.median(latencies):.1f} "
            f"| {percentile(latencies, 0.99):.1f} | {max(latencies):.1f} |"
        )
        print(text, flush=True)
        rows.append(text)

    name = f"ignacio_bench_live_{os.getpid()}"
    # Each webhook from a new member: a toll-free North American number per run (+1 8xx).
    for queue, prefix, warm_up in (
        ("inprocess", "1833", "1800"),
        ("procrastinate", "1844", "1888"),
    ):
        url = postgres_database(name)
        try:
            apply_schema(conninfo_from_url(url))
            data = work / f"one-{queue}"
            data.mkdir()
            create_admin(url, graph_url, data)
            with ignacio(url, graph_url, data, {"IGNACIO_QUEUE": queue}) as (base, _):
                headers = asyncio.run(log_in(base, graph))
                asyncio.run(webhook_latency(base, [base], headers, 5, rate, warm_up))
                (measured,) = asyncio.run(
                    webhook_latency(base, [base], headers, count, rate, prefix)
                )
                row(f"one process, {queue} queue", list(measured.values()))
        finally:
            drop_postgres_database(name)

    url = postgres_database(name)
    try:
        apply_schema(conninfo_from_url(url))
        shared = {"IGNACIO_QUEUE": "procrastinate"}
        first, second = work / "a", work / "b"
        first.mkdir()
        second.mkdir()
        create_admin(url, graph_url, first)
        with (
            ignacio(url, graph_url, first, shared) as (a, _),
            ignacio(url, graph_url, second, shared) as (b, _),
        ):
            headers = asyncio.run(log_in(a, graph))
            asyncio.run(webhook_latency(a, [a, b], headers, 5, rate, "1866"))  # warm up
            same, other = asyncio.run(webhook_latency(a, [a, b], headers, count, rate, "1855"))
            row(
                "two processes, procrastinate queue: stream on the one the webhooks reach",
                list(same.values()),
            )
            row("the same messages, on a stream on the other process", list(other.values()))
            later = [other[conversation] - same[conversation] for conversation in same]
            row("the other process's stream after the first's (difference)", later)
    finally:
        drop_postgres_database(name)
    return rows


# (b) Fan-out to 200 inboxes.


@dataclass
class Client:
    """One open stream, read as raw bytes: what it counts, and (the first) each event's lag."""

    frames: int = 0
    last_at: float = 0.0
    ended: bool = False
    lags: list[float] = field(default_factory=list)


async def open_client(
    port: int, path: str, headers: dict[str, str], client: Client, sent: dict[int, float] | None
) -> asyncio.Task[None]:
    """Connect and send the request; a task reading the stream until it ends."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=1 << 20)
    lines = [f"GET {path} HTTP/1.1", "Host: 127.0.0.1", *(f"{k}: {v}" for k, v in headers.items())]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    if b" 200 " not in head.split(b"\r\n", 1)[0]:
        raise RuntimeError(head.decode(errors="replace"))

    async def read() -> None:
        tail = b""
        try:
            while chunk := await reader.read(1 << 16):
                text = tail + chunk
                client.frames += text.count(MESSAGE_FRAME)
                client.last_at = time.monotonic()
                if sent is not None:
                    # Sampled: an id cut in two by the network is skipped.
                    for part in chunk.split(b'"messageId":"')[1:]:
                        if len(part) >= 36:
                            number = UUID(part[:36].decode()).int
                            if number in sent:
                                client.lags.append((client.last_at - sent[number]) * 1000)
                # A frame's marker cut in two by the network is counted with the next read;
                # shorter than the marker, the tail never holds one counted already.
                tail = text[-(len(MESSAGE_FRAME) - 1) :]
        finally:
            client.ended = True
            writer.close()

    return asyncio.create_task(read())


@dataclass
class Outcome:
    target: float
    pushed: float  # events per second the producer managed
    delivered: float  # events per second each client received, over the run
    cpu_ms: float  # the server's CPU per 1,000 events (each to every client)
    lag_p50: float
    lag_p99: float
    complete: int  # clients that received every event
    let_go: int  # clients whose stream ended


async def fan_out(
    port: int,
    pid: int,
    path: str,
    headers: dict[str, str],
    clients: int,
    rate: float,
    seconds: float,
    push: Any,
    tick: float,
) -> Outcome:
    """Open `clients` streams, push `rate` events a second for `seconds` through `push(batch)`
    (counters, one call every 10 ms, up to `IN_FLIGHT` at once so that a slow commit does not
    hold the next back), and see what the clients got and what it cost the server `pid`."""
    sent: dict[int, float] = {}
    readers = [Client() for _ in range(clients)]
    tasks = [
        await open_client(port, path, headers, reader, sent if number == 0 else None)
        for number, reader in enumerate(readers)
    ]
    await asyncio.sleep(1.0)  # every stream open and idle
    total = int(rate * seconds)
    per_tick = rate * tick
    gate = asyncio.Semaphore(IN_FLIGHT)
    pushing: list[asyncio.Task[None]] = []

    async def one(batch: list[int]) -> None:
        async with gate:
            at = time.monotonic()
            for number in batch:
                sent[number] = at
            await push(batch)

    cpu_before = cpu_seconds(pid)
    started = time.monotonic()
    counter = 0
    owed = 0.0
    while counter < total:
        owed += per_tick
        batch = list(range(counter + 1, min(total, counter + int(owed)) + 1))
        owed -= len(batch)
        counter += len(batch)
        if batch:
            pushing.append(asyncio.create_task(one(batch)))
        await asyncio.sleep(max(0.0, started + (counter / rate) - time.monotonic()))
    await asyncio.gather(*pushing)
    pushed_at = time.monotonic()
    for _ in range(200):  # 10 s at most for the last events to arrive
        if all(c.frames >= total or c.ended for c in readers):
            break
        await asyncio.sleep(0.05)
    last = max((c.last_at for c in readers), default=pushed_at)
    cpu = cpu_seconds(pid) - cpu_before
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    complete = sum(c.frames >= total for c in readers)
    received = statistics.median([c.frames for c in readers])
    lags = readers[0].lags or [float("nan")]
    return Outcome(
        target=rate,
        pushed=total / (pushed_at - started),
        delivered=received / (last - started) if last > started else 0.0,
        cpu_ms=cpu * 1000 / total * 1000,
        lag_p50=statistics.median(lags),
        lag_p99=percentile(lags, 0.99),
        complete=complete,
        let_go=sum(c.ended and c.frames < total for c in readers),
    )


# What SqlEventLog.flush writes at a commit (the rows and their NOTIFY), in one statement on a
# connection of the producer's own: the bench process also reads 200 streams, and the producer
# must not be what falls behind.
_STORE = """
WITH inserted AS (
    INSERT INTO workspace_events (workspace_id, conversation_id, member_id, kind, data, created_at)
    SELECT %(workspace)s, %(conversation)s, %(member)s, 'message', data, now()
    FROM unnest(%(data)s::jsonb[]) AS data
    RETURNING workspace_id
)
SELECT pg_notify(current_schema() || '_events', (SELECT workspace_id::text FROM inserted LIMIT 1))
"""


async def ignacio_fan_out(
    base_port: int,
    pid: int,
    headers: dict[str, str],
    database_url: str,
    member: UUID,
    workspace: UUID,
    clients: int,
    rate: float,
    seconds: float,
    tick: float,
) -> Outcome:
    async with await psycopg.AsyncConnection.connect(
        conninfo_from_url(database_url), autocommit=True, options=IGNACIO_SCHEMA
    ) as connection:

        async def push(batch: list[int]) -> None:
            data = [msgspec.json.encode(event_data(number)).decode() for number in batch]
            await connection.execute(
                _STORE,
                {
                    "workspace": workspace,
                    "conversation": UUID(int=1),
                    "member": member,
                    "data": data,
                },
            )

        return await fan_out(base_port, pid, TEAM, headers, clients, rate, seconds, push, tick)


def event_data(number: int) -> dict[str, str]:
    """What a `message` event says, its `messageId` the counter."""
    return {
        "conversationId": str(UUID(int=1)),
        "messageId": str(UUID(int=number)),
        "author": "member",
    }


async def bare_fan_out(
    port: int, pid: int, clients: int, rate: float, seconds: float, tick: float
) -> Outcome:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:

        async def push(batch: list[int]) -> None:
            frames = [(number, event_data(number)) for number in batch]
            (await client.post("/push", json=frames)).raise_for_status()

        return await fan_out(port, pid, "/events", {}, clients, rate, seconds, push, tick)


@contextmanager
def bare_server() -> Iterator[tuple[int, int]]:
    port = free_port()
    process = subprocess.Popen([sys.executable, __file__, "--bare-server", str(port)], cwd=ROOT)
    try:
        wait_healthy(f"http://127.0.0.1:{port}/health", process)
        yield port, process.pid
    finally:
        process.terminate()
        process.wait(timeout=30)


_bare_queues: set[asyncio.Queue[bytes]] = set()


@get("/health")
async def bare_health() -> dict[str, str]:
    return {"status": "ok"}


@post("/push", status_code=204)
async def bare_push(data: list[tuple[int, dict[str, str]]]) -> None:
    frame = b"".join(
        b"id: %d\nevent: message\ndata: %s\n\n" % (number, msgspec.json.encode(payload))
        for number, payload in data
    )
    for queue in _bare_queues:
        queue.put_nowait(frame)


async def _bare_frames() -> AsyncIterator[bytes]:
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    _bare_queues.add(queue)
    try:
        yield b"retry: 2000\n\n"
        while True:
            chunk = await queue.get()
            while not queue.empty():
                chunk += queue.get_nowait()
            yield chunk
    finally:
        _bare_queues.discard(queue)


@get("/events")
async def bare_events() -> Stream:
    return Stream(_bare_frames(), media_type="text/event-stream")


def serve_bare(port: int) -> None:
    """The baseline: a bare Litestar app streaming to each client what `/push` is given, encoded
    once for all of them, a queue per client, no database, no authentication."""
    app = Litestar([bare_health, bare_push, bare_events], logging_config=None)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def fan_out_rows(
    work: Path,
    graph: FakeGraph,
    graph_url: str,
    clients: int,
    loads: list[tuple[float, float]],
    seconds: float,
) -> list[str]:
    """A row per (rate, tick) of `loads`: events per second, pushed every `tick` seconds."""
    rows = []
    name = f"ignacio_bench_fanout_{os.getpid()}"
    url = postgres_database(name)
    # The producer's commits are not what is measured: they need not wait for the disk (the
    # server only reads here, and NOTIFY is delivered at commit all the same).
    with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
        connection.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
    try:
        data = work / "fan-out"
        data.mkdir()
        create_admin(url, graph_url, data)
        with (
            ignacio(url, graph_url, data, {"IGNACIO_EVENT_STREAMS": str(clients + 10)}) as (
                base,
                pid,
            ),
            bare_server() as (bare_port, bare_pid),
        ):
            headers = asyncio.run(log_in(base, graph))
            me = httpx.get(f"{base}/users/me", headers=headers).json()
            workspace = UUID(httpx.get(f"{base}/workspaces/default", headers=headers).json()["id"])
            member = UUID(me["id"])
            port = int(base.rsplit(":", 1)[1])
            for rate, tick in loads:
                ours = asyncio.run(
                    ignacio_fan_out(
                        port, pid, headers, url, member, workspace, clients, rate, seconds, tick
                    )
                )
                theirs = asyncio.run(
                    bare_fan_out(bare_port, bare_pid, clients, rate, seconds, tick)
                )
                pushes = "one event each" if rate * tick <= 1 else f"every {tick * 1000:g} ms"
                text = (
                    f"| {pushes} | {rate:g} | {ours.pushed:.0f} | {ours.delivered:.0f} "
                    f"| {ours.lag_p50:.1f} | {ours.lag_p99:.1f} | {ours.complete}/{clients} "
                    f"| {ours.let_go} | {ours.cpu_ms:.0f} "
                    f"| {theirs.pushed:.0f} | {theirs.delivered:.0f} | {theirs.lag_p50:.1f} "
                    f"| {theirs.lag_p99:.1f} | {theirs.complete}/{clients} | {theirs.cpu_ms:.0f} |"
                )
                print(text, flush=True)
                rows.append(text)
    finally:
        drop_postgres_database(name)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--rate", type=float, default=20.0, help="webhooks per second")
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument(
        "--rates", default="1000,2000,4000,8000,16000", help="events/s, pushed every 10 ms"
    )
    parser.add_argument(
        "--single-rates", default="250,500,1000,2000", help="events/s, pushed one at a time"
    )
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--skip-latency", action="store_true")
    parser.add_argument("--skip-fan-out", action="store_true")
    parser.add_argument("--output", type=Path, help="also write the section (Markdown) here")
    parser.add_argument("--bare-server", type=int, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.bare_server:
        serve_bare(arguments.bare_server)
        return
    work = Path(tempfile.mkdtemp(prefix="ignacio-bench-live-"))
    graph = FakeGraph()
    latency: list[str] = []
    fanned: list[str] = []
    try:
        with graph.serve() as graph_url:
            if not arguments.skip_latency:
                latency = latency_rows(work, graph, graph_url, arguments.messages, arguments.rate)
            if not arguments.skip_fan_out:
                loads = [
                    (float(rate), 1 / float(rate))
                    for rate in arguments.single_rates.split(",")
                    if rate
                ] + [(float(rate), 0.01) for rate in arguments.rates.split(",") if rate]
                fanned = fan_out_rows(
                    work, graph, graph_url, arguments.clients, loads, arguments.seconds
                )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    section = "\n".join(
        [
            "## Live updates (PostgreSQL)",
            "",
            "### From a member's WhatsApp message to an open inbox",
            "",
            "| set-up | messages | rate | p50 ms | p99 ms | max ms |",
            "|---|---|---|---|---|---|",
            *latency,
            "",
            f"### Fan-out to {arguments.clients} open inboxes, next to a bare SSE endpoint",
            "",
            "| pushed | target events/s | Ignacio: pushed/s | received/s per client | lag p50 ms "
            "| lag p99 ms | clients with every event | let go | CPU ms per 1,000 events "
            "| bare: pushed/s | received/s per client | lag p50 ms | lag p99 ms "
            "| clients with every event | CPU ms per 1,000 events |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
            *fanned,
            "",
        ]
    )
    print(section)
    if arguments.output:
        arguments.output.write_text(section)


if __name__ == "__main__":
    main()
