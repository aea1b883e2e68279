"""A job queue in PostgreSQL, on procrastinate: several processes share the work, none does it twice.

One task, `ignacio.process_inbound(message_id)`, on the queue `inbound`; file syncs
(`ignacio.sync_file(file_id)`), login codes (`ignacio.send_login_code(challenge_id)`, the
challenge's id only: no phone number or code is ever stored in a job) and summaries
(`ignacio.summarize_conversation(conversation_id, attempt)`) work the same way under their own
keys. Each job carries the message id as both of procrastinate's locks:

- `queueing_lock`: at most one *waiting* (`todo`) job per message. Queueing a message that
  already waits raises `AlreadyEnqueued`, taken as success: it is processed once.
- `lock`: at most one *running* (`doing`) job per message, and a waiting job does not start
  while another job for the same message runs. Two workers never run ProcessInbound on one
  message at once (safe, but one could take the other's send in progress for an interrupted one).

A queueing lock covers `todo` jobs only, so a running job can queue its own follow-up under the
same lock: when the handler asks to run again later, the job defers the message with that delay
before it ends. If a job for the message was queued meanwhile (a sweep), that one could not have
started (same lock) and would not wait for the delay, so it is replaced. A job about to be
retried after an unexpected exception drops such a job too: procrastinate's retry puts the failed
job back to `todo`, which the queueing lock refuses while another job for the message waits.

Unexpected exceptions are retried by procrastinate with exponential waits, a bounded number of
times. A job left running by a worker that was killed holds its lock until `release_stalled_jobs`
(run by the sweep) marks it failed; the database still has the message as pending, and the sweep's
ResumeProcessing queues it again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import Awaitable, Callable, Sequence
from typing import Any
from uuid import UUID

from procrastinate import App, JobContext, PsycopgConnector, RetryStrategy
from procrastinate.exceptions import AlreadyEnqueued
from procrastinate.jobs import DeleteJobCondition, Status

from ignacio.adapters.procrastinate_queue.pool import IdleCheck, idle_checked_pool
from ignacio.adapters.procrastinate_queue.schema import SEARCH_PATH_OPTION

log = logging.getLogger(__name__)

Handler = Callable[[UUID], Awaitable[float | None]]
"""Processes one message; returns seconds after which to run again, or None when finished."""

Drain = Callable[[], Awaitable[float | None]]
"""Drains the webhook inbox; returns seconds after which to drain again, or None when empty."""

AttemptHandler = Callable[[UUID, int], Awaitable[float | None]]
"""Runs one job told which attempt it is (1, then 2 for the run it asked for after the first,
...); returns seconds after which to run it again, or None when finished."""

Sweep = Callable[[], Awaitable[object]]

QUEUE = "inbound"
TASK_NAME = "ignacio.process_inbound"
SYNC_TASK_NAME = "ignacio.sync_file"
DRAIN_TASK_NAME = "ignacio.drain_inbox"
LOGIN_CODE_TASK_NAME = "ignacio.send_login_code"
SUMMARY_TASK_NAME = "ignacio.summarize_conversation"
# One drain waits at a time; drains may run side by side (the inbox hands each its own rows).
_INBOX_KEY = "inbox"
_DRAIN_AFTER_ERROR_SECONDS = 30.0
# A file's jobs lock on "file:<id>", so that they never share a lock with a message's jobs.
_FILE_KEY_PREFIX = "file:"
# Which of these messages' jobs wait or run (a message's job is locked by its id), through
# `ignacio_jobs_lock_idx` (see `schema.OWN_INDEXES`).
_WITH_JOBS = (
    "SELECT DISTINCT lock FROM procrastinate_jobs "
    "WHERE lock = ANY(%(keys)s) AND status IN ('todo', 'doing')"
)
# A login code's jobs lock on "otp:<challenge id>"; the job carries that id, never the number.
_LOGIN_CODE_KEY_PREFIX = "otp:"
# A summary's jobs lock on "summary:<conversation id>": one conversation, one summary at a time.
_SUMMARY_KEY_PREFIX = "summary:"
_REPLACE_ATTEMPTS = 3
# Successful jobs are deleted at once; failed ones are kept this long, for a look, then deleted.
KEEP_FAILED_HOURS = 24 * 7
_RESTART_SECONDS = 5.0


class ProcrastinateJobQueue:
    """JobQueue on procrastinate, and the worker that runs its jobs (`run_worker`).

    Nothing is opened until the first job is queued or the worker starts; `close` stops the
    worker (running jobs get `grace_seconds` to finish) and closes the connection pool.
    """

    def __init__(
        self,
        conninfo: str,
        *,
        pool_size: int = 10,
        retry_attempts: int = 5,
        retry_base_seconds: int = 2,
        polling_seconds: float = 1.0,
        grace_seconds: float = 10.0,
        stalled_after_seconds: float = 30.0,
    ) -> None:
        self.idle_check = IdleCheck()
        self._connector = PsycopgConnector(
            conninfo=conninfo,
            min_size=1,
            max_size=pool_size,
            kwargs={"options": SEARCH_PATH_OPTION},
            pool_factory=idle_checked_pool(self.idle_check),
        )
        self._app = App(connector=self._connector)
        # Waits retry_base_seconds ** n after the n-th failure: 2, 4, 8, 16, 32 s by default.
        self._retry = RetryStrategy(
            max_attempts=retry_attempts, exponential_wait=retry_base_seconds
        )
        self._task = self._app.task(
            name=TASK_NAME, queue=QUEUE, retry=self._retry, pass_context=True
        )(self._run)
        self._sync_task = self._app.task(
            name=SYNC_TASK_NAME, queue=QUEUE, retry=self._retry, pass_context=True
        )(self._run_sync)
        self._drain_task = self._app.task(name=DRAIN_TASK_NAME, queue=QUEUE, pass_context=True)(
            self._run_drain
        )
        self._login_code_task = self._app.task(
            name=LOGIN_CODE_TASK_NAME, queue=QUEUE, retry=self._retry, pass_context=True
        )(self._run_login_code)
        self._summary_task = self._app.task(
            name=SUMMARY_TASK_NAME, queue=QUEUE, retry=self._retry, pass_context=True
        )(self._run_summary)
        self._polling_seconds = polling_seconds
        self._grace_seconds = grace_seconds
        self._stalled_after_seconds = stalled_after_seconds
        self._handler: Handler | None = None
        self._sync_handler: Handler | None = None
        self._login_code_handler: Handler | None = None
        self._summary_handler: AttemptHandler | None = None
        self._drain: Drain | None = None
        self._open_lock = asyncio.Lock()
        self._opened = False
        self._worker: asyncio.Task[None] | None = None

    @property
    def app(self) -> App:
        """The procrastinate app, for inspecting jobs (tests, operators' scripts)."""
        return self._app

    def bind(
        self,
        handler: Handler | None = None,
        *,
        sync_file: Handler | None = None,
        drain_inbox: Drain | None = None,
        login_code: Handler | None = None,
        summary: AttemptHandler | None = None,
    ) -> None:
        """Run queued messages with `handler`, queued file syncs with `sync_file`, inbox drains
        with `drain_inbox`, login codes with `login_code` and summaries with `summary`."""
        self._handler = handler
        self._sync_handler = sync_file
        self._drain = drain_inbox
        self._login_code_handler = login_code
        self._summary_handler = summary

    async def enqueue_processing(self, message_id: UUID, *, delay_seconds: float = 0) -> None:
        await self.open()
        await self._defer(str(message_id), delay_seconds)

    async def enqueue_lost(self, message_ids: Sequence[UUID]) -> int:
        await self.open()
        keys = [str(message_id) for message_id in message_ids]
        if not keys:
            return 0
        # One look instead of a defer per message: during a backlog every pending message has
        # a job, and each defer would fail on the queueing lock (an error in PostgreSQL's log),
        # or, for a running job, queue a second run that only finds the message done.
        rows = await self._connector.execute_query_all_async(_WITH_JOBS, keys=keys)
        taken = {row["lock"] for row in rows}
        queued = 0
        for key in keys:
            if key not in taken and await self._defer(key, 0):
                queued += 1
        return queued

    async def enqueue_file_sync(self, file_id: UUID, *, delay_seconds: float = 0) -> None:
        await self.open()
        await self._defer(_FILE_KEY_PREFIX + str(file_id), delay_seconds)

    async def enqueue_login_code(self, challenge_id: UUID) -> None:
        await self.open()
        await self._defer(_LOGIN_CODE_KEY_PREFIX + str(challenge_id), 0)

    async def enqueue_summary(self, conversation_id: UUID) -> None:
        await self.open()
        await self._defer(_SUMMARY_KEY_PREFIX + str(conversation_id), 0)

    async def enqueue_inbox_drain(self, *, delay_seconds: float = 0) -> None:
        await self.open()
        options: dict[str, Any] = {"queueing_lock": _INBOX_KEY}
        if delay_seconds > 0:
            options["schedule_in"] = {"milliseconds": math.ceil(delay_seconds * 1000)}
        # A drain already waiting will find this delivery too.
        with contextlib.suppress(AlreadyEnqueued):
            await self._drain_task.configure(**options).defer_async()

    async def open(self) -> None:
        async with self._open_lock:
            if not self._opened:
                await self._app.open_async()
                self._opened = True

    async def run_worker(
        self, concurrency: int, *, sweep: Sweep | None = None, sweep_seconds: float = 60.0
    ) -> None:
        """Run jobs, `concurrency` at a time, until cancelled; then let running jobs finish.

        Every `sweep_seconds`, stalled jobs are released, `sweep` runs (ResumeProcessing), and
        jobs that failed more than a week ago are deleted.
        A worker that stops by itself (the database went away) is started again.
        """
        await self.open()
        async with asyncio.TaskGroup() as group:
            group.create_task(self._work(concurrency))
            if sweep is not None:
                group.create_task(self._sweep_forever(sweep, sweep_seconds))

    def start_worker(
        self, concurrency: int, *, sweep: Sweep | None = None, sweep_seconds: float = 60.0
    ) -> None:
        """`run_worker` in the background, until `close`."""
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(
                self.run_worker(concurrency, sweep=sweep, sweep_seconds=sweep_seconds),
                name="ignacio job worker",
            )

    async def release_stalled_jobs(self) -> int:
        """Mark failed the jobs of workers that stopped sending heartbeats (killed), so that their
        messages' lock is free; the messages are still pending, and are queued again."""
        await self.open()
        stalled = [
            job
            for task_name in (
                TASK_NAME,
                SYNC_TASK_NAME,
                DRAIN_TASK_NAME,
                LOGIN_CODE_TASK_NAME,
                SUMMARY_TASK_NAME,
            )
            for job in await self._app.job_manager.get_stalled_jobs(
                queue=QUEUE,
                task_name=task_name,
                seconds_since_heartbeat=self._stalled_after_seconds,
            )
        ]
        released = 0
        for job in stalled:
            try:
                await self._app.job_manager.finish_job(
                    job=job, status=Status.FAILED, delete_job=False
                )
            except Exception:
                # It finished on its own meanwhile.
                log.info("stalled job not released", extra={"job_id": job.id}, exc_info=True)
                continue
            log.warning(
                "released a job left running by a stopped worker",
                extra={"job_id": job.id, "message_id": job.task_kwargs.get("message_id")},
            )
            released += 1
        return released

    async def close(self) -> None:
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await worker
        async with self._open_lock:
            if self._opened:
                await self._app.close_async()
                self._opened = False

    async def _defer(self, key: str, delay_seconds: float, attempt: int = 1) -> bool:
        """Queue the job `key` names; `attempt` is the summary's attempt, which its job carries."""
        options: dict[str, Any] = {"queueing_lock": key, "lock": key}
        if delay_seconds > 0:
            options["schedule_in"] = {"milliseconds": math.ceil(delay_seconds * 1000)}
        try:
            if key.startswith(_FILE_KEY_PREFIX):
                file_id = key.removeprefix(_FILE_KEY_PREFIX)
                await self._sync_task.configure(**options).defer_async(file_id=file_id)
            elif key.startswith(_LOGIN_CODE_KEY_PREFIX):
                challenge_id = key.removeprefix(_LOGIN_CODE_KEY_PREFIX)
                await self._login_code_task.configure(**options).defer_async(
                    challenge_id=challenge_id
                )
            elif key.startswith(_SUMMARY_KEY_PREFIX):
                conversation_id = key.removeprefix(_SUMMARY_KEY_PREFIX)
                await self._summary_task.configure(**options).defer_async(
                    conversation_id=conversation_id, attempt=attempt
                )
            else:
                await self._task.configure(**options).defer_async(message_id=key)
        except AlreadyEnqueued:
            return False
        return True

    async def _run_sync(self, context: JobContext, file_id: str) -> None:
        if self._sync_handler is None:
            raise RuntimeError("the job queue has no file sync bound; see start_processing")
        handler = self._sync_handler
        await self._run_job(context, lambda: handler(UUID(file_id)), _FILE_KEY_PREFIX + file_id)

    async def _run_login_code(self, context: JobContext, challenge_id: str) -> None:
        if self._login_code_handler is None:
            raise RuntimeError("the job queue has no login code sender bound; see start_processing")
        handler = self._login_code_handler
        await self._run_job(
            context, lambda: handler(UUID(challenge_id)), _LOGIN_CODE_KEY_PREFIX + challenge_id
        )

    async def _run_summary(
        self, context: JobContext, conversation_id: str, attempt: int = 1
    ) -> None:
        handler = self._summary_handler
        if handler is None:
            raise RuntimeError("the job queue has no summary handler bound; see start_processing")
        await self._run_job(
            context,
            lambda: handler(UUID(conversation_id), attempt),
            _SUMMARY_KEY_PREFIX + conversation_id,
            next_attempt=attempt + 1,
        )

    async def _run_drain(self, context: JobContext) -> None:
        if self._drain is None:
            raise RuntimeError("the job queue has no inbox drain bound; see start_processing")
        try:
            retry_in = await self._drain()
        except Exception:
            # Not procrastinate's retry: it would put this job back to `todo`, which the queueing
            # lock refuses while another drain waits. What was not stored stays in the inbox.
            log.exception("inbox drain failed", extra={"job_id": context.job.id})
            retry_in = _DRAIN_AFTER_ERROR_SECONDS
        if retry_in is not None:
            await self.enqueue_inbox_drain(delay_seconds=retry_in)

    async def _run(self, context: JobContext, message_id: str) -> None:
        if self._handler is None:
            raise RuntimeError("the job queue has no handler bound; see start_processing")
        handler = self._handler
        await self._run_job(context, lambda: handler(UUID(message_id)), message_id)

    async def _run_job(
        self,
        context: JobContext,
        run: Callable[[], Awaitable[float | None]],
        key: str,
        *,
        next_attempt: int = 1,
    ) -> None:
        """Run one job whose locks are `key`; when it asks to run again, the job that does is
        its `next_attempt` (which only summaries' jobs carry)."""
        try:
            retry_in = await run()
        except Exception as error:
            retrying = self._retry.get_retry_decision(exception=error, job=context.job)
            log.exception(
                "job failed unexpectedly",
                extra={
                    "job": key,
                    "attempt": context.job.attempts + 1,
                    "retry_at": retrying.retry_at.isoformat()
                    if retrying and retrying.retry_at
                    else None,
                },
            )
            if retrying is not None:
                await self._drop_waiting(key)
            raise
        if retry_in is not None:
            await self._defer_again(key, retry_in, next_attempt)

    async def _defer_again(self, key: str, delay_seconds: float, attempt: int = 1) -> None:
        for _ in range(_REPLACE_ATTEMPTS):
            if await self._defer(key, delay_seconds, attempt):
                return
            await self._drop_waiting(key)
        log.warning("a job queued meanwhile runs without waiting", extra={"job": key})

    async def _drop_waiting(self, key: str) -> None:
        """Delete the jobs waiting for this message: none can have started while this one runs."""
        try:
            waiting = await self._app.job_manager.list_jobs_async(
                queue=QUEUE, queueing_lock=key, status=Status.TODO.value
            )
            for job in waiting:
                if job.id is not None:
                    await self._app.job_manager.cancel_job_by_id_async(job.id, delete_job=True)
        except Exception:
            log.warning("could not drop a waiting job", extra={"job": key}, exc_info=True)

    async def _work(self, concurrency: int) -> None:
        while True:
            try:
                await self._app.run_worker_async(
                    queues=[QUEUE],
                    name="ignacio",
                    concurrency=concurrency,
                    wait=True,
                    install_signal_handlers=False,
                    listen_notify=True,
                    fetch_job_polling_interval=self._polling_seconds,
                    shutdown_graceful_timeout=self._grace_seconds,
                    delete_jobs=DeleteJobCondition.SUCCESSFUL,
                )
                log.warning("the job worker stopped; starting it again")
            except Exception:
                log.exception("the job worker failed; starting it again")
            await asyncio.sleep(_RESTART_SECONDS)

    async def _sweep_forever(self, sweep: Sweep, every: float) -> None:
        while True:
            await asyncio.sleep(every)
            try:
                await self.release_stalled_jobs()
                await sweep()
                await self._app.job_manager.delete_old_jobs(
                    nb_hours=KEEP_FAILED_HOURS,
                    queue=QUEUE,
                    include_failed=True,
                    include_cancelled=True,
                    include_aborted=True,
                )
            except Exception:
                log.exception("the periodic sweep failed")
