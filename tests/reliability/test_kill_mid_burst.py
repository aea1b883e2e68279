"""Drill 1: `ignacio serve` is killed with SIGKILL while it works through a burst of 300 WhatsApp
messages, then started again on the same database. No message is lost and none is answered
twice. On SQLite with the in-process queue, the restart queues what was left pending; on
PostgreSQL with the shared queue, the jobs the dead process was running stay locked until the
sweep finds them stalled (no heartbeat for 30 s) and releases them, so that run takes longer.

What "answered exactly once" can mean after SIGKILL: an answer is claimed in the database just
before it goes to WhatsApp, so a process killed between the claim and recording the result
leaves a send whose fate nobody knows (Meta may or may not have it). ProcessInbound does not
send such a part again, and records it as failed with INTERRUPTED: at most once, never twice.
So the drill asserts that every message is answered at most once, and that every message whose
send was not cut off that way is answered exactly once; it also reports how many were.

To be sure some sends are cut off, the fake Graph API holds the next two answers unanswered
once the process has sent `KILL_AFTER`, and the process is killed while they wait; released,
the fake accepts them (Meta got them), so those two members must have their answer once, not
a second time after the restart. Other sends in flight are cut wherever the kill finds them.

Meta keeps re-sending a delivery until it gets a 200; the drill does the same for the deliveries
the dying process never acknowledged.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

from ignacio.application.use_cases.process_inbound import INTERRUPTED
from tests.reliability.harness import (
    STOPPED_CLEANLY,
    acknowledged,
    deliver,
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

BURST = 300
KILL_AFTER = 40  # answers sent before the kill: well into the burst, far from its end
HELD = 2
DELIVERY_INTERVAL = 0.02


def wamid(number: int) -> str:
    return f"wamid.KILL{number:06d}"


def body(number: int) -> bytes:
    return inbound_text(sender(number), f"Question {number}", message_id=wamid(number))


async def test_killed_mid_burst_every_message_is_answered_once_at_most(
    database: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    database_url, settings = database
    # Latency keeps a few more sends in flight at any moment, for the kill to cut.
    graph = FakeGraph(latency=0.03)
    port = free_port()
    bodies = [body(number) for number in range(BURST)]

    with graph.serve() as graph_url:
        environment = ignacio_environment(
            database_url=database_url,
            graph_url=graph_url,
            data_dir=tmp_path / "data",
            **settings,
        )
        with ignacio_serve(environment, tmp_path / "first.log", port) as first:
            # Spread over a few seconds, so that the kill also cuts deliveries being received.
            burst = asyncio.create_task(
                deliver(f"http://127.0.0.1:{port}", bodies, interval=DELIVERY_INTERVAL)
            )
            await wait_for(
                lambda: len(graph.messages) >= KILL_AFTER,
                "the first answers",
                within=60,
                processes=[first],
            )
            graph.hold(HELD, kind="text")
            await wait_for(
                lambda: len(graph.held) == HELD, "sends in flight", within=60, processes=[first]
            )
            held = graph.held
            first.kill()
            answered_before_kill = len(graph.messages)
            graph.release()
            responses = await burst
        assert answered_before_kill < BURST, "the kill came after the burst was done"

        with ignacio_serve(environment, tmp_path / "second.log", port) as second:
            unacknowledged = [
                delivery
                for delivery, response in zip(bodies, responses, strict=True)
                if not acknowledged(response)
            ]
            delivered = await deliver_until_acknowledged(f"http://127.0.0.1:{port}", unacknowledged)
            await wait_for(
                lambda: pending_count(database_url) == 0,
                "every message processed",
                within=150,
                processes=[first, second],
            )
            if settings:
                # Left: only the dead process's jobs, marked failed when they were released.
                await wait_for(
                    lambda: set(job_statuses(database_url)) <= {"failed"},
                    "the queue to drain",
                    within=30,
                    processes=[second],
                )
            # Once a message is done nothing sends for it again: what the fake has is final.
            assert second.stop() in STOPPED_CLEANLY, second.output()[-3000:]

    stored = inbound_messages(database_url)
    assert sorted(stored) == sorted(wamid(number) for number in range(BURST))
    assert all(message.processing == "done" for message in stored.values())
    assert all(message.answers == 1 for message in stored.values())

    interrupted = {
        key
        for key, message in stored.items()
        if any(title == INTERRUPTED for _, title in message.parts)
    }
    answers = Counter(message.to for message in graph.messages)
    receipts = marks_read(graph.read_receipts)
    wamid_of = {sender(number): wamid(number) for number in range(BURST)}
    for recipient in held:
        # Cut off in flight, accepted by Meta all the same: answered, and not a second time.
        assert recipient is not None
        assert wamid_of[recipient] in interrupted, recipient
        assert answers[recipient] == 1, recipient
    for number in range(BURST):
        message = stored[wamid(number)]
        expected = {0, 1} if wamid(number) in interrupted else {1}
        assert answers[sender(number)] in expected, (number, message, answers[sender(number)])
        if wamid(number) not in interrupted:
            assert [status for status, _ in message.parts] == ["sent"], message
        # The read receipt goes with a message's first run; a run cut short by the kill may have
        # lost it, and it is not repeated (a second one would do no good).
        expected = {1} if message.processing_attempts == 1 else {0, 1}
        assert receipts[wamid(number)] in expected, (number, message)
    assert set(answers) <= {sender(number) for number in range(BURST)}
    assert all(message.type == "text" for message in graph.messages)

    rerun = sum(message.processing_attempts > 1 for message in stored.values())
    reached = sum(answers[recipient] for recipient, key in wamid_of.items() if key in interrupted)
    print(
        f"\nkilled after {answered_before_kill} answers; {len(unacknowledged)} deliveries "
        f"unacknowledged and sent again ({delivered.refused} refused again after the "
        f"restart); {rerun} messages resumed; "
        f"{len(interrupted)} sends interrupted mid-flight and not repeated ({reached} had "
        f"reached WhatsApp); 500s and failed jobs (retried): first process "
        f"{server_errors(first)}, second {server_errors(second)}"
        + (f"; stalled jobs released: {len(job_statuses(database_url))}" if settings else "")
    )
