"""Drill 2: Meta delivers every message three times (it retries whenever it is unsure a delivery
arrived), the copies interleaved with other messages' and some arriving at the same instant.
Each message is stored once and answered once, on SQLite (in-process queue) and on PostgreSQL
(the shared procrastinate queue)."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

from tests.reliability.harness import (
    STOPPED_CLEANLY,
    deliver_until_acknowledged,
    free_port,
    ignacio_environment,
    ignacio_serve,
    inbound_messages,
    job_statuses,
    marks_read,
    pending_count,
    sender,
    server_errors,
    wait_for,
)
from tests.support.fake_graph import FakeGraph, inbound_text

MESSAGES = 100
COPIES = 3


def wamid(number: int) -> str:
    return f"wamid.TWICE{number:06d}"


def delivery_order(seed: int = 2) -> list[int]:
    """Which message each delivery carries: a third of the messages have their copies one after
    the other (sent concurrently, so they race), the rest are shuffled among everything else."""
    rng = random.Random(seed)
    racing = [[number] * COPIES for number in range(0, MESSAGES, 3)]
    spread = [number for number in range(MESSAGES) if number % 3 for _ in range(COPIES)]
    rng.shuffle(spread)
    order = spread
    for triple in racing:
        at = rng.randrange(len(order) + 1)
        order = order[:at] + triple + order[at:]
    return order


async def test_every_delivery_three_times_one_message_and_one_answer_each(
    database: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    database_url, settings = database
    graph = FakeGraph(latency=0.01)
    port = free_port()
    bodies = {
        number: inbound_text(sender(number), f"Question {number}", message_id=wamid(number))
        for number in range(MESSAGES)
    }
    order = delivery_order()
    assert Counter(order) == {number: COPIES for number in range(MESSAGES)}

    with graph.serve() as graph_url:
        environment = ignacio_environment(
            database_url=database_url,
            graph_url=graph_url,
            data_dir=tmp_path / "data",
            **settings,
        )
        with ignacio_serve(environment, tmp_path / "serve.log", port) as server:
            delivered = await deliver_until_acknowledged(
                f"http://127.0.0.1:{port}", [bodies[number] for number in order], concurrency=12
            )
            receipts = [answer.json() for answer in delivered.answers]
            await wait_for(
                lambda: pending_count(database_url) == 0,
                "every message processed",
                within=90,
                processes=[server],
            )
            if settings:
                # A sweep may queue a message just before its job ends; that job finds it done.
                await wait_for(
                    lambda: job_statuses(database_url) == [],
                    "the queue to drain",
                    within=30,
                    processes=[server],
                )
            assert server.stop() in STOPPED_CLEANLY, server.output()[-3000:]

    # Each copy is acknowledged as a delivery of one message; storing them de-duplicates.
    assert [receipt["messages"] for receipt in receipts] == [1] * (MESSAGES * COPIES)
    stored = inbound_messages(database_url)
    assert sorted(stored) == sorted(wamid(number) for number in range(MESSAGES))
    for message in stored.values():
        assert message.processing == "done", message
        assert (message.answers, message.parts) == (1, (("sent", None),)), message

    answers = Counter(message.to for message in graph.messages)
    assert answers == Counter(sender(number) for number in range(MESSAGES))
    read = marks_read(graph.read_receipts)
    if server_errors(server) == 0:
        assert read == Counter(wamid(number) for number in range(MESSAGES))
    else:
        # A run that failed unexpectedly (say SQLite busy past its timeout) before its read
        # receipt is retried without one: the receipt is best effort, never sent twice.
        assert set(read.values()) <= {1} and set(read) <= {wamid(n) for n in range(MESSAGES)}
    print(
        f"\n{len(order)} deliveries; {delivered.refused} refused and sent again; 500s and failed "
        f"jobs (retried): {server_errors(server)}"
    )
