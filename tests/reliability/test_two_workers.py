"""Several instances sharing the work: two real `ignacio worker` processes on one PostgreSQL
database take a burst of WhatsApp messages from the shared queue; every message is answered
exactly once, both workers take part, and the periodic sweep answers a message that was stored
but never queued (its process died in between).

Each worker talks to its own fake Graph API (served on 127.0.0.1), so what each fake received
says which worker sent it.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest

from ignacio.adapters.procrastinate_queue import SCHEMA, conninfo_from_url
from ignacio.domain import InboundMessage, MessageType, PhoneNumber
from ignacio.entrypoints.config import QueueKind
from ignacio.entrypoints.container import build_container, close_container
from tests.support.fake_graph import DEFAULT_PHONE_NUMBER_ID, DEFAULT_TOKEN, FakeGraph
from tests.support.fakes import TEST_APP_SECRET, TEST_JWT_SECRET, TEST_PHONE_KEY, RecordingQueue
from tests.support.system import settings_for_tests

pytestmark = pytest.mark.postgres

BURST = 60
SENDERS = [f"+3461234{number:04d}" for number in range(BURST + 1)]
FORGOTTEN = BURST  # the last sender's message is stored without being queued


def worker_environment(database_url: str, graph_url: str, data_dir: Path) -> dict[str, str]:
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith(("IGNACIO_", "JWT_"))
    }
    environment.update(
        {
            "IGNACIO_DATABASE_URL": database_url,
            "IGNACIO_QUEUE": "procrastinate",
            "IGNACIO_DATA_DIR": str(data_dir),
            "IGNACIO_WORKER_CONCURRENCY": "4",
            "IGNACIO_SWEEP_SECONDS": "2",
            "IGNACIO_CHANNEL": "whatsapp_cloud",
            "WHATSAPP_API_BASE_URL": graph_url,
            "WHATSAPP_ACCESS_TOKEN": DEFAULT_TOKEN,
            "WHATSAPP_PHONE_NUMBER_ID": DEFAULT_PHONE_NUMBER_ID,
            "WHATSAPP_APP_SECRET": TEST_APP_SECRET,
            "JWT_SECRET_KEY": TEST_JWT_SECRET,
            "IGNACIO_PHONE_KEY": TEST_PHONE_KEY,
        }
    )
    return environment


@contextmanager
def ignacio_worker(environment: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """`ignacio worker` in its own process; stopped with SIGTERM, as a supervisor would."""
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "ignacio.entrypoints", "worker"],
            env=environment,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)


def registered_workers(url: str) -> int:
    with psycopg.connect(conninfo_from_url(url)) as connection:
        row = connection.execute(f"SELECT count(*) FROM {SCHEMA}.procrastinate_workers").fetchone()  # noqa: S608
    return int(row[0]) if row else 0


def job_statuses(url: str) -> list[str]:
    with psycopg.connect(conninfo_from_url(url)) as connection:
        rows = connection.execute(f"SELECT status::text FROM {SCHEMA}.procrastinate_jobs")  # noqa: S608
        return [str(row[0]) for row in rows]


async def wait_for(
    condition: Callable[[], Awaitable[bool]], what: str, within: float, logs: list[Path]
) -> None:
    deadline = time.monotonic() + within
    while not await condition():
        if time.monotonic() > deadline:
            printed = "\n".join(f"--- {log.name}\n{log.read_text()[-3000:]}" for log in logs)
            raise AssertionError(f"timed out waiting for {what}\n{printed}")
        await asyncio.sleep(0.05)


def inbound(number: int) -> InboundMessage:
    return InboundMessage(
        provider="whatsapp_cloud",
        external_id=f"wamid.burst.{number}",
        sender=PhoneNumber.parse(SENDERS[number]),
        profile_name=f"Member {number}",
        sent_at=datetime.now(UTC),
        message_type=MessageType.TEXT,
        text=f"Message number {number}",
    )


async def test_two_workers_answer_a_burst_once_each(procrastinate_url: str, tmp_path: Path) -> None:
    # Message ids are unique at Meta: the two fakes stand for one Meta, so they must not collide.
    graphs = [FakeGraph(latency=0.02), FakeGraph(latency=0.02, first_message_number=10**6)]
    logs = [tmp_path / "worker-a.log", tmp_path / "worker-b.log"]
    container = build_container(
        settings_for_tests(
            database_url=procrastinate_url, queue=QueueKind.PROCRASTINATE, run_worker=False
        )
    )

    async def both_registered() -> bool:
        return registered_workers(procrastinate_url) == 2

    async def all_answered() -> bool:
        return sum(len(graph.messages) for graph in graphs) >= BURST + 1

    async def no_jobs_left() -> bool:
        return job_statuses(procrastinate_url) == []

    async def none_pending() -> bool:
        async with container.uow()() as uow:
            return not await uow.messages.pending_processing(BURST + 1)

    try:
        with ExitStack() as stack:
            workers = []
            for index, (graph, log) in enumerate(zip(graphs, logs, strict=True)):
                graph_url = stack.enter_context(graph.serve())
                data_dir = tmp_path / f"worker-{index}"
                environment = worker_environment(procrastinate_url, graph_url, data_dir)
                workers.append(stack.enter_context(ignacio_worker(environment, log)))
            await wait_for(both_registered, "two workers", 30, logs)

            # Stored, then the process dies before queueing it: only a sweep can find it.
            container.job_queue.override(RecordingQueue())
            await container.receive_inbound()(inbound(FORGOTTEN))
            container.job_queue.reset_override()
            # The burst, stored as the webhook stores it (ReceiveInbound queues each message).
            receive = container.receive_inbound()
            results = await asyncio.gather(*(receive(inbound(number)) for number in range(BURST)))
            assert len({result.message_id for result in results}) == BURST

            await wait_for(all_answered, "the answers", 40, logs)
            await wait_for(none_pending, "every message done", 10, logs)
            # A sweep that read a message as pending just before its job finished queues it once
            # more; that job finds the message done and ends without sending. Let such jobs run.
            await wait_for(no_jobs_left, "the queue to drain", 10, logs)
            await asyncio.sleep(0.5)  # room for a second answer, were any message run twice
            for process in workers:
                process.send_signal(signal.SIGTERM)
            exit_codes = [process.wait(timeout=20) for process in workers]
    finally:
        await close_container(container)

    sent = [message for graph in graphs for message in graph.messages]
    per_recipient = Counter(message.to for message in sent)
    assert per_recipient == Counter(sender.removeprefix("+") for sender in SENDERS)
    assert all(message.type == "text" and message.text for message in sent)
    receipts = Counter(receipt.message_id for graph in graphs for receipt in graph.read_receipts)
    assert receipts == Counter(f"wamid.burst.{number}" for number in range(BURST + 1))
    assert all(graph.messages for graph in graphs), "both workers should have taken part"
    output = [log.read_text() for log in logs]
    assert exit_codes == [0, 0], [text[-2000:] for text in output]
    assert not any("not delivered" in text or "Traceback" in text for text in output), output
    assert job_statuses(procrastinate_url) == []  # every job succeeded (and was deleted)
