"""Turn latency: from a signed WhatsApp webhook to the answer reaching the Graph API.

One `ignacio serve` (WhatsApp Cloud channel, offline assistant, the in-process queue) on a fresh
PostgreSQL database and on SQLite, with a local fake of the Graph API (tests/support/fake_graph.py)
on 127.0.0.1. A few hundred turns, each from a different member, are sent at a modest fixed rate
(open loop: each webhook leaves at its scheduled time, whether or not earlier ones have been
answered); a turn's latency is from the moment its POST is sent to the moment the fake receives
the answer. The assistant answers at once, so this is Ignacio's own overhead per turn: verify,
store, queue, build the answer, store it, send it. The serving process's resident memory is read
before and sampled during the turns. Numbers only, no pass/fail.

    .venv/bin/python bench/turn_latency.py [--turns 300] [--rate 10] [--output section.md]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import httpx
from scale_reads import memory_mb, sampled_rss
from seed_scale import create_database, database_urls, drop_database
from tests.support.fake_graph import FakeGraph, inbound_text
from webhook_ingest import APP_SECRET, ignacio, percentile

from ignacio.adapters.sql import upgrade_database
from ignacio.adapters.whatsapp_cloud import sign


async def turns(url: str, graph: FakeGraph, count: int, rate: float, prefix: str) -> list[float]:
    """Send `count` webhooks at `rate` per second; milliseconds from each send to its answer."""
    sent: dict[str, float] = {}
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:

        async def one(index: int) -> None:
            sender = f"{prefix}{index:07d}"
            body = inbound_text(
                sender, "How long does an answer take?", message_id=f"wamid.T{prefix}{index:09d}"
            )
            headers = {
                "Content-Type": "application/json",
                "X-Hub-Signature-256": sign(body, APP_SECRET),
            }
            sent[sender] = time.monotonic()
            response = await client.post("/webhooks/whatsapp", content=body, headers=headers)
            response.raise_for_status()

        started = time.monotonic()
        tasks = []
        for index in range(count):
            await asyncio.sleep(max(0.0, started + index / rate - time.monotonic()))
            tasks.append(asyncio.create_task(one(index)))
        await asyncio.gather(*tasks)
    deadline = time.monotonic() + 60
    while len({m.to for m in graph.messages if m.type == "text"} & sent.keys()) < len(sent):
        if time.monotonic() > deadline:
            raise RuntimeError("some answers never reached the fake Graph API")
        await asyncio.sleep(0.01)
    arrived: dict[str, float] = {}
    for message in graph.messages:
        if message.type == "text" and message.to in sent:
            arrived.setdefault(message.to, message.at)
    return [(arrived[sender] - at) * 1000 for sender, at in sent.items()]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--turns", type=int, default=300)
    parser.add_argument("--rate", type=float, default=10.0, help="turns per second")
    parser.add_argument("--output", type=Path, help="also write the section (Markdown) here")
    arguments = parser.parse_args()
    rows: list[str] = []
    work = Path(tempfile.mkdtemp(prefix="ignacio-bench-turns-"))
    name = create_database()
    graph = FakeGraph()
    try:
        with graph.serve() as graph_url:
            for database, prefix in (("postgres", "1777"), ("sqlite", "1888")):
                data_dir = work / database
                data_dir.mkdir()
                if database == "postgres":
                    url = database_urls(name)[0]
                else:
                    url = f"sqlite+aiosqlite:///{data_dir / 'ignacio.db'}"
                    upgrade_database(url)
                graph.reset()
                with ignacio(url, graph_url, data_dir) as (base, pid):
                    # One turn first, so that the first measured one pays no start-up costs.
                    asyncio.run(turns(base, graph, 1, 1.0, prefix[:-1] + "9"))
                    idle = memory_mb(pid, "VmRSS")
                    with sampled_rss(pid) as samples:
                        latencies = asyncio.run(
                            turns(base, graph, arguments.turns, arguments.rate, prefix)
                        )
                    high_water = memory_mb(pid, "VmHWM")
                row = (
                    f"| {database} | {len(latencies)} | {arguments.rate:g}/s "
                    f"| {statistics.median(latencies):.1f} | {percentile(latencies, 0.99):.1f} "
                    f"| {max(latencies):.1f} | {idle:.0f} | {max(samples, default=idle):.0f} "
                    f"| {high_water:.0f} |"
                )
                rows.append(row)
                print(row, flush=True)
    finally:
        drop_database(name)
        shutil.rmtree(work, ignore_errors=True)
    section = "\n".join(
        [
            "## Turn latency (webhook to answer)",
            "",
            "Signed WhatsApp webhooks, each a new member's message, sent at a fixed rate (open "
            "loop) to one `ignacio serve` (in-process queue, offline assistant answering at "
            "once); latency from sending the POST to the answer arriving at the local fake Graph "
            "API. RSS: the serving process before the turns, its highest sample during them, "
            "and VmHWM.",
            "",
            "| database | turns | rate | p50 ms | p99 ms | max ms | RSS before MB "
            "| RSS under load MB | VmHWM MB |",
            "|---|---|---|---|---|---|---|---|---|",
            *rows,
            "",
        ]
    )
    print(section)
    if arguments.output:
        arguments.output.write_text(section)


if __name__ == "__main__":
    main()
