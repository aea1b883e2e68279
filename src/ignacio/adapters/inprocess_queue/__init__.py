"""A job queue inside the serving process: the embedded default, and the test set."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from uuid import UUID

import structlog

log = structlog.get_logger(__name__)

Handler = Callable[[UUID], Awaitable[float | None]]
"""Runs one job (a message to process, a file to sync, a login code to send); returns seconds
after which to run it again, or None when finished."""

Drain = Callable[[], Awaitable[float | None]]
"""Drains the webhook inbox; returns seconds after which to drain again, or None when empty."""

AttemptHandler = Callable[[UUID, int], Awaitable[float | None]]
"""Runs one job told which attempt it is (1 for the first run, 2 for the run it asked for
after the first, ...); returns seconds after which to run it again, or None when finished."""

_PROCESS = "process_inbound"
_SYNC = "sync_file"
_DRAIN = "drain_inbox"
_LOGIN_CODE = "send_login_code"
_SUMMARY = "summarize_conversation"
# The inbox is drained as a whole: its jobs share one key.
_INBOX = UUID(int=0)

_AFTER_UNEXPECTED_ERROR = 30.0


class InProcessJobQueue:
    """Runs each queued message as an asyncio task, a bounded number at a time.

    Nothing here is durable, and need not be: the database records which messages are still
    pending, and ResumeProcessing queues them again when the process starts.
    """

    def __init__(self, concurrency: int = 4, grace_seconds: float = 10.0) -> None:
        self._semaphore = asyncio.Semaphore(concurrency)
        self._grace_seconds = grace_seconds
        self._handlers: dict[str, AttemptHandler] = {}
        self._queued: set[tuple[str, UUID]] = set()
        self._waiting: set[asyncio.Task[None]] = set()
        self._running: set[asyncio.Task[None]] = set()
        # Jobs asked for again while they ran: they run once more when they end.
        self._again: set[tuple[str, UUID]] = set()
        self._running_keys: set[tuple[str, UUID]] = set()
        self._closed = False

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
        with `drain_inbox`, login codes with `login_code` and summaries with `summary`; jobs of
        a kind left unbound are dropped."""
        self._handlers = {}
        for kind, plain in ((_PROCESS, handler), (_SYNC, sync_file), (_LOGIN_CODE, login_code)):
            if plain is not None:
                self._handlers[kind] = _ignoring_attempt(plain)
        if summary is not None:
            self._handlers[_SUMMARY] = summary
        if drain_inbox is not None:

            async def drain(_key: UUID, _attempt: int) -> float | None:
                return await drain_inbox()

            self._handlers[_DRAIN] = drain
        self._closed = False

    async def enqueue_processing(self, message_id: UUID, *, delay_seconds: float = 0) -> None:
        self._enqueue(_PROCESS, message_id, delay_seconds)

    async def enqueue_lost(self, message_ids: Sequence[UUID]) -> int:
        lost = [key for key in message_ids if (_PROCESS, key) not in self._queued]
        for key in lost:
            self._enqueue(_PROCESS, key, 0)
        return len(lost)

    async def enqueue_file_sync(self, file_id: UUID, *, delay_seconds: float = 0) -> None:
        self._enqueue(_SYNC, file_id, delay_seconds)

    async def enqueue_login_code(self, challenge_id: UUID) -> None:
        self._enqueue(_LOGIN_CODE, challenge_id, 0)

    async def enqueue_summary(self, conversation_id: UUID) -> None:
        self._enqueue(_SUMMARY, conversation_id, 0)

    async def enqueue_inbox_drain(self) -> None:
        self._enqueue(_DRAIN, _INBOX, 0)

    def _enqueue(self, kind: str, key: UUID, delay_seconds: float, attempt: int = 1) -> None:
        if self._closed or kind not in self._handlers:
            return
        if (kind, key) in self._queued:
            # Like a shared queue: a job waiting to start will see what this asks for; one that
            # runs may have looked already, so it runs again.
            if (kind, key) in self._running_keys:
                self._again.add((kind, key))
            return
        self._queued.add((kind, key))
        task = asyncio.create_task(self._run(kind, key, delay_seconds, attempt))
        self._waiting.add(task)
        task.add_done_callback(self._forget)

    def _forget(self, task: asyncio.Task[None]) -> None:
        self._waiting.discard(task)
        self._running.discard(task)

    async def _run(self, kind: str, key: UUID, delay_seconds: float, attempt: int) -> None:
        task = asyncio.current_task()
        handler = self._handlers.get(kind)
        if task is None or handler is None:
            return
        retry_in: float | None = None
        try:
            if delay_seconds > 0:
                await asyncio.sleep(delay_seconds)
            async with self._semaphore:
                self._waiting.discard(task)
                self._running.add(task)
                self._running_keys.add((kind, key))
                try:
                    retry_in = await handler(key, attempt)
                except Exception:
                    log.exception("job failed unexpectedly", job=kind, id=str(key))
                    retry_in = _AFTER_UNEXPECTED_ERROR
        finally:
            self._queued.discard((kind, key))
            self._running_keys.discard((kind, key))
        if (kind, key) in self._again:
            # Asked for anew: a first attempt at what is there now.
            self._again.discard((kind, key))
            self._enqueue(kind, key, retry_in or 0)
        elif retry_in is not None:
            self._enqueue(kind, key, retry_in, attempt + 1)

    async def idle(self) -> None:
        """Return once no job is waiting or running (follow-up jobs included): for tests and drains."""
        while self._waiting or self._running:
            await asyncio.gather(*(self._waiting | self._running), return_exceptions=True)

    async def close(self) -> None:
        """Stop taking jobs; cancel those still waiting; give running ones a grace period."""
        self._closed = True
        for task in list(self._waiting):
            task.cancel()
        running = list(self._running)
        if running:
            _, unfinished = await asyncio.wait(running, timeout=self._grace_seconds)
            for task in unfinished:
                task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*(self._waiting | self._running), return_exceptions=True)


def _ignoring_attempt(handler: Handler) -> AttemptHandler:
    async def run(key: UUID, _attempt: int) -> float | None:
        return await handler(key)

    return run


__all__ = ["AttemptHandler", "Drain", "Handler", "InProcessJobQueue"]
