"""Drill 7: Meta refuses for its rate limits. Members write several messages in a row; the Graph
API enforces a pair rate (3 messages to one person in any 2 s) and a throughput (10 a second),
refusing with 131056 and 130429 as Meta does, and refuses a fifth of the texts besides with
either code at random. Every answer is delivered, once: nothing lost, nothing sent twice, no
part given up.

Ignacio paces to the same pair rate (IGNACIO_WHATSAPP_PAIR_BURST=3, one every 0.5 s on
average, so 3 in any 2 s) and waits out every refusal without counting it. On SQLite one
process sends; on PostgreSQL two workers share the queue and count their turns together in
Redis, so that the refusals the enforcement makes stay few (printed: timing is not asserted).
"""

from __future__ import annotations

import asyncio
import secrets
from collections import Counter
from contextlib import ExitStack
from pathlib import Path

import pytest

from ignacio.adapters.ratelimit import LimitsRateLimiter
from tests.reliability.harness import (
    STOPPED_CLEANLY,
    deliver_until_acknowledged,
    free_port,
    ignacio_environment,
    ignacio_serve,
    ignacio_worker,
    inbound_messages,
    pending_count,
    registered_workers,
    sender,
    show,
    wait_for,
)
from tests.support.fake_graph import FakeGraph, Fault, inbound_text

MEMBERS = 8
EACH = 4
FAULTS = (Fault(400, 131056), Fault(400, 130429))
PACING = {
    "IGNACIO_WHATSAPP_PAIR_INTERVAL_SECONDS": "0.5",
    "IGNACIO_WHATSAPP_PAIR_BURST": "3",
    # Each message answered on its own: the drill is about many answers to one person, which
    # one answer per burst would fold into one (test_burst_crash.py drills bursts).
    "IGNACIO_BURST_QUIET_SECONDS": "0",
}


def wamid(member: int, k: int) -> str:
    return f"wamid.THROTTLED{member:03d}{k:02d}"


async def test_rate_limit_refusals_never_lose_or_repeat_an_answer(
    database: tuple[str, dict[str, str]],
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    database_url, queue_settings = database
    shared = bool(queue_settings)
    graph = FakeGraph(latency=0.01)
    graph.enforce_rate_limits(pair=(3, 2.0), throughput=10)
    graph.set_failure_rate(0.2, seed=7, faults=FAULTS, kinds={"text"})
    port = free_port()
    # Each member's messages one after the other: the answers to one person come in a row.
    bodies = [
        inbound_text(sender(member), f"Question {member}-{k}", message_id=wamid(member, k))
        for k in range(EACH)
        for member in range(MEMBERS)
    ]
    settings = dict(PACING, **queue_settings)
    if shared:
        redis_url = request.getfixturevalue("redis_url")
        prefix = f"ignacio-drill-{secrets.token_hex(6)}"
        settings |= {
            "IGNACIO_REDIS_URL": redis_url,
            "IGNACIO_REDIS_KEY_PREFIX": prefix,
            "IGNACIO_RUN_WORKER": "false",
        }
        request.addfinalizer(
            lambda: asyncio.run(
                LimitsRateLimiter("async+" + redis_url, key_prefix=prefix).storage.reset()
            )
        )

    with graph.serve() as graph_url:

        def environment(name: str, **more: str) -> dict[str, str]:
            return ignacio_environment(
                database_url=database_url,
                graph_url=graph_url,
                data_dir=tmp_path / name,
                **(settings | more),
            )

        with ExitStack() as running:
            processes = [
                running.enter_context(
                    ignacio_serve(environment("serve"), tmp_path / "serve.log", port)
                )
            ]
            if shared:
                processes += [
                    running.enter_context(
                        ignacio_worker(environment(name), tmp_path / f"{name}.log")
                    )
                    for name in ("worker-a", "worker-b")
                ]
                await wait_for(
                    lambda: registered_workers(database_url) == 2,
                    "two workers",
                    within=180,
                    processes=processes,
                )
            await deliver_until_acknowledged(f"http://127.0.0.1:{port}", bodies)
            await wait_for(
                lambda: pending_count(database_url) == 0,
                "every message processed",
                within=120,
                processes=processes,
            )
            exit_codes = [process.stop() for process in processes]

    assert all(code in STOPPED_CLEANLY for code in exit_codes), show(processes)
    output = "".join(process.output() for process in processes)
    assert "not delivered" not in output and "Traceback" not in output, show(processes)

    sends = [attempt for attempt in graph.attempts if attempt.kind == "text"]
    refused = Counter(attempt.code for attempt in sends if not attempt.accepted)
    assert refused[131056] and refused[130429], refused  # the drill drilled

    stored = inbound_messages(database_url)
    assert sorted(stored) == sorted(wamid(m, k) for m in range(MEMBERS) for k in range(EACH))
    parts_to: Counter[str] = Counter()
    for wamid_, message in stored.items():
        assert message.processing == "done", message
        assert message.answers == 1, message
        assert message.parts and all(part == ("sent", None) for part in message.parts), message
        parts_to[sender(int(wamid_.removeprefix("wamid.THROTTLED")[:3]))] += len(message.parts)
    # Every part sent once: exactly as many texts reached each member as their answers have.
    assert Counter(message.to for message in graph.messages) == parts_to

    randomly = len(sends) - len(graph.messages)
    print(
        f"\n{len(sends)} sends for {len(graph.messages)} texts, refused {dict(refused)} "
        f"({randomly} refusals in all); {'two workers sharing Redis' if shared else 'one process'}"
    )
