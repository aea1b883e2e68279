"""Bursts: WhatsApp messages sent per 100 member messages sent in bursts, and the answer latency
the quiet period adds.

One `ignacio serve` on SQLite (WhatsApp Cloud channel, offline assistant answering at once, the
in-process queue) with a local fake of the Graph API (tests/support/fake_graph.py) on 127.0.0.1,
run twice in the same run: first with `IGNACIO_BURST_QUIET_SECONDS=0` (each message answered on
its own, the baseline, "before"), then with the default quiet period and maximum wait. Each
member sends a burst of three messages, the gaps drawn between `--gap-min` and `--gap-max`
seconds (a person typing), the members' bursts starting spread over a few seconds. Counted:
the texts the fake received per 100 member messages; the latency from a member's last message
(its POST) to the last answer they received, p50 and p99, in both runs; what the quiet period
adds is the difference. Numbers only, no pass/fail.

    .venv/bin/python bench/bursts.py [--members 40] [--output section.md]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import httpx
from tests.support.fake_graph import FakeGraph, inbound_text
from webhook_ingest import APP_SECRET, ignacio, percentile

from ignacio.adapters.sql import upgrade_database
from ignacio.adapters.whatsapp_cloud import sign

IN_A_ROW = 3


async def bursts(
    url: str, graph: FakeGraph, members: int, gaps: tuple[float, float], prefix: str, seed: int
) -> tuple[int, list[float]]:
    """Each member sends a burst; the texts sent back, and each member's milliseconds from
    their last message to the last answer they got."""
    rng = random.Random(seed)
    last_sent: dict[str, float] = {}
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:

        async def member(index: int) -> None:
            sender = f"{prefix}{index:07d}"
            await asyncio.sleep(rng.uniform(0, 3))
            for n in range(IN_A_ROW):
                if n:
                    await asyncio.sleep(rng.uniform(*gaps))
                body = inbound_text(
                    sender, f"Part {n} of my question", message_id=f"wamid.B{prefix}{index:07d}{n}"
                )
                headers = {
                    "Content-Type": "application/json",
                    "X-Hub-Signature-256": sign(body, APP_SECRET),
                }
                last_sent[sender] = time.monotonic()
                response = await client.post("/webhooks/whatsapp", content=body, headers=headers)
                response.raise_for_status()

        await asyncio.gather(*(member(index) for index in range(members)))
    # Every member answered (at least once), and then a quiet while for any late answer.
    deadline = time.monotonic() + 60
    while {m.to for m in graph.messages if m.type == "text"} & last_sent.keys() != set(last_sent):
        if time.monotonic() > deadline:
            raise RuntimeError("some members were never answered")
        await asyncio.sleep(0.05)
    await asyncio.sleep(3)
    texts = [m for m in graph.messages if m.type == "text" and m.to in last_sent]
    answered: dict[str, float] = {}
    for message in texts:
        answered[message.to] = max(answered.get(message.to, 0.0), message.at)
    latencies = [(answered[sender] - at) * 1000 for sender, at in last_sent.items()]
    return len(texts), latencies


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--members", type=int, default=40)
    parser.add_argument("--gap-min", type=float, default=0.3)
    parser.add_argument("--gap-max", type=float, default=1.5)
    parser.add_argument("--output", type=Path, help="also write the section (Markdown) here")
    arguments = parser.parse_args()
    sent = arguments.members * IN_A_ROW
    gaps = (arguments.gap_min, arguments.gap_max)
    rows: list[str] = []
    work = Path(tempfile.mkdtemp(prefix="ignacio-bench-bursts-"))
    graph = FakeGraph()
    try:
        with graph.serve() as graph_url:
            for label, quiet, prefix in (
                ("each on its own (quiet 0)", "0", "1555"),
                ("bursts (quiet 2 s, max 8 s)", "2", "1666"),
            ):
                data_dir = work / prefix
                data_dir.mkdir()
                url = f"sqlite+aiosqlite:///{data_dir / 'ignacio.db'}"
                upgrade_database(url)
                graph.reset()
                extra = {
                    "IGNACIO_BURST_QUIET_SECONDS": quiet,
                    "IGNACIO_BURST_MAX_WAIT_SECONDS": "8",
                }
                with ignacio(url, graph_url, data_dir, extra) as (base, _pid):
                    texts, latencies = asyncio.run(
                        bursts(base, graph, arguments.members, gaps, prefix, seed=7)
                    )
                row = (
                    f"| {label} | {sent} | {texts} | {100 * texts / sent:.0f} "
                    f"| {statistics.median(latencies):.0f} | {percentile(latencies, 0.99):.0f} |"
                )
                rows.append(row)
                print(row, flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    section = "\n".join(
        [
            "## One answer per burst",
            "",
            f"{arguments.members} members each send {IN_A_ROW} WhatsApp messages in a row "
            f"({gaps[0]:g} to {gaps[1]:g} s apart) to one `ignacio serve` on SQLite (offline "
            "assistant answering at once); first with batching off, then with the default "
            "quiet period (2 s) and maximum wait (8 s). Texts: what the local fake Graph API "
            "received. Latency: from a member's last message to the last answer they received.",
            "",
            "| answered | member messages | texts sent | per 100 | p50 ms | p99 ms |",
            "|---|---|---|---|---|---|",
            *rows,
            "",
        ]
    )
    print(section)
    if arguments.output:
        arguments.output.write_text(section)


if __name__ == "__main__":
    main()
