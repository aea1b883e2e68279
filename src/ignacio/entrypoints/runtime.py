"""The process around the container: what `serve` and `worker` start and stop.

The container only wires; this module runs. It connects the job queue to the use cases,
resumes what a previous run left unfinished, runs the shared queue's worker and its sweeps,
and closes what the container opened.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any, cast
from uuid import UUID

import structlog

from ignacio.adapters.extraction.isolated import IsolatedTextExtractor
from ignacio.entrypoints.config import ConfigurationError, QueueKind, Settings
from ignacio.entrypoints.container import Container, build_container

if TYPE_CHECKING:
    from ignacio.adapters.procrastinate_queue import ProcrastinateJobQueue


def migrate_if_sql(settings: Settings) -> None:
    """Bring a SQL database (and procrastinate's schema, when it queues) up to date."""
    if settings.uses_memory:
        return
    from ignacio.adapters.sql import lock_down_schemas, upgrade_database

    upgrade_database(settings.effective_database_url, schema=settings.database.schema_name)
    if settings.queue.kind is QueueKind.PROCRASTINATE:
        from ignacio.adapters.procrastinate_queue import SCHEMA, apply_schema, conninfo_from_url

        apply_schema(conninfo_from_url(settings.effective_database_url))
        lock_down_schemas(settings.effective_database_url, [SCHEMA])


@contextlib.asynccontextmanager
async def command_container(settings: Settings) -> AsyncIterator[Container]:
    """The container for one command-line action: the database migrated first when the
    settings say so, everything closed after."""
    if settings.should_migrate_on_start:
        migrate_if_sql(settings)
    container = build_container(settings)
    try:
        yield container
    finally:
        await close_container(container)


def login_code_sender(container: Container) -> Callable[[UUID], Awaitable[None]]:
    """The job that draws and sends a requested login code (SendLoginCode)."""

    async def send(challenge_id: UUID) -> None:
        await container.send_login_code()(challenge_id)

    return send


def summary_writer(container: Container) -> Callable[[UUID, int], Awaitable[float | None]]:
    """The job that summarises a conversation handed to the team (SummarizeHandedOver)."""

    async def summarize(conversation_id: UUID, attempt: int) -> float | None:
        return await container.summarize_handed_over()(conversation_id, attempt)

    return summarize


async def start_processing(
    container: Container, *, worker: bool | None = None, long_running: bool = False
) -> None:
    """Connect the job queue to ProcessInbound, SyncFile, the inbox drain, SendLoginCode and
    SummarizeHandedOver, and queue what a previous run left unfinished (summaries excepted: a
    handoff's summary missed by a stop is not made later; the team can ask for one).

    With the PostgreSQL-backed queue, this process also runs a worker in the background (with
    the periodic sweep) unless IGNACIO_RUN_WORKER=false or `worker=False`. With the in-process
    queue, which has no sweep, the process forgets old live events itself every hour, and asks
    the WhatsApp-Web gateway (where one is configured) how its numbers' links stand every
    IGNACIO_SWEEP_SECONDS.

    With Supabase Storage, the bucket is created (private) first if missing, so a wrong key or a
    public bucket stops the start with a message rather than failing the first file.

    `long_running` (the `serve` and `worker` commands, not tests): returns once the document
    parsers are imported, and freezes what starting built (see `_freeze_startup_heap`).
    """
    if container.blob_storage_kind() == "supabase":
        storage: Any = container.blob_storage()
        await storage.ensure_bucket()
    # The document parsers take over a second to import. Imported on the first message or
    # upload, they would stall every request for that long; a thread does it now, off the loop
    # (or the extraction workers do, when documents are read in worker processes).
    preparing = asyncio.ensure_future(_prepare_extractor(container))

    async def process(message_id: UUID) -> float | None:
        outcome = await container.process_inbound()(message_id)
        return outcome.retry_in

    async def sync(file_id: UUID) -> float | None:
        retry_in: float | None = await container.sync_file()(file_id)
        return retry_in

    async def drain() -> float | None:
        return await container.drain_webhook_inbox()()

    queue = container.job_queue()
    queue.bind(
        process,
        sync_file=sync,
        drain_inbox=drain,
        login_code=login_code_sender(container),
        summary=summary_writer(container),
    )
    # Deliveries acknowledged before a stop (or by a process without a worker) are stored first.
    await queue.enqueue_inbox_drain()
    await container.resume_processing()()
    await container.queue_file_syncs()()
    settings = container.settings()
    if (shared := _shared_queue(queue)) is not None:
        if settings.queue.run_worker if worker is None else worker:
            shared.start_worker(
                settings.worker_concurrency,
                sweep=_sweep(container),
                sweep_seconds=settings.queue.sweep_interval.total_seconds(),
            )
    else:
        container.maintenance().add(asyncio.ensure_future(_prune_ended_hourly(container)))
        if settings.gateway.configured:
            container.maintenance().add(
                asyncio.ensure_future(_watch_gateway_links_periodically(container))
            )
    if long_running:
        # uvicorn listens once startup is over: the import, running beside the first requests,
        # held the GIL for a second or two and their latencies with it (p99 over 100 ms).
        with contextlib.suppress(Exception):
            await asyncio.shield(preparing)
        _freeze_startup_heap()
    _in_background(preparing)


async def _prepare_extractor(container: Container) -> None:
    extractor = await asyncio.to_thread(container.text_extractor)
    if isinstance(extractor, IsolatedTextExtractor):
        # Another process imports the parsers: nothing here to wait for before serving.
        _in_background(asyncio.ensure_future(asyncio.to_thread(extractor.warm_up)))


async def run_worker(
    container: Container, *, concurrency: int | None = None, long_running: bool = False
) -> None:
    """Process the shared queue's jobs until cancelled (`ignacio worker`): no HTTP, a worker and,
    every IGNACIO_SWEEP_SECONDS, a sweep that queues pending messages nobody queued (a process
    that died between storing a message and queueing it) and frees jobs of killed workers."""
    queue = _shared_queue(container.job_queue())
    if queue is None:
        raise ConfigurationError(
            "`ignacio worker` runs the jobs of a shared queue: set IGNACIO_QUEUE=procrastinate "
            "(with the in-process queue, `ignacio serve` does the work itself)."
        )
    settings = container.settings()
    await start_processing(container, worker=False, long_running=long_running)
    await queue.run_worker(
        concurrency or settings.worker_concurrency,
        sweep=_sweep(container),
        sweep_seconds=settings.queue.sweep_interval.total_seconds(),
    )


_background: set[asyncio.Future[Any]] = set()


def _shared_queue(queue: object) -> ProcrastinateJobQueue | None:
    """The queue, if it is procrastinate's, which several processes share."""
    # Not imported, no queue of its kind exists: the check imports nothing (procrastinate and
    # psycopg take ~12 MB of a process on SQLite, which never needs them).
    module = sys.modules.get("ignacio.adapters.procrastinate_queue.queue")
    if module is not None and isinstance(queue, module.ProcrastinateJobQueue):
        return cast("ProcrastinateJobQueue", queue)
    return None


def _in_background(task: asyncio.Future[Any]) -> None:
    """Keep the task until it is done, and log it if it fails."""
    _background.add(task)
    task.add_done_callback(_finished)


def _freeze_startup_heap() -> None:
    """Once the process has built what it keeps for life (modules, the container, the app, the
    document parsers), move it out of the garbage collector's sight.

    A full collection walks every tracked object: about 200,000 of them after starting, which
    took 150-170 ms each time, every request waiting meanwhile; they were the p99 of webhook
    acknowledgements (160 ms at saturation, 31 ms once frozen). Frozen objects are still freed
    when nothing refers to them; only cycles among them would never be collected, and what
    starting builds lives as long as the process anyway.
    """
    gc.collect()
    gc.freeze()


def _finished(task: asyncio.Future[Any]) -> None:
    _background.discard(task)
    if not task.cancelled() and task.exception() is not None:
        # Not fatal: the same work runs again, in the foreground, where it is needed.
        structlog.get_logger(__name__).warning(
            "background preparation failed", exc_info=task.exception()
        )


def _sweep(container: Container) -> Callable[[], Awaitable[int]]:
    async def sweep() -> int:
        await container.job_queue().enqueue_inbox_drain()
        queued: int = await container.resume_processing()()
        queued += await container.queue_file_syncs()()
        # Indexed ranges of old rows, usually empty: cheap enough for every sweep.
        await container.prune_ended()()
        await _watch_gateway_links(container)
        return queued

    return sweep


async def _watch_gateway_links(container: Container) -> None:
    """Ask the gateway how its numbers' links stand, where one is configured: a gateway that
    died sends no webhook saying so. A failure here never stops the sweep."""
    if not container.settings().gateway.configured:
        return
    try:
        await container.watch_gateway_links()()
    except Exception:
        structlog.get_logger(__name__).warning("watching the gateway's links failed", exc_info=True)


async def _watch_gateway_links_periodically(container: Container) -> None:
    """Where no worker sweeps (the in-process queue): the same watch, every IGNACIO_SWEEP_SECONDS."""
    every = container.settings().queue.sweep_interval.total_seconds()
    while True:
        await asyncio.sleep(every)
        await _watch_gateway_links(container)


PRUNE_EVERY_SECONDS = 3600.0


async def _prune_ended_hourly(container: Container) -> None:
    """Where no worker sweeps (the in-process queue): forget what has ended (old live events,
    sessions, logins by message) now, then hourly."""
    while True:
        try:
            await container.prune_ended()()
        except Exception:
            structlog.get_logger(__name__).warning(
                "forgetting what has ended failed", exc_info=True
            )
        await asyncio.sleep(PRUNE_EVERY_SECONDS)


async def close_container(container: Container) -> None:
    """Stop the queue, close the HTTP client, release pooled connections (creating an engine or a
    client opens nothing, so this is cheap when they were never used)."""
    await container.live_feed().close()
    for task in container.maintenance():
        task.cancel()
    container.maintenance().clear()
    await container.drain_requests().settled()
    await container.job_queue().close()
    if container.text_extractor.initialized:
        # Stopping the extraction workers waits for them to exit.
        await asyncio.to_thread(container.text_extractor.shutdown)
    await container.http_client().aclose()
    if container.ai_kind() == "openai":
        await container.ai_client().close()
    if container.blob_storage_kind() == "supabase":
        storage: Any = container.blob_storage()
        await storage.aclose()
    if container.storage_kind() == "sql":
        engine: Any = container.engine()
        await engine.dispose()
        side_engine: Any = container.side_engine()
        if side_engine is not engine:
            await side_engine.dispose()
