"""The procrastinate queue beyond the JobQueue contract: its jobs and locks in PostgreSQL, what it
does when a message is queued while it runs, unexpected exceptions, and killed workers."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from uuid import UUID, uuid4

import psycopg
import pytest
from procrastinate.jobs import Status

from ignacio.adapters.procrastinate_queue import (
    QUEUE,
    SCHEMA,
    TASK_NAME,
    ProcrastinateJobQueue,
    conninfo_from_url,
)

pytestmark = pytest.mark.postgres

TOLERANCE = 0.05


async def eventually(condition: Callable[[], bool], within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


def jobs(url: str) -> list[tuple[str, str | None, str | None, str, str]]:
    """(status, queueing_lock, lock, queue, task) of every job, oldest first."""
    with psycopg.connect(conninfo_from_url(url)) as connection:
        rows = connection.execute(
            f"SELECT status::text, queueing_lock, lock, queue_name, task_name "  # noqa: S608
            f"FROM {SCHEMA}.procrastinate_jobs ORDER BY id"
        ).fetchall()
    return [(str(a), b, c, str(d), str(e)) for a, b, c, d, e in rows]


@pytest.fixture
async def queue(procrastinate_url: str) -> AsyncIterator[ProcrastinateJobQueue]:
    queue = ProcrastinateJobQueue(
        conninfo_from_url(procrastinate_url),
        polling_seconds=0.05,
        retry_base_seconds=1,
    )
    try:
        yield queue
    finally:
        await queue.close()


async def test_a_waiting_message_is_one_job_whatever_the_times_it_is_queued(
    queue: ProcrastinateJobQueue, procrastinate_url: str
) -> None:
    message = uuid4()

    for _ in range(3):
        await queue.enqueue_processing(message)

    key = str(message)
    assert jobs(procrastinate_url) == [("todo", key, key, QUEUE, TASK_NAME)]


async def test_a_message_queued_while_it_runs_waits_for_that_run_and_for_the_delay_it_asks(
    queue: ProcrastinateJobQueue,
) -> None:
    message = uuid4()
    started = asyncio.Event()
    release = asyncio.Event()
    runs: list[tuple[float, float]] = []

    async def handle(_: UUID) -> float | None:
        began = time.monotonic()
        if not runs:
            started.set()
            await release.wait()
            runs.append((began, time.monotonic()))
            return 0.6
        runs.append((began, time.monotonic()))
        return None

    queue.bind(handle)
    queue.start_worker(2)
    await queue.enqueue_processing(message)
    await asyncio.wait_for(started.wait(), 10)

    # A sweep queues the message while its job runs: the new job must not start beside it.
    await queue.enqueue_processing(message)
    await asyncio.sleep(0.3)
    release.set()

    await eventually(lambda: len(runs) == 2)
    (_, first_ended), (second_began, _) = runs
    assert second_began - first_ended >= 0.6 - TOLERANCE
    await asyncio.sleep(0.3)
    assert len(runs) == 2


async def test_one_message_never_runs_in_two_workers_at_once(procrastinate_url: str) -> None:
    conninfo = conninfo_from_url(procrastinate_url)
    workers = [ProcrastinateJobQueue(conninfo, polling_seconds=0.05) for _ in range(2)]
    messages = [uuid4() for _ in range(8)]
    running: dict[UUID, int] = dict.fromkeys(messages, 0)
    overlaps: list[UUID] = []
    runs: list[UUID] = []

    async def handle(message_id: UUID) -> float | None:
        running[message_id] += 1
        if running[message_id] > 1:
            overlaps.append(message_id)
        await asyncio.sleep(0.15)
        running[message_id] -= 1
        runs.append(message_id)
        return None

    try:
        for worker in workers:
            worker.bind(handle)
            worker.start_worker(4)
        for _ in range(3):  # a burst, then sweeps that find every message still pending
            for message in messages:
                await workers[0].enqueue_processing(message)
            await asyncio.sleep(0.05)
        await eventually(lambda: len(runs) >= len(messages) and not any(running.values()))
        await asyncio.sleep(0.5)
    finally:
        for worker in workers:
            await worker.close()

    assert overlaps == []
    assert set(runs) == set(messages)


async def test_an_unexpected_exception_is_retried_after_a_wait(
    queue: ProcrastinateJobQueue,
) -> None:
    message = uuid4()
    runs: list[float] = []

    async def handle(_: UUID) -> float | None:
        runs.append(time.monotonic())
        if len(runs) == 1:
            raise RuntimeError("the database went away")
        return None

    queue.bind(handle)
    queue.start_worker(1)
    await queue.enqueue_processing(message)

    await eventually(lambda: len(runs) == 2)
    assert runs[1] - runs[0] >= 1 - TOLERANCE


async def test_retries_of_unexpected_exceptions_are_bounded(procrastinate_url: str) -> None:
    queue = ProcrastinateJobQueue(
        conninfo_from_url(procrastinate_url),
        polling_seconds=0.05,
        retry_attempts=2,
        retry_base_seconds=0,
    )
    runs: list[float] = []

    async def handle(_: UUID) -> float | None:
        runs.append(time.monotonic())
        raise RuntimeError("always")

    queue.bind(handle)
    queue.start_worker(1)
    try:
        await queue.enqueue_processing(uuid4())
        await eventually(lambda: len(runs) == 3)
        await eventually(lambda: [job[0] for job in jobs(procrastinate_url)] == ["failed"])
        await asyncio.sleep(0.3)
    finally:
        await queue.close()
    assert len(runs) == 3


async def test_a_job_left_running_by_a_killed_worker_is_released_and_its_message_runs(
    queue: ProcrastinateJobQueue, procrastinate_url: str
) -> None:
    message = uuid4()
    await queue.enqueue_processing(message)
    # A worker takes the job, then dies without a word: its heartbeat gets old.
    manager = queue.app.job_manager
    dead_worker = await manager.register_worker()
    taken = await manager.fetch_job(queues=[QUEUE], worker_id=dead_worker)
    assert taken is not None
    with psycopg.connect(conninfo_from_url(procrastinate_url), autocommit=True) as connection:
        connection.execute(
            f"UPDATE {SCHEMA}.procrastinate_workers "  # noqa: S608
            "SET last_heartbeat = now() - interval '1 hour'"
        )
    runs: list[UUID] = []

    async def handle(message_id: UUID) -> float | None:
        runs.append(message_id)
        return None

    queue.bind(handle)
    queue.start_worker(1)
    # Queued again (a sweep), it waits: the dead worker's job still holds the message's lock.
    await queue.enqueue_processing(message)
    await asyncio.sleep(0.5)
    assert runs == []

    assert await queue.release_stalled_jobs() == 1

    await eventually(lambda: runs == [message])
    assert await queue.release_stalled_jobs() == 0


async def fail_a_job(queue: ProcrastinateJobQueue, message: UUID) -> None:
    await queue.enqueue_processing(message)
    manager = queue.app.job_manager
    job = await manager.fetch_job(queues=[QUEUE], worker_id=await manager.register_worker())
    assert job is not None
    await manager.finish_job(job=job, status=Status.FAILED, delete_job=False)


async def test_the_sweep_queues_what_nobody_queued_and_forgets_old_failures(
    queue: ProcrastinateJobQueue, procrastinate_url: str
) -> None:
    old_failure, recent_failure = uuid4(), uuid4()
    await fail_a_job(queue, old_failure)
    with psycopg.connect(conninfo_from_url(procrastinate_url), autocommit=True) as connection:
        connection.execute(
            f"UPDATE {SCHEMA}.procrastinate_events SET at = now() - interval '8 days'"  # noqa: S608
        )
    await fail_a_job(queue, recent_failure)
    forgotten = uuid4()  # stored, then the process died before queueing it
    runs: list[UUID] = []
    sweeps: list[float] = []

    async def handle(message_id: UUID) -> float | None:
        runs.append(message_id)
        return None

    async def sweep() -> int:
        sweeps.append(time.monotonic())
        await queue.enqueue_processing(forgotten)
        return 1

    queue.bind(handle)
    queue.start_worker(1, sweep=sweep, sweep_seconds=0.2)

    await eventually(lambda: forgotten in runs and len(sweeps) >= 2)
    await asyncio.sleep(0.1)
    failed = [lock for status, lock, *_ in jobs(procrastinate_url) if status == "failed"]
    assert failed == [str(recent_failure)]
