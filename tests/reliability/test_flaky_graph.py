"""Drill 3: the Graph API refuses 30% of the answers Ignacio sends, with 500, 503, or 429 and a
Retry-After. Every answer is delivered, once, and no send to a member comes before the
Retry-After it was given had passed.

The fake records when each request arrived and when it was answered, on one clock; a retry is
early if it arrived before the refusal's answer time plus its Retry-After. No tolerance: both
times come from the same monotonic clock, and the bound is the provider's.

Read receipts are spared (they are best effort and never retried, so a refused one is simply
lost, by design), and a member's answer is let through after three refusals in a row: with the
real retry policy (backoff from one second, doubling, at most six attempts) that bounds the
drill's length and guarantees every answer gets through, whatever order the sends come in.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from tests.reliability.harness import (
    STOPPED_CLEANLY,
    deliver_until_acknowledged,
    free_port,
    ignacio_environment,
    ignacio_serve,
    inbound_messages,
    marks_read,
    pending_count,
    sender,
    server_errors,
    wait_for,
)
from tests.support.databases import migrated_sqlite
from tests.support.fake_graph import FakeGraph, Fault, inbound_text

MESSAGES = 80
FAULTS = (
    Fault(500, 1),
    Fault(503, 2),
    # Longer than the first backoffs (0.5 to 2 s), so that it is the Retry-After that is obeyed.
    Fault(429, 130429, retry_after=2),
    Fault(429, 130429, retry_after=3),
)


def wamid(number: int) -> str:
    return f"wamid.FLAKY{number:06d}"


async def test_every_answer_delivered_and_no_retry_before_retry_after(tmp_path: Path) -> None:
    graph = FakeGraph(latency=0.01)
    graph.set_failure_rate(0.3, seed=3, faults=FAULTS, kinds={"text"}, max_consecutive=3)
    database_url = await migrated_sqlite(tmp_path)
    port = free_port()
    bodies = [
        inbound_text(sender(number), f"Question {number}", message_id=wamid(number))
        for number in range(MESSAGES)
    ]

    with graph.serve() as graph_url:
        environment = ignacio_environment(
            database_url=database_url, graph_url=graph_url, data_dir=tmp_path / "data"
        )
        with ignacio_serve(environment, tmp_path / "serve.log", port) as server:
            delivered = await deliver_until_acknowledged(f"http://127.0.0.1:{port}", bodies)
            await wait_for(
                lambda: pending_count(database_url) == 0,
                "every message processed",
                within=90,
                processes=[server],
            )
            assert server.stop() in STOPPED_CLEANLY, server.output()[-3000:]

    sends = [attempt for attempt in graph.attempts if attempt.kind == "text"]
    refused = Counter(attempt.status for attempt in sends if not attempt.accepted)
    assert refused[429] and (refused[500] or refused[503]), refused  # the drill drilled
    assert graph.retry_after_violations() == []

    answers = Counter(message.to for message in graph.messages)
    assert answers == Counter(sender(number) for number in range(MESSAGES))
    read = marks_read(graph.read_receipts)
    if server_errors(server) == 0:
        assert read == Counter(wamid(number) for number in range(MESSAGES))
    else:
        # A run that failed unexpectedly (say SQLite busy past its timeout) before its read
        # receipt is retried without one: the receipt is best effort, never sent twice.
        assert set(read.values()) <= {1} and set(read) <= {wamid(n) for n in range(MESSAGES)}
    stored = inbound_messages(database_url)
    assert sorted(stored) == sorted(wamid(number) for number in range(MESSAGES))
    for message in stored.values():
        assert message.processing == "done", message
        assert (message.answers, message.parts) == (1, (("sent", None),)), message

    margins = []
    for index, refusal in enumerate(sends):
        following = [later for later in sends[index + 1 :] if later.to == refusal.to]
        if refusal.retry_after is not None and following and following[0].received_at:
            margins.append(following[0].received_at - refusal.at - refusal.retry_after)
    print(
        f"\n{len(sends)} sends, refused {dict(refused)}; {len(margins)} retries after a "
        f"Retry-After, the soonest {min(margins, default=0):.3f} s after it had passed; "
        f"{delivered.refused} webhook deliveries refused and sent again; 500s and failed jobs "
        f"(retried): {server_errors(server)}"
    )
