"""Drill 4: several instances sharing the work. One `ignacio serve` (IGNACIO_RUN_WORKER=false)
takes a burst of signed WhatsApp deliveries and queues them in PostgreSQL; two `ignacio worker`
processes take the jobs from that shared queue. No message is processed twice (each is run once,
answered once, marked read once), both workers take part, and the periodic sweep answers a
message that was stored but never queued (its process died in between).

Each worker talks to its own fake Graph API (served on 127.0.0.1), so what each fake received
says which worker sent it; the web process has a third, which must receive nothing.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ignacio.domain import InboundMessage, MessageType, PhoneNumber, Provider, Sender
from ignacio.entrypoints.config import QueueKind
from ignacio.entrypoints.container import build_container
from ignacio.entrypoints.runtime import close_container
from tests.reliability.harness import (
    STOPPED_CLEANLY,
    deliver_until_acknowledged,
    free_port,
    ignacio_environment,
    ignacio_serve,
    ignacio_worker,
    inbound_messages,
    job_statuses,
    marks_read,
    pending_count,
    registered_workers,
    sender,
    show,
    wait_for,
)
from tests.support.fake_graph import FakeGraph, inbound_text
from tests.support.fakes import RecordingQueue
from tests.support.system import settings_for_tests

pytestmark = pytest.mark.postgres

BURST = 120
FORGOTTEN = BURST  # the last member's message is stored without being queued


def wamid(number: int) -> str:
    return f"wamid.SHARED{number:06d}"


def forgotten_message() -> InboundMessage:
    return InboundMessage(
        provider=Provider.WHATSAPP_CLOUD,
        external_id=wamid(FORGOTTEN),
        sender=Sender(phone=PhoneNumber.parse("+" + sender(FORGOTTEN))),
        profile_name="Forgotten Member",
        sent_at=datetime.now(UTC),
        message_type=MessageType.TEXT,
        text="Is anybody there?",
    )


async def test_two_workers_process_a_burst_once_each(
    procrastinate_url: str, tmp_path: Path
) -> None:
    # Message ids are unique at Meta: the fakes stand for one Meta, so they must not collide.
    graphs = [FakeGraph(latency=0.02), FakeGraph(latency=0.02, first_message_number=10**6)]
    web_graph = FakeGraph(first_message_number=2 * 10**6)
    port = free_port()
    bodies = [
        inbound_text(sender(number), f"Question {number}", message_id=wamid(number))
        for number in range(BURST)
    ]
    everyone = range(BURST + 1)
    queue_settings = {
        "IGNACIO_QUEUE": "procrastinate",
        "IGNACIO_WORKER_CONCURRENCY": "4",
        "IGNACIO_SWEEP_SECONDS": "2",
    }

    with graphs[0].serve() as url_a, graphs[1].serve() as url_b, web_graph.serve() as web_url:
        environments = [
            ignacio_environment(
                database_url=procrastinate_url,
                graph_url=graph_url,
                data_dir=tmp_path / name,
                **queue_settings,
            )
            for name, graph_url in (("worker-a", url_a), ("worker-b", url_b))
        ]
        web_environment = ignacio_environment(
            database_url=procrastinate_url,
            graph_url=web_url,
            data_dir=tmp_path / "web",
            IGNACIO_RUN_WORKER="false",
            **queue_settings,
        )
        with (
            ignacio_worker(environments[0], tmp_path / "worker-a.log") as worker_a,
            ignacio_worker(environments[1], tmp_path / "worker-b.log") as worker_b,
            ignacio_serve(web_environment, tmp_path / "web.log", port) as web,
        ):
            processes = [worker_a, worker_b, web]
            await wait_for(
                lambda: registered_workers(procrastinate_url) == 2,
                "two workers",
                within=180,
                processes=processes,
            )

            # Stored, then the process dies before queueing it: only a sweep can find it.
            container = build_container(
                settings_for_tests(
                    IGNACIO_DATABASE_URL=procrastinate_url, IGNACIO_QUEUE=QueueKind.PROCRASTINATE
                )
            )
            container.job_queue.override(RecordingQueue())
            try:
                await container.receive_inbound()(forgotten_message())
            finally:
                container.job_queue.reset_override()
                await close_container(container)

            delivered = await deliver_until_acknowledged(
                f"http://127.0.0.1:{port}", bodies, concurrency=12
            )
            assert [answer.json()["messages"] for answer in delivered.answers] == [1] * BURST

            await wait_for(
                lambda: pending_count(procrastinate_url) == 0,
                "every message processed",
                within=90,
                processes=processes,
            )
            # A sweep that read a message as pending just before its job finished queues it once
            # more; that job finds the message done and ends without doing anything.
            await wait_for(
                lambda: job_statuses(procrastinate_url) == [],
                "the queue to drain",
                within=30,
                processes=processes,
            )
            exit_codes = [process.stop() for process in processes]

    assert exit_codes[:2] == [0, 0], show(processes)
    assert exit_codes[2] in STOPPED_CLEANLY, show(processes)
    output = [process.output() for process in processes]
    assert not any("not delivered" in text or "Traceback" in text for text in output), show(
        processes
    )

    stored = inbound_messages(procrastinate_url)
    assert sorted(stored) == sorted(wamid(number) for number in everyone)
    for message in stored.values():
        # One run per message: never two workers on it, nor one twice.
        assert (message.processing, message.processing_attempts) == ("done", 1), message
        assert (message.answers, message.parts) == (1, (("sent", None),)), message

    sent = [message for graph in graphs for message in graph.messages]
    assert Counter(message.to for message in sent) == Counter(sender(n) for n in everyone)
    assert all(message.type == "text" and message.text for message in sent)
    receipts = marks_read(receipt for graph in graphs for receipt in graph.read_receipts)
    assert receipts == Counter(wamid(number) for number in everyone)
    assert all(graph.messages for graph in graphs), "both workers should have taken part"
    assert web_graph.attempts == []
    print(f"\nworker A answered {len(graphs[0].messages)}, worker B {len(graphs[1].messages)}")
