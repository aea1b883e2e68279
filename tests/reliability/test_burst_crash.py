"""Drill 5: one answer per burst survives SIGKILL. Members each send three messages in a row;
`ignacio serve` is killed while their bursts wait out the quiet period (after the messages are
stored, before any is answered), then started again on the same database, and Meta delivers
every message again (the dead process acknowledged them, but a redelivery must change nothing).
Each member gets exactly one WhatsApp answer, from one model turn that read their three
messages; the answer replies to the last one stored, the other two are marked answered by it.

On SQLite the restart queues what was pending (the in-process queue died with the process); on
PostgreSQL the shared queue still holds the jobs, and the sweep frees any the dead process was
running. Either way the newest message's job waits for what is left of the quiet period.

The assistant is a local fake of the OpenAI API, so what the model read is recorded.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from uuid import UUID

from tests.reliability.harness import (
    STOPPED_CLEANLY,
    answered_messages,
    deliver,
    deliver_until_acknowledged,
    free_port,
    ignacio_environment,
    ignacio_serve,
    job_statuses,
    marks_read,
    pending_count,
    sender,
    wait_for,
)
from tests.support.fake_graph import FakeGraph, inbound_text
from tests.support.fake_openai import FakeOpenAI

MEMBERS = 12
IN_A_ROW = 3
QUIET_SECONDS = 3


def wamid(member: int, n: int) -> str:
    return f"wamid.BURST{member:04d}{n}"


def said(member: int, n: int) -> str:
    return f"Member {member}, message {n} of my burst"


def body(member: int, n: int) -> bytes:
    return inbound_text(sender(member), said(member, n), message_id=wamid(member, n))


async def test_a_crash_in_the_quiet_period_and_redeliveries_leave_one_answer_per_burst(
    database: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    database_url, settings = database
    graph = FakeGraph()
    model = FakeOpenAI()
    port = free_port()
    # Each member's three messages in order, the members interleaved, all within a second.
    bodies = [body(member, n) for n in range(IN_A_ROW) for member in range(MEMBERS)]
    everyone = {wamid(member, n) for member in range(MEMBERS) for n in range(IN_A_ROW)}

    with graph.serve() as graph_url, model.serve() as model_url:
        environment = ignacio_environment(
            database_url=database_url,
            graph_url=graph_url,
            data_dir=tmp_path / "data",
            OPENAI_API_KEY=model.api_key,
            IGNACIO_AI_BASE_URL=model_url,
            IGNACIO_AI_API="chat_completions",
            IGNACIO_BURST_QUIET_SECONDS=str(QUIET_SECONDS),
            IGNACIO_BURST_MAX_WAIT_SECONDS="8",
            **settings,
        )
        url = f"http://127.0.0.1:{port}"
        with ignacio_serve(environment, tmp_path / "first.log", port) as first:
            await deliver(url, bodies, interval=0.02)
            await wait_for(
                lambda: set(answered_messages(database_url)) == everyone,
                "every message stored",
                within=60,
                processes=[first],
            )
            first.kill()
        # Killed in the quiet period: nobody was answered yet.
        assert graph.messages == [] and model.requests == []

        with ignacio_serve(environment, tmp_path / "second.log", port) as second:
            await deliver_until_acknowledged(url, bodies)
            await wait_for(
                lambda: pending_count(database_url) == 0,
                "every burst answered",
                within=150,
                processes=[first, second],
            )
            if settings:
                await wait_for(
                    lambda: set(job_statuses(database_url)) <= {"failed"},
                    "the queue to drain",
                    within=30,
                    processes=[second],
                )
            assert second.stop() in STOPPED_CLEANLY, second.output()[-3000:]

    assert model.problems == []
    stored = answered_messages(database_url)
    assert set(stored) == everyone
    answers = Counter(message.to for message in graph.messages)
    for member in range(MEMBERS):
        mine = [stored[wamid(member, n)] for n in range(IN_A_ROW)]
        # The drain may store a member's messages a little out of the order they were sent
        # in (it stores deliveries side by side): the answer replies to the one stored last,
        # and marks the other two answered by it.
        (last,) = [message for message in mine if message.answers]
        (answer,) = last.answers
        marks = [UUID(m.answered_by) if m.answered_by else None for m in mine]
        assert sorted(marks, key=str) == sorted([None, UUID(answer), UUID(answer)], key=str)
        assert {message.processing for message in mine} == {"done"}
        assert answers[sender(member)] == 1, (member, answers[sender(member)])
    # One model turn per burst, which read the member's three messages.
    read = sorted(
        sorted(text for role, text in request.messages if role == "user")
        for request in model.requests
    )
    assert read == sorted(
        sorted(said(member, n) for n in range(IN_A_ROW)) for member in range(MEMBERS)
    )
    # Each burst marked read (with the typing indicator) once, on its last message.
    assert sum(marks_read(graph.read_receipts).values()) <= MEMBERS
    print(
        f"\n{MEMBERS * IN_A_ROW} messages in {MEMBERS} bursts, killed in the quiet period and "
        f"all delivered again: {len(graph.messages)} answers sent, {len(model.requests)} model "
        "turns"
    )
