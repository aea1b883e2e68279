"""JobQueue: on every adapter, a queued message runs once, never before its delay, and again when
its handler asks; queueing a message that already waits changes nothing."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID, uuid4

import pytest

from ignacio.adapters.inprocess_queue import InProcessJobQueue
from ignacio.adapters.procrastinate_queue import ProcrastinateJobQueue, conninfo_from_url

# Both clocks (the event loop's and PostgreSQL's) may round a little.
TOLERANCE = 0.05


@dataclass
class Harness:
    """A queue with a recording handler bound, its worker running."""

    queue: Any
    runs: list[tuple[UUID, float]] = field(default_factory=list)
    # What the handler returns for a message, run after run (None once the list is empty).
    script: dict[UUID, list[float | None]] = field(default_factory=dict)

    # A message's runs wait here until its event is set.
    holds: dict[UUID, asyncio.Event] = field(default_factory=dict)

    async def handle(self, message_id: UUID) -> float | None:
        self.runs.append((message_id, time.monotonic()))
        if (hold := self.holds.get(message_id)) is not None:
            await hold.wait()
        answers = self.script.get(message_id)
        return answers.pop(0) if answers else None

    syncs: list[tuple[UUID, float]] = field(default_factory=list)

    async def sync(self, file_id: UUID) -> float | None:
        self.syncs.append((file_id, time.monotonic()))
        answers = self.script.get(file_id)
        return answers.pop(0) if answers else None

    login_codes: list[UUID] = field(default_factory=list)

    # (conversation, attempt, when) of each summary run.
    summaries: list[tuple[UUID, int, float]] = field(default_factory=list)

    async def summarize(self, conversation_id: UUID, attempt: int) -> float | None:
        self.summaries.append((conversation_id, attempt, time.monotonic()))
        answers = self.script.get(conversation_id)
        return answers.pop(0) if answers else None

    async def send_code(self, challenge_id: UUID) -> None:
        self.login_codes.append(challenge_id)

    drains: int = 0
    # Set while a drain runs; the drain waits for `release` before it ends.
    draining: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    drain_script: list[float | None] = field(default_factory=list)

    async def drain(self) -> float | None:
        self.drains += 1
        self.draining.set()
        await self.release.wait()
        return self.drain_script.pop(0) if self.drain_script else None

    def runs_of(self, message_id: UUID) -> list[float]:
        return [at for ran, at in self.runs if ran == message_id]


async def eventually(condition: Callable[[], bool], within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


@pytest.fixture(
    params=["inprocess", pytest.param("procrastinate", marks=pytest.mark.postgres)],
)
async def harness(request: pytest.FixtureRequest) -> AsyncIterator[Harness]:
    queue: Any
    if request.param == "inprocess":
        queue = InProcessJobQueue(concurrency=2)
    else:
        url = str(request.getfixturevalue("procrastinate_url"))
        queue = ProcrastinateJobQueue(conninfo_from_url(url), polling_seconds=0.05)
    harness = Harness(queue=queue)
    queue.bind(
        harness.handle,
        sync_file=harness.sync,
        drain_inbox=harness.drain,
        login_code=harness.send_code,
        summary=harness.summarize,
    )
    if isinstance(queue, ProcrastinateJobQueue):
        queue.start_worker(2)
    try:
        yield harness
    finally:
        await queue.close()


async def test_a_queued_message_runs_once(harness: Harness) -> None:
    message = uuid4()

    await harness.queue.enqueue_processing(message)

    await eventually(lambda: len(harness.runs) == 1)
    await asyncio.sleep(0.3)
    assert harness.runs_of(message) == [harness.runs[0][1]]


async def test_lost_work_is_queued_but_not_a_message_whose_job_waits_or_runs(
    harness: Harness,
) -> None:
    running, waiting, lost = uuid4(), uuid4(), uuid4()
    harness.holds[running] = asyncio.Event()
    await harness.queue.enqueue_processing(running)
    await eventually(lambda: len(harness.runs_of(running)) == 1)
    await harness.queue.enqueue_processing(waiting, delay_seconds=30)

    assert await harness.queue.enqueue_lost([running, waiting, lost]) == 1

    await eventually(lambda: len(harness.runs_of(lost)) == 1)
    harness.holds[running].set()
    await asyncio.sleep(0.5)
    assert len(harness.runs_of(running)) == 1
    assert harness.runs_of(waiting) == []
    assert await harness.queue.enqueue_lost([]) == 0


async def test_queued_login_codes_run_with_their_challenge_ids(harness: Harness) -> None:
    challenge, other = uuid4(), uuid4()

    # Queued again while it may already run, a job may run twice: SendLoginCode sends once.
    for _ in range(3):
        await harness.queue.enqueue_login_code(challenge)
    await harness.queue.enqueue_login_code(other)

    await eventually(lambda: {challenge, other} <= set(harness.login_codes))
    await asyncio.sleep(0.3)
    assert set(harness.login_codes) == {challenge, other}
    assert len(harness.login_codes) <= 4
    assert (harness.runs, harness.syncs) == ([], [])


async def test_queueing_a_waiting_message_again_runs_it_once(harness: Harness) -> None:
    message = uuid4()

    for _ in range(3):
        await harness.queue.enqueue_processing(message, delay_seconds=0.4)

    await eventually(lambda: len(harness.runs) == 1)
    await asyncio.sleep(0.5)
    assert len(harness.runs_of(message)) == 1


async def test_a_delayed_message_does_not_run_before_its_time(harness: Harness) -> None:
    message = uuid4()
    queued_at = time.monotonic()

    await harness.queue.enqueue_processing(message, delay_seconds=0.8)

    await eventually(lambda: len(harness.runs) == 1)
    assert harness.runs[0][1] - queued_at >= 0.8 - TOLERANCE


async def test_a_message_runs_again_after_the_delay_its_handler_asks_for(
    harness: Harness,
) -> None:
    message = uuid4()
    harness.script[message] = [0.5, None]

    await harness.queue.enqueue_processing(message)

    await eventually(lambda: len(harness.runs) == 2)
    first, second = harness.runs_of(message)
    assert second - first >= 0.5 - TOLERANCE
    await asyncio.sleep(0.3)
    assert len(harness.runs) == 2


async def test_many_messages_each_run_once(harness: Harness) -> None:
    messages = [uuid4() for _ in range(20)]

    for message in messages:
        await harness.queue.enqueue_processing(message)

    await eventually(lambda: len(harness.runs) == len(messages))
    await asyncio.sleep(0.2)
    assert sorted(ran for ran, _ in harness.runs) == sorted(messages)


async def test_a_file_sync_runs_its_own_handler_once_even_with_a_message_of_the_same_id(
    harness: Harness,
) -> None:
    shared = uuid4()

    for _ in range(3):
        await harness.queue.enqueue_file_sync(shared, delay_seconds=0.2)
    await harness.queue.enqueue_processing(shared)

    await eventually(lambda: len(harness.syncs) == 1 and len(harness.runs) == 1)
    await asyncio.sleep(0.4)
    assert [ran for ran, _ in harness.syncs] == [shared]
    assert [ran for ran, _ in harness.runs] == [shared]


async def test_a_file_sync_runs_again_after_the_delay_it_asks_for(harness: Harness) -> None:
    file_id = uuid4()
    harness.script[file_id] = [0.5, None]

    await harness.queue.enqueue_file_sync(file_id)

    await eventually(lambda: len(harness.syncs) == 2)
    first, second = (at for _, at in harness.syncs)
    assert second - first >= 0.5 - TOLERANCE
    assert harness.runs == []


async def test_drains_asked_for_while_one_waits_run_once(harness: Harness) -> None:
    harness.release.set()

    await asyncio.gather(*(harness.queue.enqueue_inbox_drain() for _ in range(5)))

    await eventually(lambda: harness.drains >= 1)
    await asyncio.sleep(0.3)
    # However the asks interleave with the start of the first drain, at most one more runs.
    assert harness.drains in (1, 2)


async def test_a_drain_asked_for_while_one_runs_runs_again_after_it(harness: Harness) -> None:
    await harness.queue.enqueue_inbox_drain()
    await asyncio.wait_for(harness.draining.wait(), 10)

    await harness.queue.enqueue_inbox_drain()
    harness.release.set()

    await eventually(lambda: harness.drains == 2)
    await asyncio.sleep(0.3)
    assert harness.drains == 2


async def test_a_drain_runs_again_after_the_delay_it_asks_for(harness: Harness) -> None:
    harness.release.set()
    harness.drain_script = [0.5, None]
    asked_at = time.monotonic()

    await harness.queue.enqueue_inbox_drain()

    await eventually(lambda: harness.drains == 2)
    assert time.monotonic() - asked_at >= 0.5 - TOLERANCE
    await asyncio.sleep(0.3)
    assert harness.drains == 2


async def test_a_summary_runs_once_however_often_it_is_queued_apart_from_a_message(
    harness: Harness,
) -> None:
    shared = uuid4()

    for _ in range(3):
        await harness.queue.enqueue_summary(shared)
    await harness.queue.enqueue_processing(shared)

    await eventually(lambda: len(harness.summaries) >= 1 and len(harness.runs) == 1)
    await asyncio.sleep(0.4)
    # Queued again while it may already run, it may run twice: the handler does nothing twice.
    assert 1 <= len(harness.summaries) <= 2
    assert {(ran, attempt) for ran, attempt, _ in harness.summaries} == {(shared, 1)}
    assert [ran for ran, _ in harness.runs] == [shared]


async def test_a_summary_runs_again_after_the_delay_it_asks_for_as_its_next_attempt(
    harness: Harness,
) -> None:
    conversation = uuid4()
    harness.script[conversation] = [0.3, 0.3, None]

    await harness.queue.enqueue_summary(conversation)

    await eventually(lambda: len(harness.summaries) == 3)
    attempts = [attempt for _, attempt, _ in harness.summaries]
    times = [at for _, _, at in harness.summaries]
    assert attempts == [1, 2, 3]
    assert all(later - earlier >= 0.3 - TOLERANCE for earlier, later in itertools.pairwise(times))
    await asyncio.sleep(0.4)
    assert len(harness.summaries) == 3
